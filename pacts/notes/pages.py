"""Notes on the pact page: write one (team or sealed), break a seal with a reason."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, post
from litestar.response import Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.web.context import caller_of, form_of
from pacts.notes import service
from pacts.pacts.pages import change_then_show, pact_page

Req = Request[Any, Any, Any]


class NotePages(Controller):
    path = "/pacts/{pact_id:uuid}/notes"
    guards = [signed_in]
    include_in_schema = False

    @post("/", media_type=MediaType.HTML)
    async def add(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        return await change_then_show(request, pact_id, form, "note", service.add(
            caller_of(request), pact_id, form.get("level", ""), form.get("note", "")))

    @post("/{note_id:int}/unseal", media_type=MediaType.HTML)
    async def unseal(self, request: Req, pact_id: UUID, note_id: int) -> Template:
        form = await form_of(request)
        try:
            text = await service.break_seal(caller_of(request), pact_id, note_id,
                                            form.get("reason", ""))
        except InvalidInput as invalid:
            return await pact_page(request, pact_id, form, invalid.errors)
        return await pact_page(request, pact_id, {}, {}, unsealed={note_id: text})
