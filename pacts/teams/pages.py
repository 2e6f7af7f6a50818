"""The program administrators' team pages (/pacts/teams): teams of community makers and
their coordinators. Anyone else gets 404 on every route."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import _
from app.web.context import caller_of, form_of
from pacts.teams import service

Req = Request[Any, Any, Any]


class TeamPages(Controller):
    path = "/pacts/teams"
    guards = [signed_in]
    include_in_schema = False

    @get("/", media_type=MediaType.HTML)
    async def teams(self, request: Req, done: str = "") -> Template:
        return await _page(request, {}, {}, done)

    @post("/", media_type=MediaType.HTML)
    async def create(self, request: Req) -> Any:
        form = await form_of(request)
        return await _change(request, form, "team", service.create(
            caller_of(request), form.get("team_name", "")))

    @post("/members", media_type=MediaType.HTML)
    async def add(self, request: Req) -> Any:
        form = await form_of(request)
        try:
            team_id = UUID(form.get("team", ""))
        except ValueError:
            return await _page(request, form, {"team": _("Choose a team.")})
        return await _change(request, form, "member", service.add_member(
            caller_of(request), team_id, form.get("email", ""),
            form.get("coordinator") == "yes"))

    @post("/{team_id:uuid}/members/{member_id:int}/remove", media_type=MediaType.HTML)
    async def remove(self, request: Req, team_id: UUID, member_id: int) -> Any:
        return await _change(request, {}, "removed", service.remove_member(
            caller_of(request), team_id, member_id))


async def _change(request: Req, form: dict[str, str], done: str, change: Any) -> Any:
    try:
        await change
    except InvalidInput as invalid:
        return await _page(request, form, invalid.errors)
    return Redirect(f"/pacts/teams?done={done}", status_code=303)


async def _page(request: Req, form: dict[str, str], errors: dict[str, str],
                done: str = "") -> Template:
    teams = await service.teams(caller_of(request))
    return Template("pacts/teams.html", status_code=422 if errors else 200, context={
        "teams": teams, "form": form, "errors": errors, "done": done})
