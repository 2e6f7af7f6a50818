"""Consents on the pact page: record one per purpose, withdraw it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, post

from app.auth.guards import signed_in
from app.web.context import caller_of, form_of
from pacts.consents import service
from pacts.pacts.pages import change_then_show

Req = Request[Any, Any, Any]


class ConsentPages(Controller):
    path = "/pacts/{pact_id:uuid}/consents"
    guards = [signed_in]
    include_in_schema = False

    @post("/", media_type=MediaType.HTML)
    async def give(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        return await change_then_show(request, pact_id, form, "consent", service.give(
            caller_of(request), pact_id, form.get("purpose", ""), form.get("partner", "")))

    @post("/{consent_id:int}/withdraw", media_type=MediaType.HTML)
    async def withdraw(self, request: Req, pact_id: UUID, consent_id: int) -> Any:
        return await change_then_show(request, pact_id, {}, "consent", service.withdraw(
            caller_of(request), pact_id, consent_id))
