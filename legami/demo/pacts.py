"""Demo pacts (legami/demo/seed.py): a team of the demo community makers (Giulia Ferrandi and
Marco Vailati, coordinated by Elena Mainardi) and a few fictional pacts Giulia follows,
in the states a community maker meets. Every name here is invented."""

from __future__ import annotations

from datetime import date, timedelta

from app.auth.caller import load_caller
from app.clock import now
from app.tables import Organization, User
from pacts.access.service import make_team
from pacts.consents import service as consents
from pacts.pacts import service
from pacts.pacts.schemas import (
    AreaIn,
    Closure,
    Commitment,
    ExpectedResult,
    Goal,
    PactContent,
    ReferralIn,
)
from pacts.reviews import service as reviews
from pacts.tables import PactTeam

MAKERS = ("giulia.ferrandi@farelegami.example", "marco.vailati@farelegami.example")
COORDINATOR = "elena.mainardi@farelegami.example"
PEOPLE = (  # name, source, town, stage
    ("Amina Diallo", "school", "Crema", "referred"),
    ("Roberto Ghisetti", "social_worker", "Cremona", "assessing"),
    ("Ioana Popescu", "civic_center", "Crema", "proposed"),
    ("Famiglia Bertolotti", "self", "Casalmaggiore", "active"),
    ("Karim El Amrani", "lab", "Cremona", "closed"),
)


def _content(today: date) -> PactContent:
    return PactContent(
        goals=[Goal("Trovare un lavoro che lasci tempo per i figli",
                    [ExpectedResult("Curriculum aggiornato", today + timedelta(days=30)),
                     ExpectedResult("Tre colloqui", today + timedelta(days=90))]),
               Goal("I bambini seguiti nei compiti il pomeriggio",
                    [ExpectedResult("Iscrizione al doposcuola", today + timedelta(days=21))])],
        commitments=[Commitment("family", "La persona", "Frequentare il corso di italiano",
                                today + timedelta(days=60)),
                     Commitment("community", "Giulia (community maker)",
                                "Accompagnare al centro per l'impiego",
                                today + timedelta(days=14))],
        supports=["Doposcuola al Civic Center", "Orientamento al lavoro"],
        give_back="Due ore al mese nella biblioteca del Civic Center")


async def seed_demo_pacts() -> int:
    """The demo team and pacts, once; return how many demo pacts exist."""
    program = await Organization.select(Organization.id).where(
        (Organization.kind == "program") & (Organization.name == "FareLegami")).first()
    users = {row["email"]: row["id"] for row in await User.select(User.id, User.email).where(
        User.email.is_in([*MAKERS, COORDINATOR]))}
    if program is None or len(users) < 3:
        return 0
    if await PactTeam.exists().where(PactTeam.program == program["id"]):
        return len(PEOPLE)
    await make_team(program["id"], "Crema e Cremona", [users[m] for m in MAKERS],
                    [users[COORDINATOR]])
    maker = await load_caller(users[MAKERS[0]])
    assert maker is not None
    today = now().date()
    for name, source, town, stage in PEOPLE:
        pact = await service.refer(maker, ReferralIn(
            holder_name=name, source=source, source_consent_on=today - timedelta(days=20),
            town=town, contact_email=f"{name.split()[-1].lower()}@example.invalid"))
        if stage == "referred":
            continue
        await service.save_assessment(maker, pact.id, {
            "work": AreaIn("Lavoro precario", "Esperienza come magazziniere"),
            "children": AreaIn("Pomeriggi senza un adulto", "Nonna disponibile il sabato")})
        if stage == "assessing":
            continue
        await consents.give(maker, pact.id, "services")
        await consents.give(maker, pact.id, "reminders")
        await service.propose_version(maker, pact.id, _content(today))
        if stage == "proposed":
            continue
        await service.accept_on_paper(maker, pact.id)
        await reviews.schedule(maker, pact.id, now() + timedelta(days=10))
        if stage == "closed":
            await service.close(maker, pact.id, Closure("goals_reached", "reached"))
    return len(PEOPLE)
