"""Need to know: who may open a pact, and the log of every opening.

A community maker opens the pacts they follow; a team's coordinator opens every pact
of the team; anyone else (program staff included) only a pact the team gave them
explicitly. Everything else answers 404, so a pact out of reach is indistinguishable
from one that does not exist. Program-wide figures come from `pacts.figures`, never
from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.tables import Membership, User
from pacts.tables import Pact, PactAccess, PactFollower, PactTeam, PactTeamMember


@dataclass(frozen=True)
class Reach:
    """The pacts a caller may open: those they follow and those of teams they coordinate."""

    pact_ids: frozenset[UUID]
    team_ids: frozenset[UUID]

    def where(self) -> Any:
        """A condition on `Pact` selecting exactly the reachable pacts."""
        condition: Any = Pact.id.is_null() & Pact.id.is_not_null()
        if self.pact_ids:
            condition = condition | Pact.id.is_in(list(self.pact_ids))
        if self.team_ids:
            condition = condition | Pact.team.is_in(list(self.team_ids))
        return condition


async def reach_of(caller: Caller) -> Reach:
    followed = await PactFollower.select(PactFollower.pact).where(
        PactFollower.user == caller.user_id)
    coordinated = await PactTeamMember.select(PactTeamMember.team).where(
        (PactTeamMember.user == caller.user_id) & PactTeamMember.is_coordinator.eq(True))
    return Reach(frozenset(row["pact"] for row in followed),
                 frozenset(row["team"] for row in coordinated))


async def teams_of(caller: Caller) -> list[dict[str, Any]]:
    """The caller's pact teams (id, name, program, is_coordinator), in their programs."""
    rows = await PactTeamMember.select(
        PactTeamMember.team.id.as_alias("id"), PactTeamMember.team.name.as_alias("name"),
        PactTeamMember.team.program.as_alias("program"), PactTeamMember.is_coordinator,
    ).where(PactTeamMember.user == caller.user_id).order_by(PactTeamMember.team.name)
    programs = caller.organization_ids()
    return [row for row in rows if row["program"] in programs]


async def reachable_pact(caller: Caller, pact_id: UUID) -> dict[str, Any]:
    """The pact row if the caller may open it; 404 otherwise. Logs nothing."""
    reach = await reach_of(caller)
    row = await Pact.select().where((Pact.id == pact_id) & reach.where()).output(
        load_json=True).first()
    if row is None or row["program"] not in caller.organization_ids():
        raise NotFoundException()
    return row


async def log_opening(caller: Caller, pact_id: UUID, what: str, reason: str = "") -> None:
    """Record an opening; call it inside the transaction that reads what was opened."""
    await PactAccess(pact_id=pact_id, user_id=caller.user_id, what=what,
                     reason=reason).save()


async def open_pact(caller: Caller, pact_id: UUID, what: str = "pact",
                    reason: str = "") -> dict[str, Any]:
    """The pact row, the opening logged (who, when, what); 404 when out of reach."""
    async with transaction():
        row = await reachable_pact(caller, pact_id)
        await log_opening(caller, pact_id, what, reason)
    return row


@dataclass(frozen=True)
class Opening:
    reader_name: str
    reader_email: str | None
    occurred_at: datetime
    what: str
    reason: str


async def openings(caller: Caller, pact_id: UUID) -> list[Opening]:
    """Who opened the pact, when and what, newest first: what the person can be told.
    Reading the log is itself an opening."""
    await open_pact(caller, pact_id, "access_log")
    rows = await PactAccess.select().where(PactAccess.pact_id == pact_id).order_by(
        PactAccess.id, ascending=False)
    readers = list({row["user_id"] for row in rows})
    users = {row["id"]: row for row in await User.select(User.id, User.name, User.email).where(
        User.id.is_in(readers))} if readers else {}
    return [Opening(reader_name=users.get(row["user_id"], {}).get("name", ""),
                    reader_email=users.get(row["user_id"], {}).get("email"),
                    occurred_at=row["occurred_at"], what=row["what"], reason=row["reason"])
            for row in rows]


async def grant(caller: Caller, pact_id: UUID, email: str) -> None:
    """Give the pact to a named person of the program (a coordinator's act): they may
    open it from now on, and their openings are logged like everyone's."""
    row = await reachable_pact(caller, pact_id)
    coordinated = (await reach_of(caller)).team_ids
    if row["team"] not in coordinated:
        raise NotFoundException()
    async with transaction():
        user = await User.select(User.id).where(User.email == email.strip().lower()).first()
        if user is None or not await Membership.exists().where(
                (Membership.user == user["id"]) & (Membership.organization == row["program"])):
            raise InvalidInput({"email": _("Nobody of the program has this e-mail address.")})
        if not await PactFollower.exists().where(
                (PactFollower.pact == pact_id) & (PactFollower.user == user["id"])):
            await PactFollower(pact=pact_id, user=user["id"], kind="granted",
                               granted_by=caller.user_id).save()


async def make_team(program_id: UUID, name: str, makers: list[UUID],
                    coordinators: list[UUID]) -> UUID:
    """A team of community makers (for the program's administrators and the demo)."""
    async with transaction():
        team = PactTeam(program=program_id, name=name)
        await team.save()
        for user_id in makers:
            await PactTeamMember(team=team.id, user=user_id, is_coordinator=False).save()
        for user_id in coordinators:
            await PactTeamMember(team=team.id, user=user_id, is_coordinator=True).save()
    return UUID(str(team.id))
