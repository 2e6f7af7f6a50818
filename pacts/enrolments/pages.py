"""The pact page's form that proposes a linked Civic Center activity to the family."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, post
from litestar.response import Redirect

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import _
from app.web.context import caller_of, form_of
from pacts.enrolments import service
from pacts.pacts.pages import pact_page
from pacts.pacts.schemas import EnrolmentIn

Req = Request[Any, Any, Any]


class EnrolmentPages(Controller):
    path = "/pacts/{pact_id:uuid}/enrolments"
    guards = [signed_in]
    include_in_schema = False

    @post("/", media_type=MediaType.HTML)
    async def propose(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        activity = form.get("activity_id", "")
        try:
            data = EnrolmentIn(activity_id=UUID(activity), contact=form.get("contact", ""),
                               first_name=form.get("first_name", ""))
        except ValueError:
            return await pact_page(request, pact_id, form, {
                "versions": _("Choose from the list.")})
        try:
            await service.propose(caller_of(request), pact_id, data)
        except InvalidInput as invalid:
            # the error sits by the form of the goal whose activity it was
            errors = {f"enrol_{activity}": message for message in invalid.errors.values()}
            return await pact_page(request, pact_id, form, errors)
        return Redirect(f"/pacts/{pact_id}?done=enrolment", status_code=303)
