"""Demo initiatives over Crema, Cremona and Casalmaggiore. ALL OF IT IS FICTIONAL.

Run after `app.demo.seed_demo` (it looks up the demo companies and Civic Centers by kind
and name; those it does not find are left out). Idempotent: an initiative whose title
already exists is not added again.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from app import places
from app.db import transaction
from app.tables import Organization
from community.initiatives.service import OWNER
from community.tables import Initiative
from community.taxonomy.service import ensure_defaults, types_by_key


class DemoInitiative(NamedTuple):
    title: str
    type_key: str
    towns: tuple[str, ...]
    company: str | None  # a demo company's name: only its employees see it
    provider: str  # a demo organization's name, or a provider without an account
    provider_kind: str
    capacity: int
    cost_cents: int
    cost_note: str
    schedule: str
    place: str
    starts_on: date | None
    ends_on: date | None
    description: str
    audience: str = "employees"


DEMO = (
    DemoInitiative(
        "Centro estivo aziendale", "summer_camp", ("Crema",), "Officine Rossi Meccanica S.r.l.",
        "Cooperativa Sociale Il Germoglio", "cooperative", 25, 9000, "a settimana, pasto incluso",
        "Lunedì-venerdì 7:45-17:00", "Oratorio di Santa Maria della Croce, Crema",
        date(2026, 6, 15), date(2026, 7, 31),
        "Quattro settimane di giochi, compiti e piscina per i figli dei dipendenti dai 6 ai 13 "
        "anni, con ingresso anticipato per chi entra al primo turno.", "families"),
    DemoInitiative(
        "Doposcuola al Civic Center", "after_school", ("Crema", "Offanengo"), None,
        "Civic Center Crema", "civic_center", 20, 3000, "al mese, riduzioni con ISEE",
        "Lunedì, mercoledì e venerdì 14:30-17:30", "Civic Center Crema, via Mazzini",
        date(2026, 9, 21), date(2027, 5, 28),
        "Aiuto nei compiti e laboratori per ragazzi delle scuole primarie e secondarie di primo "
        "grado, con educatori e volontari.", "families"),
    DemoInitiative(
        "Sportello anziani e assistenti familiari", "eldercare_desk", ("Crema",), None,
        "Associazione Filo d'Argento Cremasco", "association", 30, 0, "",
        "Martedì 17:00-19:00 e sabato 9:00-12:00", "Sala civica di Ombriano, Crema",
        date(2026, 3, 3), None,
        "Orientamento sui servizi per anziani, aiuto per trovare e mettere in regola "
        "un'assistente familiare, pratiche per l'invalidità. Su appuntamento."),
    DemoInitiative(
        "Car pooling zona industriale", "shared_transport", ("Crema", "Offanengo"), None,
        "Comune di Crema", "municipality", 40, 0, "",
        "Turni 6-14, 14-22 e giornata", "Parcheggio di scambio di via Indipendenza, Crema",
        date(2026, 4, 1), date(2026, 12, 18),
        "Equipaggi di colleghi e vicini di casa per andare al lavoro insieme; il Comune riserva "
        "i posti auto e rimborsa parte del carburante."),
    DemoInitiative(
        "GAS del Cremasco: spesa a km zero", "solidarity_purchasing", ("Crema",), None,
        "Cooperativa Agricola Terre del Serio", "cooperative", 50, 0,
        "si paga solo la spesa ordinata",
        "Ordine entro il lunedì, ritiro il giovedì 17:00-19:00", "Punto vendita di Crema",
        date(2026, 3, 5), None,
        "Verdura, formaggi e farine delle aziende agricole del territorio, ordinati insieme e "
        "ritirati vicino al lavoro."),
    DemoInitiative(
        "Centro estivo sul Po", "summer_camp", ("Cremona",), None,
        "Civic Center Cremona", "civic_center", 30, 8000, "a settimana, sconto fratelli 20%",
        "Lunedì-venerdì 8:00-16:30", "Civic Center Cremona e Colonie Padane",
        date(2026, 6, 22), date(2026, 8, 7),
        "Sport, canoa e natura lungo il fiume per bambini dai 6 agli 11 anni.", "families"),
    DemoInitiative(
        "Navetta stazione – polo logistico", "shared_transport", ("Cremona",),
        "Padana Logistica S.p.A.", "Padana Logistica S.p.A.", "company", 18, 0, "",
        "Corse alle 5:35, 13:35 e 21:35", "Stazione di Cremona, piazzale ovest",
        date(2026, 4, 13), date(2026, 10, 30),
        "Una navetta aziendale per chi arriva in treno e lavora sui turni del polo logistico."),
    DemoInitiative(
        "Orari flessibili in magazzino", "flexible_hours", ("Cremona",),
        "Padana Logistica S.p.A.", "Padana Logistica S.p.A.", "company", 12, 0, "",
        "Sei mesi di prova", "Polo logistico Cremona",
        date(2026, 5, 4), date(2026, 10, 30),
        "Ingresso tra le 6:00 e le 7:30 e banca delle ore per chi accompagna figli o genitori: "
        "una sperimentazione concordata con le rappresentanze sindacali."),
    DemoInitiative(
        "Lavanderia e commissioni in azienda", "time_saving", ("Cremona",),
        "Dolciaria Bianchi Torroni S.r.l.", "Cooperativa Sociale Cremona Solidale",
        "cooperative", 15, 500, "a servizio; ritiro e consegna gratuiti",
        "Ritiro il lunedì, consegna il giovedì", "Laboratorio Cremona, portineria",
        date(2026, 3, 2), None,
        "Lavanderia, sartoria e piccole commissioni (ricette, pacchi, bollette) ritirate e "
        "riconsegnate in azienda."),
    DemoInitiative(
        "Sportello bilancio familiare", "household_budget", ("Cremona",), None,
        "Cooperativa Sociale Cremona Solidale", "cooperative", 20, 0, "",
        "Giovedì 17:30-19:30, su appuntamento", "Civic Center Cremona",
        date(2026, 3, 12), date(2026, 12, 17),
        "Un'ora con un consulente per mettere in ordine spese, bollette e bonus a cui si ha "
        "diritto."),
    DemoInitiative(
        "Doposcuola del Casalasco", "after_school", ("Casalmaggiore",), None,
        "Civic Center Casalmaggiore", "civic_center", 20, 2500, "al mese, riduzioni con ISEE",
        "Martedì e giovedì 14:30-17:30", "Civic Center Casalmaggiore",
        date(2026, 9, 22), date(2027, 5, 27),
        "Compiti, lettura e giochi per i ragazzi delle scuole primarie e medie.", "families"),
    DemoInitiative(
        "Sollievo per chi assiste un familiare", "carer_respite", ("Casalmaggiore",), None,
        "Cooperativa Sociale Casalasca Insieme", "cooperative", 10, 0,
        "le prime 10 ore sono gratuite",
        "Su richiesta, anche il sabato", "A domicilio, nei comuni del Casalasco",
        date(2026, 3, 1), None,
        "Un operatore a casa per qualche ora, per chi si prende cura di un genitore o di un "
        "familiare non autosufficiente.", "all"),
    DemoInitiative(
        "Ginnastica dolce in pausa pranzo", "wellbeing", ("Casalmaggiore",),
        "Casearia del Po S.r.l.", "Associazione Sportiva Casalasca", "association", 20, 0, "",
        "Martedì e venerdì 12:45-13:30", "Caseificio Casalmaggiore, sala mensa",
        date(2026, 4, 7), date(2026, 6, 26),
        "Esercizi per schiena e spalle per chi lavora in piedi o al freddo, con un istruttore."),
)


async def _organizations() -> dict[str, dict[str, Any]]:
    rows = await Organization.select(Organization.id, Organization.name, Organization.kind
                                     ).where(Organization.kind.is_in(["company", "civic_center"]))
    return {row["name"]: row for row in rows}


async def seed_demo_initiatives() -> int:
    """Add the taxonomy defaults and the demo initiatives; return how many were added."""
    await ensure_defaults()
    types = await types_by_key("it")
    organizations = await _organizations()
    existing = {r["title"] for r in await Initiative.select(Initiative.title)}
    added = 0
    async with transaction():
        for demo in DEMO:
            company = organizations.get(demo.company) if demo.company else None
            if demo.title in existing or (demo.company and company is None):
                continue
            provider = organizations.get(demo.provider)
            kind = types[demo.type_key]
            pool: UUID = await places.create_pool(OWNER, demo.capacity)
            await Initiative(
                title=demo.title, description=demo.description,
                provider=provider["id"] if provider else None, provider_name=demo.provider,
                provider_kind=demo.provider_kind, type_key=demo.type_key,
                areas=list(kind.areas), towns=list(demo.towns),
                company=company["id"] if company else None, audience=demo.audience,
                schedule=demo.schedule, place=demo.place, starts_on=demo.starts_on,
                ends_on=demo.ends_on, cost_cents=demo.cost_cents, cost_note=demo.cost_note,
                welfare_category=kind.welfare_category, pool=pool, status="published",
            ).save()
            added += 1
    return added
