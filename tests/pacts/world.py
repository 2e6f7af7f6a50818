"""A program with two teams of community makers, their coordinator, program staff and
people of other organizations: the world the pacts' tests run in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from pacts.access.service import make_team
from pacts.pacts import service
from pacts.pacts.schemas import (
    Commitment,
    ExpectedResult,
    Goal,
    PactContent,
    ReferralIn,
)
from tests.civic.referrals.world import as_caller
from tests.factories import make_org, make_user

__all__ = ["as_caller"]


@dataclass
class World:
    program: UUID
    maker_a: UUID  # team A
    maker_a2: UUID  # team A, not following maker_a's pacts
    coordinator_a: UUID  # coordinates team A
    maker_b: UUID  # team B
    admin: UUID  # program staff: aggregates only
    school_coordinator: UUID
    operator: UUID
    hr: UUID
    team_a: UUID
    team_b: UUID


async def make_world() -> World:
    program = await make_org("program", "FareLegami", "Cremona")
    school = await make_org("school", "IC Crema Uno", "Crema")
    center = await make_org("civic_center", "Civic Center Crema", "Crema")
    company = await make_org("company", "Officine Rossi", "Crema")
    maker_a = await make_user("giulia@farelegami.example", program, "community_maker",
                              "Giulia Ferrandi")
    maker_a2 = await make_user("marco@farelegami.example", program, "community_maker",
                               "Marco Vailati")
    coordinator_a = await make_user("anna@farelegami.example", program, "community_maker",
                                    "Anna Coordinatrice")
    maker_b = await make_user("elena@farelegami.example", program, "community_maker",
                              "Elena Mainardi")
    admin = await make_user("admin@farelegami.example", program, "program_admin", "Admin")
    team_a = await make_team(program, "Crema", [maker_a, maker_a2], [coordinator_a])
    team_b = await make_team(program, "Cremona", [maker_b], [])
    return World(
        program=program, maker_a=maker_a, maker_a2=maker_a2, coordinator_a=coordinator_a,
        maker_b=maker_b, admin=admin,
        school_coordinator=await make_user("referente@icuno.example", school,
                                           "school_coordinator"),
        operator=await make_user("operatore@cc.example", center, "civic_center_operator"),
        hr=await make_user("hr@rossi.example", company, "hr_manager"),
        team_a=team_a, team_b=team_b)


HOLDER = "Samira Benali"


def referral(**changes: Any) -> ReferralIn:
    values: dict[str, Any] = {
        "holder_name": HOLDER, "source": "school", "source_consent_on": date(2026, 11, 2),
        "contact_email": "samira@example.it", "language": "it", "town": "Crema",
        "household": "Samira e i due figli", "source_detail": "IC Crema Uno"}
    values.update(changes)
    return ReferralIn(**values)


def content(goal: str = "Trovare un lavoro part-time") -> PactContent:
    return PactContent(
        goals=[Goal(text=goal, results=[ExpectedResult("Un curriculum pronto",
                                                       date(2027, 1, 31))])],
        commitments=[Commitment("family", "Samira", "Frequentare il corso", date(2027, 2, 1)),
                     Commitment("community", "Giulia", "Accompagnare al centro per l'impiego",
                                date(2027, 1, 15))],
        supports=["Doposcuola per i figli"], give_back="Due ore al mese al Civic Center")


async def open_pact(world: World, maker: UUID | None = None) -> UUID:
    pact = await service.refer(await as_caller(maker or world.maker_a), referral())
    return pact.id
