"""Demo activities of the fictional Civic Centers (legami/demo/seed.py): about eleven each, the
kind Lombardy's Civic Centers run (doposcuola, aiuto compiti, centro estivo, sport,
musica, italiano L2) in the school year 2026/27 and the summer of 2027."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

from dateutil.easter import easter

from app import places
from app.db import transaction
from app.tables import Organization
from civic.tables import Activity, SchoolHoliday

SCHOOL_YEAR = (date(2026, 9, 14), date(2027, 6, 5))
AUTUMN = (date(2026, 10, 5), date(2026, 12, 18))
SPRING = (date(2027, 1, 11), date(2027, 5, 28))
SUMMER = (date(2027, 6, 14), date(2027, 7, 30))
LATE_SUMMER = (date(2027, 8, 23), date(2027, 9, 10))

# Fees by ISEE band: (ISEE up to, in euros; fee in cents). None: every ISEE above.
CAMP_BANDS = ((8265, 0), (15000, 4500), (25000, 7000), (None, 9500))
AFTER_SCHOOL_BANDS = ((8265, 0), (20000, 3000), (None, 6000))
STEP_FREE = "Accesso senza barriere; educatore di sostegno su richiesta."
FIRST_FLOOR = "Primo piano con ascensore; bagno accessibile."


class Spec(NamedTuple):
    title: str
    category: str
    ages: tuple[int | None, int | None]
    grades: tuple[str, ...]
    days: tuple[int, ...]
    hours: tuple[str, str]
    period: tuple[date, date]
    capacity: int
    cost: tuple[str, int, tuple[tuple[int | None, int], ...]]
    languages: tuple[str, ...]
    description: str


FREE: tuple[str, int, tuple[tuple[int | None, int], ...]] = ("free", 0, ())
PRIMARY = ("P1", "P2", "P3", "P4", "P5")
LOWER_SECONDARY = ("S1", "S2", "S3")

COMMON = (
    Spec("Doposcuola primaria", "after_school", (6, 11), PRIMARY, (0, 1, 2, 3, 4),
         ("13:00", "17:30"), SCHOOL_YEAR, 30, ("isee", 0, AFTER_SCHOOL_BANDS), ("it",),
         "Pranzo, compiti con gli educatori e gioco in cortile fino all'uscita dal lavoro "
         "dei genitori. Uscita accompagnata su richiesta."),
    Spec("Aiuto compiti medie", "homework", (11, 14), LOWER_SECONDARY, (1, 3),
         ("14:30", "16:30"), SCHOOL_YEAR, 18, FREE, ("it", "en"),
         "Studio assistito con volontari ed ex insegnanti: metodo di studio, matematica, "
         "inglese. Portare libri e diario."),
    Spec("Centro estivo", "summer_camp", (6, 12), PRIMARY, (0, 1, 2, 3, 4),
         ("08:00", "16:30"), SUMMER, 60, ("isee", 0, CAMP_BANDS), ("it", "en"),
         "Sette settimane di giochi, laboratori, piscina una volta a settimana e gite. "
         "Quota settimanale, pranzo compreso. Iscrizione anche a singole settimane."),
    Spec("Italiano L2 per ragazzi", "italian_l2", (8, 14), (), (1, 4), ("15:00", "16:30"),
         SCHOOL_YEAR, 12, FREE, ("it", "ar", "ro", "pa"),
         "Italiano per chi è arrivato da poco: parlare, leggere e scrivere per la scuola, "
         "in piccoli gruppi con mediatori linguistici."),
)

LOCAL = {
    "Civic Center Crema": (
        ("Crema", "Civic Center, via Mercato 12", STEP_FREE),
        (
            Spec("Minibasket", "sport", (6, 10), ("P1", "P2", "P3", "P4", "P5"), (2,),
                 ("17:00", "18:15"), SCHOOL_YEAR, 24, ("fixed", 6000, ()), ("it",),
                 "Con la società sportiva di quartiere. Quota annuale, maglia compresa. "
                 "Serve il certificato medico non agonistico."),
            Spec("Coro dei ragazzi", "culture", (8, 13), (), (4,), ("16:30", "18:00"),
                 SCHOOL_YEAR, 25, FREE, ("it",), "Canto corale con la scuola di musica "
                 "cittadina; concerto di Natale e di fine anno."),
            Spec("Laboratorio di fumetto", "culture", (10, 14), ("P5", *LOWER_SECONDARY),
                 (2,), ("15:00", "17:00"), AUTUMN, 15, ("fixed", 2500, ()), ("it",),
                 "Dalla storia alla tavola: dieci incontri con un illustratore."),
            Spec("Doposcuola Offanengo", "after_school", (6, 11), PRIMARY, (0, 2, 4),
                 ("13:00", "16:30"), SCHOOL_YEAR, 20, ("isee", 0, AFTER_SCHOOL_BANDS),
                 ("it", "sq"), "Nella sala civica di Offanengo, con servizio mensa."),
            Spec("Centro estivo di fine agosto", "summer_camp", (6, 11), PRIMARY,
                 (0, 1, 2, 3, 4), ("08:00", "13:00"), LATE_SUMMER, 40, ("fixed", 5000, ()),
                 ("it",), "Le settimane prima della scuola, di mattina: compiti delle "
                 "vacanze e giochi."),
            Spec("Pallavolo medie", "sport", (11, 14), LOWER_SECONDARY, (1, 3),
                 ("18:00", "19:30"), SCHOOL_YEAR, 20, ("fixed", 8000, ()), ("it",),
                 "Allenamenti misti, torneo di primavera."),
            Spec("English club", "language", (9, 13), ("P4", "P5", "S1", "S2"), (3,),
                 ("16:45", "18:00"), SPRING, 14, ("fixed", 3500, ()), ("en", "it"),
                 "Giochi e teatro in inglese con una madrelingua."),
        ),
    ),
    "Civic Center Cremona": (
        ("Cremona", "Civic Center Cambonino, via Maffi 4", FIRST_FLOOR),
        (
            Spec("Scuola di violino per principianti", "culture", (7, 12), (), (1, 3),
                 ("17:00", "18:00"), SCHOOL_YEAR, 10, ("isee", 0, ((15000, 0), (None, 12000))),
                 ("it",), "In collaborazione con la scuola di liuteria: lo strumento è dato "
                 "in prestito per tutto l'anno."),
            Spec("Calcio a cinque", "sport", (8, 13), (), (0, 3), ("17:30", "19:00"),
                 SCHOOL_YEAR, 30, ("fixed", 5000, ()), ("it", "ar"),
                 "Squadre miste per età, campo coperto in inverno."),
            Spec("Aiuto compiti Porta Po", "homework", (7, 11), ("P2", "P3", "P4", "P5"),
                 (0, 2), ("16:30", "18:00"), SCHOOL_YEAR, 16, FREE, ("it", "ro", "uk"),
                 "Nella sala del quartiere Porta Po, con volontari universitari."),
            Spec("Teatro ragazzi", "culture", (9, 14), (), (4,), ("15:00", "17:00"), SPRING,
                 18, ("fixed", 3000, ()), ("it",), "Spettacolo finale al teatro di quartiere."),
            Spec("Italiano per mamme e bambini", "language", (3, 6), ("I1", "I2", "I3"), (2,),
                 ("09:30", "11:00"), SCHOOL_YEAR, 12, FREE, ("it", "ar", "ur", "hi", "zh"),
                 "Le mamme imparano l'italiano mentre i piccoli giocano con le educatrici."),
            Spec("Centro estivo sport", "summer_camp", (8, 14), (), (0, 1, 2, 3, 4),
                 ("08:30", "17:00"), SUMMER, 50, ("isee", 0, CAMP_BANDS), ("it", "en"),
                 "Ogni settimana uno sport diverso con gli allenatori delle società cittadine."),
            Spec("Scacchi a scuola", "other", (7, 13), (), (3,), ("16:30", "18:00"), AUTUMN, 16,
                 FREE, ("it",), "Il circolo scacchistico insegna le regole e prepara al "
                 "torneo provinciale."),
        ),
    ),
    "Civic Center Casalmaggiore": (
        ("Casalmaggiore", "Civic Center, piazza Garibaldi 26", STEP_FREE),
        (
            Spec("Banda giovanile", "culture", (9, 16), (), (5,), ("10:00", "12:00"),
                 SCHOOL_YEAR, 20, FREE, ("it",), "Con il corpo bandistico: strumenti a fiato "
                 "e percussioni, strumento in prestito."),
            Spec("Nuoto", "sport", (6, 12), (), (1,), ("17:00", "18:00"), AUTUMN, 15,
                 ("isee", 0, ((10000, 2000), (None, 5000))), ("it",),
                 "Piscina comunale, trasporto con il pulmino dal Civic Center."),
            Spec("Doposcuola Piadena", "after_school", (6, 11), PRIMARY, (0, 1, 3),
                 ("12:45", "16:30"), SCHOOL_YEAR, 18, ("isee", 0, AFTER_SCHOOL_BANDS),
                 ("it", "pa"), "A Piadena Drizzona, negli spazi dell'oratorio."),
            Spec("Orto e cucina", "other", (7, 11), (), (2,), ("16:30", "18:00"), SPRING, 14,
                 FREE, ("it",), "Coltiviamo l'orto del Civic Center e cuciniamo quello che "
                 "cresce."),
            Spec("Mini centro estivo", "summer_camp", (3, 6), ("I1", "I2", "I3"),
                 (0, 1, 2, 3, 4), ("08:00", "13:00"), SUMMER, 25, ("fixed", 6000, ()),
                 ("it",), "Per i bambini della scuola dell'infanzia, solo mattino."),
            Spec("Ciclismo su strada", "sport", (10, 15), (), (5,), ("09:00", "11:30"), SPRING,
                 12, ("fixed", 4000, ()), ("it",), "Uscite sugli argini del Po; bici e "
                 "casco forniti a chi non li ha."),
            Spec("Giornalino dei ragazzi", "culture", (11, 14), LOWER_SECONDARY, (3,),
                 ("15:00", "17:00"), SCHOOL_YEAR, 12, FREE, ("it",),
                 "Una redazione vera: interviste, foto e un numero al mese."),
        ),
    ),
    "Civic Center Soresina": (
        ("Soresina", "Civic Center, via Matteotti 8", FIRST_FLOOR),
        (
            Spec("Ginnastica artistica", "sport", (5, 10), (), (1, 4), ("17:00", "18:00"),
                 SCHOOL_YEAR, 20, ("fixed", 9000, ()), ("it",), "Palestra comunale, corsi "
                 "per livello."),
            Spec("Chitarra di gruppo", "culture", (10, 15), (), (2,), ("17:30", "18:30"),
                 SCHOOL_YEAR, 10, ("fixed", 6000, ()), ("it", "es"),
                 "Chi non ha una chitarra la riceve in prestito."),
            Spec("Compiti del sabato", "homework", (8, 14), (), (5,), ("09:30", "11:30"),
                 SCHOOL_YEAR, 20, FREE, ("it", "hi", "pa"),
                 "Il sabato mattina con i volontari del Civic Center e della biblioteca."),
            Spec("Centro estivo agosto", "summer_camp", (6, 12), PRIMARY, (0, 1, 2, 3, 4),
                 ("08:00", "16:00"), LATE_SUMMER, 35, ("isee", 0, CAMP_BANDS), ("it",),
                 "Per chi lavora ad agosto: tre settimane prima della scuola."),
            Spec("Atletica", "sport", (8, 13), (), (0, 2), ("17:00", "18:30"), SPRING, 25,
                 ("fixed", 3000, ()), ("it",), "Al campo sportivo, con la società locale."),
            Spec("Lettura ad alta voce", "culture", (4, 7), ("I3", "P1", "P2"), (3,),
                 ("16:30", "17:30"), AUTUMN, 15, FREE, ("it", "ar", "uk"),
                 "Storie in più lingue lette dai volontari e dai genitori."),
            Spec("Coding e robotica", "other", (9, 13), ("P4", "P5", "S1", "S2"), (4,),
                 ("15:00", "17:00"), SPRING, 12, ("fixed", 4500, ()), ("it",),
                 "Scratch e piccoli robot, computer forniti dal Civic Center."),
        ),
    ),
}

# A few activities are not (yet, or any more) open: a draft and a closed one.
STATUS = {("Civic Center Cremona", "Scacchi a scuola"): "draft",
          ("Civic Center Casalmaggiore", "Orto e cucina"): "closed"}
TOWNS = {"Doposcuola Offanengo": ("Offanengo", "Sala civica, via Clavelli Martini 5"),
         "Doposcuola Piadena": ("Piadena Drizzona", "Oratorio, via Libertà 2"),
         "Aiuto compiti Porta Po": ("Cremona", "Sala di quartiere Porta Po, via Brescia 9")}


def _values(center_name: str, spec: Spec, town: str, place: str, access: str
            ) -> dict[str, Any]:
    town, place = TOWNS.get(spec.title, (town, place))
    kind, cents, bands = spec.cost
    return {
        "title": spec.title, "category": spec.category, "description": spec.description,
        "min_age": spec.ages[0], "max_age": spec.ages[1], "grades": list(spec.grades),
        "days": list(spec.days), "start_time": spec.hours[0], "end_time": spec.hours[1],
        "starts_on": spec.period[0], "ends_on": spec.period[1], "place": place, "town": town,
        "cost_kind": kind, "cost_cents": cents,
        "fee_bands": [{"isee_up_to": limit, "fee_cents": fee} for limit, fee in bands],
        "accessibility": access, "languages": list(spec.languages),
        "status": STATUS.get((center_name, spec.title), "published"),
    }


async def seed_demo_activities() -> int:
    """Give each demo Civic Center its activities, once; return how many exist."""
    centers = await Organization.select(Organization.id, Organization.name).where(
        (Organization.kind == "civic_center") & Organization.name.is_in(list(LOCAL)))
    ids = [center["id"] for center in centers]
    async with transaction():
        existing = await Activity.count().where(Activity.civic_center.is_in(ids)) if ids else 0
        if existing:
            return int(existing)
        created = 0
        for center in centers:
            (town, place, access), specs = LOCAL[center["name"]]
            for spec in (*COMMON, *specs):
                pool = await places.create_pool("activity", spec.capacity)
                await Activity(civic_center=center["id"], pool=pool,
                               **_values(center["name"], spec, town, place, access)).save()
                created += 1
        return created


def school_breaks(start: int) -> list[tuple[date, date, str]]:
    """The Christmas and Easter breaks of the school year from September `start`, by the
    Lombardy permanent calendar's rule: 24 December to 6 January, and from the Thursday
    before Easter to the Tuesday after it."""
    sunday = easter(start + 1)
    return [(date(start, 12, 24), date(start + 1, 1, 6), "Vacanze di Natale"),
            (sunday - timedelta(days=3), sunday + timedelta(days=2), "Vacanze di Pasqua")]


async def seed_demo_holidays() -> int:
    """The school breaks of the demo activities' school year, once (staff keep them at
    /civic/holidays); the weekly sessions and their calendar files skip them."""
    if not await SchoolHoliday.exists():
        await SchoolHoliday.insert(*(
            SchoolHoliday(first_day=first, last_day=last, name=name)
            for first, last, name in school_breaks(SCHOOL_YEAR[0].year)))
    return int(await SchoolHoliday.count())
