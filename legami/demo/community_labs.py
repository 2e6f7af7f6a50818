"""Demo community labs in workplaces and in Crema, Cremona and Casalmaggiore. ALL OF IT IS
FICTIONAL.

Run after `app.demo.seed_demo`: it looks up the demo program and companies by name (labs
of a company it does not find are left out). The facilitators are the program's
community makers; when there are none, two demo community makers are added. Meetings
fall around the day the seed runs, so some are past (with notes) and some ahead. Some
town labs have guests who are not employees (residents, volunteers, council officers),
and their past meetings record which of them came.
Idempotent: a lab whose title already exists is not added again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from uuid import UUID, uuid4

from app.clock import ITALY
from app.db import transaction
from app.roles import COMMUNITY_MAKER
from app.tables import Membership, Organization, User
from community.tables import Lab, LabAction, LabAttendance, LabGuest, LabMeeting
from legami.demo.seed import PROGRAM_NAME

DEMO_MAKERS = (
    ("Paolo Bonetti", "paolo.bonetti@farelegami.example"),
    ("Sara Lombardi", "sara.lombardi@farelegami.example"),
)


class DemoMeeting(NamedTuple):
    days: int  # from the day of the seed: negative in the past
    hour: int
    place: str
    notes: str = ""
    present: tuple[int, ...] = ()  # the lab's guests who came, by their place in `guests`


class DemoGuest(NamedTuple):
    name: str
    kind: str  # resident, volunteer, council_officer, other
    organization: str = ""


class DemoAction(NamedTuple):
    title: str
    owner: str
    due_days: int | None
    status: str


class DemoLab(NamedTuple):
    title: str
    company: str | None  # a demo company's name for a workplace lab
    town: str  # for a town lab
    partners: tuple[str, ...]
    agenda: tuple[tuple[str, str], ...]  # (text, need area)
    meetings: tuple[DemoMeeting, ...]
    actions: tuple[DemoAction, ...]
    status: str = "active"
    guests: tuple[DemoGuest, ...] = ()


def _workplace(title: str, company: str, agenda: tuple[tuple[str, str], ...],
               meetings: tuple[DemoMeeting, ...], actions: tuple[DemoAction, ...],
               partners: tuple[str, ...] = (), status: str = "active") -> DemoLab:
    return DemoLab(title, company, "", partners, agenda, meetings, actions, status)


def _town(title: str, town: str, partners: tuple[str, ...],
          agenda: tuple[tuple[str, str], ...], meetings: tuple[DemoMeeting, ...],
          actions: tuple[DemoAction, ...], guests: tuple[DemoGuest, ...] = ()) -> DemoLab:
    return DemoLab(title, None, town, partners, agenda, meetings, actions, guests=guests)


DEMO = (
    _workplace(
        "Turni e famiglia in Officine Rossi", "Officine Rossi Meccanica S.r.l.",
        (("Scambio turni tra colleghi con genitori di bambini piccoli", "working_time"),
         ("Centro estivo vicino allo stabilimento", "children")),
        (DemoMeeting(-35, 17, "Sala mensa, Stabilimento Crema",
                     "Prima riunione: 14 presenti. Il nodo sono i turni di luglio."),
         DemoMeeting(-7, 17, "Sala mensa, Stabilimento Crema",
                     "Proposta una bacheca per lo scambio turni."),
         DemoMeeting(21, 17, "Sala mensa, Stabilimento Crema")),
        (DemoAction("Bacheca per lo scambio turni", "Ufficio personale", 14, "doing"),
         DemoAction("Convenzione con un centro estivo di Crema", "Comunità Sociale Cremasca",
                    60, "todo"),
         DemoAction("Raccolta delle disponibilità di luglio", "Delegati di reparto", -5,
                    "done")),
        ("Comunità Sociale Cremasca",)),
    _workplace(
        "Magazzino e pendolari", "Padana Logistica S.p.A.",
        (("Auto condivisa per il turno di notte", "commuting"),
         ("Navetta dalla stazione di Cremona", "commuting")),
        (DemoMeeting(-20, 14, "Polo logistico Cremona, sala formazione",
                     "Mappati 23 colleghi che arrivano dalla stessa zona."),
         DemoMeeting(14, 14, "Polo logistico Cremona, sala formazione")),
        (DemoAction("Gruppi di auto condivisa per zona", "Ufficio personale", 10, "doing"),
         DemoAction("Richiesta di fermata al trasporto pubblico", "Comune di Cremona", 90,
                    "todo")),
        ("Comune di Cremona",)),
    _workplace(
        "Cura dei familiari in Casearia del Po", "Casearia del Po S.r.l.",
        (("Sportello informativo per chi assiste un familiare anziano", "elder_care"),
         ("Permessi a ore per le visite mediche", "working_time")),
        (DemoMeeting(-12, 16, "Caseificio Casalmaggiore, sala riunioni",
                     "Chiesto uno sportello con l'assistente sociale una volta al mese."),
         DemoMeeting(18, 16, "Caseificio Casalmaggiore, sala riunioni")),
        (DemoAction("Sportello mensile con il Consorzio Casalasco", "Consorzio Casalasco",
                    30, "todo"),
         DemoAction("Regole chiare sui permessi a ore", "Direzione", 20, "doing")),
        ("Consorzio Casalasco",)),
    _workplace(
        "Spesa e servizi salvatempo", "Trafilerie Cremasche S.p.A.",
        (("Gruppo di acquisto solidale con consegna in azienda", "time_saving"),
         ("Ritiro pacchi in portineria", "time_saving")),
        (DemoMeeting(-40, 13, "Stabilimento Offanengo, refettorio",
                     "Tre produttori locali disponibili a consegnare il venerdì."),
         DemoMeeting(10, 13, "Stabilimento Offanengo, refettorio")),
        (DemoAction("Primo ordine del gruppo di acquisto", "Volontari del lab", -10, "done"),
         DemoAction("Armadietti per i pacchi", "Ufficio acquisti", 45, "todo"))),
    _workplace(
        "Benessere in laboratorio", "Dolciaria Bianchi Torroni S.r.l.",
        (("Esercizi per la schiena durante la stagione del torrone", "health"),
         ("Prenotazione di visite senza perdere ore", "health")),
        (DemoMeeting(-9, 15, "Laboratorio Cremona", "Interesse alto tra chi lavora in piedi."),
         DemoMeeting(25, 15, "Laboratorio Cremona")),
        (DemoAction("Dieci minuti di esercizi a inizio turno", "Responsabile sicurezza", 15,
                    "doing"),)),
    _workplace(
        "Casa e bilancio familiare", "Plastiche Casalasche S.r.l.",
        (("Incontri sul bilancio familiare", "finances"),
         ("Informazioni su bonus e sostegni all'affitto", "housing")),
        (DemoMeeting(-16, 17, "Stabilimento Casalmaggiore",
                     "Chiesto un incontro in italiano semplice, anche in rumeno."),
         DemoMeeting(12, 17, "Stabilimento Casalmaggiore")),
        (DemoAction("Incontro con un consulente del CAF", "Ufficio personale", 12, "todo"),
         DemoAction("Volantino sui sostegni all'affitto in tre lingue", "Volontari del lab",
                    25, "doing"))),
    _workplace(
        "Cooperativa che concilia", "Cooperativa Sociale Il Germoglio",
        (("Orari flessibili per chi lavora nei servizi domiciliari", "working_time"),
         ("Doposcuola per i figli dei soci", "children")),
        (DemoMeeting(-60, 18, "Sede Crema", "Avviata la banca delle ore."),
         DemoMeeting(-30, 18, "Sede Crema", "La banca delle ore funziona: 40 ore scambiate."),
         DemoMeeting(-3, 18, "Sede Crema", "Chiusura del lab: obiettivi raggiunti.")),
        (DemoAction("Banca delle ore tra soci", "Consiglio di amministrazione", -40, "done"),
         DemoAction("Accordo con un doposcuola di quartiere", "Presidenza", -10, "done")),
        status="closed"),
    _workplace(
        "Autisti e famiglie", "Autotrasporti Fratelli Guerini S.n.c.",
        (("Rientri a casa prevedibili per chi guida", "working_time"),),
        (DemoMeeting(7, 19, "Deposito Soresina"),),
        (DemoAction("Calendario dei rientri condiviso", "Ufficio traffico", 30, "todo"),)),
    _town(
        "Crema, quartiere Ombriano: tempi di vita e di lavoro", "Crema",
        ("Comune di Crema", "Comunità Sociale Cremasca", "Associazione genitori Ombriano",
         "Market Cremasco Soc. Coop."),
        (("Centri estivi coordinati tra le aziende del quartiere", "children"),
         ("Orari dei servizi comunali in fascia serale", "time_saving")),
        (DemoMeeting(-25, 20, "Oratorio di Ombriano",
                     "Presenti tre aziende, il Comune e due associazioni.", (0, 1, 2, 3, 4)),
         DemoMeeting(9, 20, "Oratorio di Ombriano")),
        (DemoAction("Mappa dei centri estivi e dei loro orari", "Comunità Sociale Cremasca",
                    20, "doing"),
         DemoAction("Sportello anagrafe aperto il giovedì sera", "Comune di Crema", 75,
                    "todo")),
        (DemoGuest("Elisa Marchesi", "resident"),
         DemoGuest("Tommaso Bianchessi", "volunteer", "Associazione genitori Ombriano"),
         DemoGuest("Laura Dossena", "council_officer", "Comune di Crema"),
         DemoGuest("Chiara Zaninelli", "resident"),
         DemoGuest("Marco Ferla", "volunteer", "Associazione genitori Ombriano"))),
    _town(
        "Crema: chi si prende cura", "Crema",
        ("Comune di Crema", "Comunità Sociale Cremasca", "Auser Crema"),
        (("Gruppo di auto-aiuto per chi assiste un familiare", "elder_care"),
         ("Trasporto sociale per le visite", "elder_care")),
        (DemoMeeting(-5, 18, "Civic Center Crema", "Quindici caregiver al primo incontro.",
                     (0, 1, 2, 3, 4, 5)),
         DemoMeeting(23, 18, "Civic Center Crema")),
        (DemoAction("Incontri mensili del gruppo", "Auser Crema", 23, "doing"),),
        (DemoGuest("Giovanna Cattaneo", "resident"),
         DemoGuest("Pietro Arpini", "resident"),
         DemoGuest("Rosa Guerini", "resident"),
         DemoGuest("Franco Scotti", "volunteer", "Auser Crema"),
         DemoGuest("Anna Premoli", "volunteer", "Auser Crema"),
         DemoGuest("Silvia Tadi", "council_officer", "Comunità Sociale Cremasca"))),
    _town(
        "Cremona, zona Porto: lavoro e trasporti", "Cremona",
        ("Comune di Cremona", "Azienda Sociale Cremonese", "Padana Logistica S.p.A.",
         "Cooperativa Logistica Po e Adda"),
        (("Navetta condivisa tra le aziende della zona Porto", "commuting"),),
        (DemoMeeting(-18, 17, "Sede Azienda Sociale Cremonese",
                     "Quattro aziende pronte a condividere una navetta."),
         DemoMeeting(11, 17, "Sede Azienda Sociale Cremonese")),
        (DemoAction("Orari di turno delle aziende messi insieme", "Azienda Sociale Cremonese",
                    7, "doing"),
         DemoAction("Preventivo per la navetta", "Comune di Cremona", 40, "todo"))),
    _town(
        "Cremona: famiglie e scuola", "Cremona",
        ("Comune di Cremona", "Azienda Sociale Cremonese", "Civic Center Cremona"),
        (("Doposcuola nei giorni di chiusura delle scuole", "children"),
         ("Rete di genitori per gli accompagnamenti", "social_ties")),
        (DemoMeeting(4, 18, "Civic Center Cremona"),),
        (DemoAction("Calendario delle chiusure scolastiche", "Civic Center Cremona", 14,
                    "todo"),)),
    _town(
        "Casalmaggiore: spesa e servizi vicini", "Casalmaggiore",
        ("Comune di Casalmaggiore", "Consorzio Casalasco", "Casearia del Po S.r.l.",
         "Plastiche Casalasche S.r.l."),
        (("Gruppo di acquisto solidale tra le aziende", "time_saving"),
         ("Consegna della spesa per chi fa i turni", "time_saving")),
        (DemoMeeting(-40, 18, "Biblioteca di Casalmaggiore",
                     "Primo incontro: si raccolgono le idee.", (0, 1, 2)),
         DemoMeeting(-14, 18, "Biblioteca di Casalmaggiore",
                     "Due aziende mettono a disposizione uno spazio per le consegne.",
                     (0, 2, 3)),
         DemoMeeting(16, 18, "Biblioteca di Casalmaggiore")),
        (DemoAction("Punto di consegna in Casearia del Po", "Casearia del Po S.r.l.", 30,
                    "doing"),),
        (DemoGuest("Davide Bonfanti", "council_officer", "Comune di Casalmaggiore"),
         DemoGuest("Irina Popescu", "resident"),
         DemoGuest("Giulio Ferrari", "volunteer", "Consorzio Casalasco"),
         DemoGuest("Marta Lodi Rizzini", "resident"))),
    _town(
        "Casalmaggiore: legami tra colleghi e vicini", "Casalmaggiore",
        ("Comune di Casalmaggiore", "Consorzio Casalasco", "Civic Center Casalmaggiore"),
        (("Serate di incontro per chi è arrivato da poco", "social_ties"),
         ("Corsi di italiano dopo il turno", "participation")),
        (DemoMeeting(-2, 20, "Civic Center Casalmaggiore",
                     "Chiesto un corso di italiano il sabato mattina."),
         DemoMeeting(26, 20, "Civic Center Casalmaggiore")),
        (DemoAction("Corso di italiano il sabato", "Civic Center Casalmaggiore", 35, "todo"),
         DemoAction("Prima serata di incontro", "Consorzio Casalasco", -1, "done"))),
)


def _moment(today: date, meeting: DemoMeeting) -> datetime:
    day = today + timedelta(days=meeting.days)
    return datetime.combine(day, time(meeting.hour), tzinfo=ITALY).astimezone(UTC)


async def _facilitators(program: UUID) -> list[UUID]:
    """The program's community makers; two demo ones when it has none."""
    rows = await Membership.select(Membership.user).where(
        (Membership.organization == program) & (Membership.role == COMMUNITY_MAKER)
    ).order_by(Membership.id)
    if rows:
        return [row["user"] for row in rows]
    made = []
    for name, email in DEMO_MAKERS:
        user = User(id=uuid4(), name=name, email=email, language="it")
        await user.save()
        await Membership(user=user.id, organization=program, role=COMMUNITY_MAKER).save()
        made.append(user.id)
    return made


async def seed_demo_labs() -> int:
    """Add the demo labs with their meetings, guests, attendance and actions; return how
    many were added."""
    program = await Organization.select(Organization.id).where(
        (Organization.kind == "program") & (Organization.name == PROGRAM_NAME)).first()
    if program is None:
        return 0
    companies = {row["name"]: row["id"] for row in await Organization.select(
        Organization.id, Organization.name).where(Organization.kind == "company")}
    existing = {row["title"] for row in await Lab.select(Lab.title)}
    today = date.today()
    added = 0
    async with transaction():
        makers = await _facilitators(program["id"])
        for number, demo in enumerate(DEMO):
            company = companies.get(demo.company) if demo.company else None
            if demo.title in existing or (demo.company and company is None):
                continue
            lab = Lab(id=uuid4(), title=demo.title,
                      scope="workplace" if demo.company else "town", company=company,
                      town=demo.town, facilitator=makers[number % len(makers)],
                      partners=list(demo.partners),
                      agenda=[{"text": text, "area": area} for text, area in demo.agenda],
                      needs=[], status=demo.status)
            await lab.save()
            guests = []
            for guest in demo.guests:
                row = LabGuest(lab=lab.id, name=guest.name, kind=guest.kind,
                               organization=guest.organization)
                await row.save()
                guests.append(row.id)
            for meeting in demo.meetings:
                held = LabMeeting(lab=lab.id, starts_at=_moment(today, meeting),
                                  place=meeting.place, notes=meeting.notes)
                await held.save()
                if meeting.present:
                    await LabAttendance.insert(*(LabAttendance(
                        meeting=held.id, guest=guests[index]) for index in meeting.present))
            for action in demo.actions:
                due = today + timedelta(days=action.due_days) if action.due_days is not None \
                    else None
                await LabAction(lab=lab.id, title=action.title, owner=action.owner,
                                due_on=due, status=action.status).save()
            added += 1
    return added
