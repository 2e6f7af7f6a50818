"""Teams of community makers and their coordinators, kept by the program's administrators.

A team belongs to one program; only an administrator of that program reaches it (anyone
else: 404, as for a pact). A member must be a community maker of the same program. The
team pages name the team's people only: no pact, holder or count of pacts, so keeping a
team teaches an administrator nothing about who has a pact.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar.exceptions import NotFoundException

from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.roles import COMMUNITY_MAKER, PROGRAM_ADMIN
from app.tables import Membership, User
from app.values import as_uuid
from pacts.tables import Pact, PactFollower, PactTeam, PactTeamMember


class TeamMember(msgspec.Struct):
    id: int
    name: str
    email: str | None
    is_coordinator: bool


class Team(msgspec.Struct):
    id: UUID
    name: str
    members: list[TeamMember]


def _programs(caller: Caller) -> set[UUID]:
    return caller.organization_ids(PROGRAM_ADMIN)


async def teams(caller: Caller) -> list[Team]:
    """The teams of the programs the caller administers, with their people."""
    programs = _programs(caller)
    if not programs:
        raise NotFoundException()
    rows = await PactTeam.select(PactTeam.id, PactTeam.name).where(
        PactTeam.program.is_in(list(programs))).order_by(PactTeam.name)
    members = await _members([row["id"] for row in rows])
    return [Team(id=as_uuid(row["id"]), name=row["name"], members=members.get(row["id"], []))
            for row in rows]


async def _members(team_ids: list[Any]) -> dict[Any, list[TeamMember]]:
    if not team_ids:
        return {}
    rows = await PactTeamMember.select(
        PactTeamMember.id, PactTeamMember.team, PactTeamMember.is_coordinator,
        PactTeamMember.user.name.as_alias("name"), PactTeamMember.user.email.as_alias("email"),
    ).where(PactTeamMember.team.is_in(team_ids)).order_by(PactTeamMember.user.name)
    found: dict[Any, list[TeamMember]] = {}
    for row in rows:
        found.setdefault(row["team"], []).append(TeamMember(
            id=row["id"], name=row["name"] or "", email=row["email"],
            is_coordinator=bool(row["is_coordinator"])))
    return found


async def _team(caller: Caller, team_id: UUID) -> dict[str, Any]:
    row = await PactTeam.select(PactTeam.id, PactTeam.program).where(
        PactTeam.id == team_id).first()
    if row is None or as_uuid(row["program"]) not in _programs(caller):
        raise NotFoundException()
    return row


async def create(caller: Caller, name: str) -> UUID:
    """A new team of the caller's program."""
    programs = sorted(_programs(caller), key=str)
    if not programs:
        raise NotFoundException()
    if not 2 <= len(name.strip()) <= 200:
        raise InvalidInput({"team_name": _("Write the team's name (2 to 200 characters).")})
    async with transaction():
        team = PactTeam(program=programs[0], name=name.strip())
        await team.save()
    return as_uuid(team.id)


async def add_member(caller: Caller, team_id: UUID, email: str, coordinator: bool) -> None:
    """Add a community maker of the team's program, or change their part in it."""
    team = await _team(caller, team_id)
    async with transaction():
        user = await User.select(User.id).where(User.email == email.strip().lower()).first()
        if user is None or not await Membership.exists().where(
                (Membership.user == user["id"]) & (Membership.organization == team["program"])
                & (Membership.role == COMMUNITY_MAKER)):
            raise InvalidInput({"email": _(
                "No community maker of the program has this e-mail address.")})
        changed = await PactTeamMember.update({PactTeamMember.is_coordinator: coordinator}).where(
            (PactTeamMember.team == team_id) & (PactTeamMember.user == user["id"])
        ).returning(PactTeamMember.id)
        if not changed:
            await PactTeamMember(team=team_id, user=user["id"],
                                 is_coordinator=coordinator).save()


async def remove_member(caller: Caller, team_id: UUID, member_id: int) -> None:
    """Take someone out of the team: they stop following the team's pacts at once (need
    to know ends with the work; the coordinator still sees every pact of the team)."""
    await _team(caller, team_id)
    async with transaction():
        removed = await PactTeamMember.delete().where(
            (PactTeamMember.id == member_id) & (PactTeamMember.team == team_id)
        ).returning(PactTeamMember.user)
        if removed:
            pacts = Pact.select(Pact.id).where(Pact.team == team_id)
            await PactFollower.delete().where(
                (PactFollower.user == removed[0]["user"]) & (PactFollower.kind == "maker")
                & PactFollower.pact.is_in(pacts))
