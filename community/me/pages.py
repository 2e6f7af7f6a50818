"""The employee's phone pages: `/me`, and the initiatives of their company and town.

Every action is a plain form (no script): sign up, leave, accept or decline an offered
place. A full initiative puts the person on the waitlist and tells them their position.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from babel.dates import format_date, format_datetime
from litestar import Controller, MediaType, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.clock import ITALY
from app.errors import InvalidInput
from app.i18n import current_language
from app.web.context import caller_of
from community.initiatives import mine as my_initiatives
from community.initiatives.pages import helpers
from surveys.waves import service as waves

Req = Request[Any, Any, Any]
ACTIONS = {"join": my_initiatives.join, "leave": my_initiatives.leave,
           "accept": my_initiatives.accept_offer, "decline": my_initiatives.decline_offer}


def moment(value: Any) -> str:
    """A deadline in Italian time, in the reader's language."""
    return format_datetime(value.astimezone(ITALY), format="d MMMM y, HH:mm",
                           locale=current_language()) if value else ""


def day(value: Any) -> str:
    """A date in the reader's language: 20 dicembre 2026."""
    return format_date(value, format="long", locale=current_language())


def _helpers() -> dict[str, Any]:
    return {**helpers(), "moment": moment, "day": day}


class MePages(Controller):
    path = "/me"
    guards = [signed_in]
    include_in_schema = False

    @get(media_type=MediaType.HTML)
    async def home(self, request: Req) -> Template:
        caller = caller_of(request)
        return Template("me/home.html", context={
            **_helpers(), "surveys": await waves.open_surveys_for(caller.user_id),
            "workplaces": await my_initiatives.workplaces(caller)})

    @get("/initiatives", media_type=MediaType.HTML)
    async def initiatives(self, request: Req) -> Template:
        caller = caller_of(request)
        return Template("me/initiatives.html", context={
            **_helpers(), "items": await my_initiatives.my_initiatives(caller),
            "workplaces": await my_initiatives.workplaces(caller)})

    @get("/initiatives/{initiative_id:uuid}", media_type=MediaType.HTML)
    async def initiative(self, request: Req, initiative_id: UUID) -> Template:
        return await _detail(request, initiative_id, {})

    @post("/initiatives/{initiative_id:uuid}/{action:str}", media_type=MediaType.HTML)
    async def act(self, request: Req, initiative_id: UUID, action: str) -> Any:
        run = ACTIONS.get(action)
        if run is None:
            raise NotFoundException()
        try:
            await run(caller_of(request), initiative_id)
        except InvalidInput as invalid:
            return await _detail(request, initiative_id, invalid.errors)
        return Redirect(f"/me/initiatives/{initiative_id}?done={action}", status_code=303)


async def _detail(request: Req, initiative_id: UUID, errors: dict[str, str]) -> Template:
    mine = await my_initiatives.my_initiative(caller_of(request), initiative_id)
    return Template("me/initiative.html", status_code=422 if errors else 200,
                    context={**_helpers(), "mine": mine, "item": mine.initiative,
                             "errors": errors, "done": request.query_params.get("done", "")})
