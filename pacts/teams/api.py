"""Pact teams in the JSON API: what the team pages do, for the program's administrators
only (anyone else: 404)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post

from app.auth.guards import signed_in
from app.schemas import ShortName
from app.web.context import caller_of
from app.web.errors import answers
from pacts.teams import service
from pacts.teams.service import Team

Req = Request[Any, Any, Any]


class TeamCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: ShortName


class MemberIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    coordinator: bool = False


class TeamController(Controller):
    path = "/api/v1/pact-teams"
    guards = [signed_in]
    tags = ["pacts"]

    @get("/", responses=answers(404))  # nobody but a program administrator has teams
    async def teams(self, request: Req) -> list[Team]:
        """The teams of the programs the caller administers, with their people."""
        return await service.teams(caller_of(request))

    @post("/", responses=answers(404))
    async def create(self, request: Req, data: TeamCreate) -> Team:
        caller = caller_of(request)
        team_id = await service.create(caller, data.name)
        return next(team for team in await service.teams(caller) if team.id == team_id)

    @post("/{team_id:uuid}/members", status_code=204)
    async def add(self, request: Req, team_id: UUID, data: MemberIn) -> None:
        """Add a community maker of the program, or change whether they coordinate."""
        await service.add_member(caller_of(request), team_id, data.email, data.coordinator)

    @delete("/{team_id:uuid}/members/{member_id:int}")
    async def remove(self, request: Req, team_id: UUID, member_id: int) -> None:
        """Take someone out: they stop following the team's pacts."""
        await service.remove_member(caller_of(request), team_id, member_id)
