"""Review forms on the pact page: schedule a meeting, record what it found."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, post

from app.auth.guards import signed_in
from app.clock import ITALY
from app.errors import InvalidInput
from app.i18n import _
from app.web.context import caller_of, form_of
from pacts.pacts.pages import change_then_show, pact_page
from pacts.reviews import service

Req = Request[Any, Any, Any]


def _step(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput({field: _("Choose a step from 1 to 10.")}) from None


class ReviewPages(Controller):
    path = "/pacts/{pact_id:uuid}/reviews"
    guards = [signed_in]
    include_in_schema = False

    @post("/", media_type=MediaType.HTML)
    async def schedule(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        try:
            when = datetime.fromisoformat(f"{form.get('day', '')}T{form.get('time', '')}")
        except ValueError:
            return await pact_page(request, pact_id, form, {"scheduled_for": _(
                "Write a day and a time for the meeting.")})
        return await change_then_show(request, pact_id, form, "review", service.schedule(
            caller_of(request), pact_id, when.replace(tzinfo=ITALY)))

    @post("/{review_id:int}", media_type=MediaType.HTML)
    async def record(self, request: Req, pact_id: UUID, review_id: int) -> Any:
        form = await form_of(request)
        try:
            before = _step(form.get("ladder_before", ""), "ladder_before")
            after = _step(form.get("ladder_after", ""), "ladder_after")
        except InvalidInput as invalid:
            return await pact_page(request, pact_id, form, invalid.errors)
        progress = {key.removeprefix("progress_"): value for key, value in form.items()
                    if key.startswith("progress_") and value}
        return await change_then_show(request, pact_id, form, "review", service.record(
            caller_of(request), pact_id, review_id, progress, before, after,
            form.get("summary", "")))
