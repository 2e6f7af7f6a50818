"""The employee's phone pages: `/me`, and the initiatives of their company and town.

Every action is a plain form (no script): sign up, leave, accept or decline an offered
place. A full initiative puts the person on the waitlist and tells them their position.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.dates import day
from app.errors import InvalidInput
from app.web.context import caller_of
from community.initiatives import mine as my_initiatives
from community.initiatives.pages import helpers
from community.initiatives.schemas import Child
from surveys.waves import service as waves

Req = Request[Any, Any, Any]
ACTIONS = {"join": my_initiatives.join, "leave": my_initiatives.leave,
           "accept": my_initiatives.accept_offer, "decline": my_initiatives.decline_offer}
CONFIRMED = ("leave", "decline")  # giving up a place asks first, on a page of its own






def _helpers() -> dict[str, Any]:
    return {**helpers(), "day": day}


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

    @get("/initiatives/{initiative_id:uuid}/{action:str}", media_type=MediaType.HTML)
    async def confirm(self, request: Req, initiative_id: UUID, action: str) -> Template:
        """Are you sure? A page, not a script: the phone may have none. Signing up for a
        children's initiative asks which children first."""
        if action == "join":
            return await _children_page(request, initiative_id, {}, {})
        if action not in CONFIRMED:
            raise NotFoundException()
        return await _confirm(request, initiative_id, action)

    @post("/initiatives/{initiative_id:uuid}/{action:str}", media_type=MediaType.HTML)
    async def act(self, request: Req, initiative_id: UUID, action: str) -> Any:
        run = ACTIONS.get(action)
        if run is None:
            raise NotFoundException()
        form = await request.form()
        if action in CONFIRMED and form.get("confirm") != "yes" and await _holds(
                request, initiative_id):
            return await _confirm(request, initiative_id, action)
        try:
            if action == "join":
                await my_initiatives.join(caller_of(request), initiative_id, _children(form))
            else:
                await run(caller_of(request), initiative_id)
        except InvalidInput as invalid:
            if "children" in invalid.errors:
                return await _children_page(request, initiative_id, form, invalid.errors)
            return await _detail(request, initiative_id, invalid.errors)
        return Redirect(f"/me/initiatives/{initiative_id}?done={action}", status_code=303)


CHILD_ROWS = 4  # rows of the form; more children, more sign-ups


def _children(form: Any) -> list[Child]:
    """The children typed in the sign-up form; an age that is not a number is -1, which
    the service refuses with its message."""
    found = []
    for number in range(CHILD_ROWS):
        name = form.get(f"child_name_{number}", "").strip()
        age = form.get(f"child_age_{number}", "").strip()
        if name or age:
            found.append(Child(name, int(age) if age.isdecimal() and len(age) < 3 else -1))
    return found


async def _children_page(request: Req, initiative_id: UUID, form: Any,
                         errors: dict[str, str]) -> Template:
    mine = await my_initiatives.my_initiative(caller_of(request), initiative_id)
    if not mine.initiative.for_children:
        raise NotFoundException()
    return Template("me/children.html", status_code=422 if errors else 200, context={
        **_helpers(), "mine": mine, "item": mine.initiative, "errors": errors,
        "form": form, "rows": range(CHILD_ROWS)})


async def _holds(request: Req, initiative_id: UUID) -> bool:
    """Whether the person has a place, an offer or a place in line to give up."""
    seat = (await my_initiatives.my_initiative(caller_of(request), initiative_id)).seat
    return seat is not None and seat.status in ("enrolled", "offered", "waitlisted")


async def _confirm(request: Req, initiative_id: UUID, action: str) -> Template:
    mine = await my_initiatives.my_initiative(caller_of(request), initiative_id)
    return Template("me/confirm.html", context={
        **_helpers(), "mine": mine, "item": mine.initiative, "action": action})


async def _detail(request: Req, initiative_id: UUID, errors: dict[str, str]) -> Template:
    mine = await my_initiatives.my_initiative(caller_of(request), initiative_id)
    return Template("me/initiative.html", status_code=422 if errors else 200,
                    context={**_helpers(), "mine": mine, "item": mine.initiative,
                             "errors": errors, "done": request.query_params.get("done", "")})
