"""Proposals pages: needs to labs and initiatives in two clicks.

`/proposals` shows, for a wave, each company's and town's most shared needs by area. On
an area, "Start a lab" or "Start an initiative" (click 1) posts the group and the area
and shows the prefilled form; "Create" (click 2) makes it and goes to its page. The
needs are read again from the results at every step, never taken from the form.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import _
from app.web.context import caller_of, form_of
from community.proposals import service as proposals
from community.proposals.schemas import (
    InitiativeDraft,
    InitiativeFromProposal,
    LabDraft,
    LabFromProposal,
    ProposalChoice,
)
from surveys.results.charts import percent

Req = Request[Any, Any, Any]
CHOICE_FIELDS = ("wave_id", "group_key", "area")  # an error on these: back to the list


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value.strip())
    except ValueError:
        raise InvalidInput({field: _("Choose a proposal from the list.")}) from None


def _choice(form: dict[str, str]) -> ProposalChoice:
    return ProposalChoice(_uuid(form.get("wave_id", ""), "wave_id"),
                          form.get("group_key", "").strip(), form.get("area", "").strip())


def _date(form: dict[str, str], field: str) -> date | None:
    value = form.get(field, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput({field: _("Choose a valid date.")}) from None


def _capacity(form: dict[str, str]) -> int:
    value = form.get("capacity", "").strip()
    # isdecimal, not isdigit: int() cannot read "²"; and a few digits are enough for places.
    if not value.isdecimal() or len(value) > 6:
        raise InvalidInput({"capacity": _("Write how many places, a whole number.")})
    return int(value)


def _provider_kinds() -> list[tuple[str, str]]:
    return [("cooperative", _("Cooperative")), ("association", _("Association")),
            ("municipality", _("Municipality")), ("civic_center", _("Civic Center")),
            ("company", _("Company"))]


def _lab_data(form: dict[str, str]) -> LabFromProposal:
    choice = _choice(form)
    return LabFromProposal(choice.wave_id, choice.group_key, choice.area,
                           title=form.get("title", ""),
                           agenda=form.get("agenda", "").splitlines())


def _initiative_data(form: dict[str, str]) -> InitiativeFromProposal:
    choice = _choice(form)
    return InitiativeFromProposal(
        choice.wave_id, choice.group_key, choice.area, title=form.get("title", ""),
        description=form.get("description", ""), type_key=form.get("type_key", ""),
        capacity=_capacity(form), schedule=form.get("schedule", "").strip(),
        place=form.get("place", "").strip(), starts_on=_date(form, "starts_on"),
        ends_on=_date(form, "ends_on"), provider_name=form.get("provider_name", ""),
        provider_kind=form.get("provider_kind", ""))


class ProposalPages(Controller):
    guards = [signed_in]
    include_in_schema = False

    @get("/proposals", media_type=MediaType.HTML)
    async def index(self, request: Req, wave_id: UUID | None = None) -> Template:
        return await self._index(request, wave_id, {})

    @post("/proposals/lab", media_type=MediaType.HTML)
    async def lab(self, request: Req) -> Template:
        form = await form_of(request)
        try:
            draft = await proposals.lab_draft(caller_of(request), _choice(form))
        except InvalidInput as invalid:
            return await self._back(request, form, invalid.errors)
        return self._lab_form(draft, {}, {})

    @post("/proposals/lab/create", media_type=MediaType.HTML)
    async def lab_create(self, request: Req) -> Any:
        caller = caller_of(request)
        form = await form_of(request)
        try:
            made = await proposals.create_lab(caller, _lab_data(form))
        except InvalidInput as invalid:
            return await self._retry(request, form, invalid.errors, lab=True)
        return Redirect(made.url, status_code=303)

    @post("/proposals/initiative", media_type=MediaType.HTML)
    async def initiative(self, request: Req) -> Template:
        form = await form_of(request)
        try:
            draft = await proposals.initiative_draft(caller_of(request), _choice(form))
        except InvalidInput as invalid:
            return await self._back(request, form, invalid.errors)
        return self._initiative_form(draft, {}, {})

    @post("/proposals/initiative/create", media_type=MediaType.HTML)
    async def initiative_create(self, request: Req) -> Any:
        caller = caller_of(request)
        form = await form_of(request)
        try:
            made = await proposals.create_initiative(caller, _initiative_data(form))
        except InvalidInput as invalid:
            return await self._retry(request, form, invalid.errors, lab=False)
        return Redirect(f"{made.url}?done=draft", status_code=303)

    async def _index(self, request: Req, wave_id: UUID | None,
                     errors: dict[str, str]) -> Template:
        found = await proposals.proposals(caller_of(request), wave_id)
        return Template("proposals/index.html", status_code=422 if errors else 200,
                        context={"proposals": found, "errors": errors, "percent": percent})

    async def _back(self, request: Req, form: dict[str, str],
                    errors: dict[str, str]) -> Template:
        """The list again, saying why the proposal chosen cannot be made."""
        try:
            wave_id: UUID | None = UUID(form.get("wave_id", "").strip())
        except ValueError:
            wave_id = None
        return await self._index(request, wave_id, errors)

    async def _retry(self, request: Req, form: dict[str, str], errors: dict[str, str],
                     lab: bool) -> Template:
        """The form again with the messages, or the list when the proposal itself is gone."""
        if any(field in errors for field in CHOICE_FIELDS):
            return await self._back(request, form, errors)
        caller = caller_of(request)
        if lab:
            return self._lab_form(await proposals.lab_draft(caller, _choice(form)), form,
                                  errors)
        return self._initiative_form(await proposals.initiative_draft(caller, _choice(form)),
                                     form, errors)

    def _lab_form(self, draft: LabDraft, form: dict[str, str],
                  errors: dict[str, str]) -> Template:
        values = {"title": draft.title, "agenda": "\n".join(draft.agenda), **form}
        return Template("proposals/lab.html", status_code=422 if errors else 200, context={
            "draft": draft, "values": values, "errors": errors, "percent": percent})

    def _initiative_form(self, draft: InitiativeDraft, form: dict[str, str],
                         errors: dict[str, str]) -> Template:
        values = {"title": draft.title, "description": draft.description,
                  "type_key": draft.type_key, "capacity": str(draft.capacity),
                  "provider_name": draft.provider_name, "provider_kind": draft.provider_kind,
                  **form}
        return Template("proposals/initiative.html", status_code=422 if errors else 200,
                        context={"draft": draft, "values": values, "errors": errors,
                                 "percent": percent, "provider_kinds": _provider_kinds()})
