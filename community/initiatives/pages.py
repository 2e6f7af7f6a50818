"""Catalogue pages of conciliation initiatives, and the HR manager's participation counts.

`/initiatives` is for program staff (every initiative) and HR managers (their company's,
and the open ones read-only). `/portal/{company}/participation` shows an HR manager how
many of their employees take part, never who.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from babel.numbers import format_currency
from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from app.auth.guards import roles, signed_in
from app.errors import InvalidInput
from app.i18n import _, current_language, pgettext
from app.roles import COMMUNITY_MAKER, HR_MANAGER, PROGRAM_ADMIN
from app.web.context import caller_of
from community.initiatives import service as initiatives
from community.initiatives.schemas import (
    AUDIENCES,
    PROVIDER_KINDS,
    Initiative,
    InitiativeCreate,
    InitiativeUpdate,
)
from community.taxonomy import service as taxonomy

Req = Request[Any, Any, Any]
MANAGERS = roles(PROGRAM_ADMIN, COMMUNITY_MAKER, HR_MANAGER)


# Shown in templates ---------------------------------------------------------------------


def euros(cents: int) -> str:
    if not cents:
        return _("Free")
    return format_currency(Decimal(cents) / 100, "EUR", locale=current_language())


def audience_label(audience: str) -> str:
    return {"employees": _("Employees"), "families": _("Employees' families"),
            "all": _("Employees and their families")}.get(audience, audience)


def provider_kind_label(kind: str) -> str:
    return {"cooperative": _("Social cooperative"), "civic_center": _("Civic Center"),
            "company": _("Company"), "association": _("Association"),
            "municipality": _("Municipality")}.get(kind, kind)


def status_label(status: str) -> str:
    """An initiative's state (`signup_state`); "closed" and "draft" in Italian agree with
    "iniziativa"."""
    return {"open": _("Open for sign-up"), "published": _("Open for sign-up"),
            "soon": _("Sign-ups not open yet"), "over": _("Sign-ups closed"),
            "ended": pgettext("initiative", "Ended"), "closed": pgettext("initiative", "Closed"),
            "draft": _("Draft: not published")}.get(status, status)




def helpers() -> dict[str, Any]:
    return {"euros": euros, "audience_label": audience_label,
            "provider_kind_label": provider_kind_label, "status_label": status_label}


# The form --------------------------------------------------------------------------------


def _parse_cost(value: str, errors: dict[str, str]) -> int:
    text = value.strip().replace("€", "").replace(" ", "")
    if not text:
        return 0
    if "," in text:  # Italian: 1.250,50
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
        exact = amount.is_finite() and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:  # not a number, or too large to hold in cents
        exact = False
    if not exact:  # "nan", "Infinity" and "1e999999" are numbers to Decimal, not costs
        errors["cost"] = _("Write the cost in euros, like 25 or 12,50.")
        return 0
    return int(amount * 100)


def _parse_date(value: str, field: str, errors: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = _("Enter a date, like 2026-06-15.")
        return None


def _uuid(value: str, field: str, errors: dict[str, str]) -> UUID | None:
    if not value.strip():
        return None
    try:
        return UUID(value.strip())
    except ValueError:
        errors[field] = _("Choose from the list.")
        return None


def _fields(form: FormMultiDict) -> dict[str, Any]:
    """The fields shared by the new and the edit form; InvalidInput when some cannot be
    read (the service checks the rest)."""
    errors: dict[str, str] = {}
    capacity = form.get("capacity", "").strip()
    fields = {
        "title": form.get("title", ""), "description": form.get("description", ""),
        "type_key": form.get("type_key", ""), "areas": form.getall("areas", []),
        "towns": [t for t in re.split(r"[,;\n]", form.get("towns", "")) if t.strip()],
        "audience": form.get("audience", "employees"),
        "schedule": form.get("schedule", ""), "place": form.get("place", ""),
        "starts_on": _parse_date(form.get("starts_on", ""), "starts_on", errors),
        "ends_on": _parse_date(form.get("ends_on", ""), "ends_on", errors),
        "signup_opens_on": _parse_date(form.get("signup_opens_on", ""), "signup_opens_on",
                                       errors),
        "signup_closes_on": _parse_date(form.get("signup_closes_on", ""), "signup_closes_on",
                                        errors),
        "capacity": int(capacity) if capacity.isdecimal() and len(capacity) < 7 else 0,
        "cost_cents": _parse_cost(form.get("cost", ""), errors),
        "cost_note": form.get("cost_note", ""), "payment_note": form.get("payment_note", ""),
        "welfare_category": form.get("welfare_category", "") or None,
        "provider_id": _uuid(form.get("provider_id", ""), "provider_id", errors),
        "provider_name": form.get("provider_name", ""),
        "provider_kind": form.get("provider_kind", "cooperative"),
    }
    if errors:
        raise InvalidInput(errors)
    return fields


def _create(form: FormMultiDict) -> InitiativeCreate:
    errors: dict[str, str] = {}
    company = _uuid(form.get("company_id", ""), "company_id", errors)
    if errors:
        raise InvalidInput(errors)
    return InitiativeCreate(**_fields(form), company_id=company,
                            publish=form.get("publish", "") == "1")


def _form_errors(errors: dict[str, str]) -> dict[str, str]:
    """Service field names as the form names them (the form asks euros, not cents)."""
    return {("cost" if key == "cost_cents" else key): value for key, value in errors.items()}


def _form_values(form: FormMultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values["areas"] = form.getall("areas", [])
    return values


def _values_of(item: Initiative) -> dict[str, Any]:
    return {
        "title": item.title, "description": item.description, "type_key": item.type_key,
        "areas": item.areas, "towns": ", ".join(item.towns), "audience": item.audience,
        "schedule": item.schedule, "place": item.place,
        "starts_on": item.starts_on.isoformat() if item.starts_on else "",
        "ends_on": item.ends_on.isoformat() if item.ends_on else "",
        "signup_opens_on": item.signup_opens_on.isoformat() if item.signup_opens_on else "",
        "signup_closes_on": item.signup_closes_on.isoformat() if item.signup_closes_on else "",
        "capacity": str(item.capacity),
        "cost": f"{item.cost_cents / 100:.2f}".replace(".", ",") if item.cost_cents else "",
        "cost_note": item.cost_note, "payment_note": item.payment_note,
        "welfare_category": item.welfare_category or "",
        "provider_id": str(item.provider_id) if item.provider_id else "",
        "provider_name": item.provider_name, "provider_kind": item.provider_kind,
        "company_id": str(item.company_id) if item.company_id else "",
    }


# Pages -----------------------------------------------------------------------------------


class InitiativePages(Controller):
    path = "/initiatives"
    guards = [MANAGERS]
    include_in_schema = False

    @get(media_type=MediaType.HTML)
    async def list_page(self, request: Req) -> Template:
        caller = caller_of(request)
        found = await initiatives.list_initiatives(caller)
        return Template("initiatives/list.html", context={
            **helpers(), "items": found, "is_staff": caller.is_program_staff,
            "editable": {i.id for i in found if initiatives.may_edit(caller, i)}})

    @get("/new", media_type=MediaType.HTML)
    async def new_page(self, request: Req) -> Template:
        return await _form_page(request, None, {"audience": "employees", "areas": []}, {})

    @post(media_type=MediaType.HTML)
    async def create(self, request: Req) -> Any:
        form = await request.form()
        try:
            data = _create(form)
            initiative_id = await initiatives.create_initiative(caller_of(request), data)
        except InvalidInput as invalid:
            return await _form_page(request, None, _form_values(form), invalid.errors)
        done = "created" if data.publish else "draft"
        return Redirect(f"/initiatives/{initiative_id}?done={done}", status_code=303)

    @get("/{initiative_id:uuid}", media_type=MediaType.HTML)
    async def detail(self, request: Req, initiative_id: UUID) -> Template:
        return await _detail_page(request, initiative_id, {})

    @get("/{initiative_id:uuid}/edit", media_type=MediaType.HTML)
    async def edit_page(self, request: Req, initiative_id: UUID) -> Template:
        item = await initiatives.get_initiative(caller_of(request), initiative_id)
        if not item.can_edit:
            return await _detail_page(request, initiative_id, {})
        return await _form_page(request, item, _values_of(item), {})

    @post("/{initiative_id:uuid}/edit", media_type=MediaType.HTML)
    async def edit(self, request: Req, initiative_id: UUID) -> Any:
        caller = caller_of(request)
        form = await request.form()
        try:
            await initiatives.update_initiative(caller, initiative_id,
                                                InitiativeUpdate(**_fields(form)))
        except InvalidInput as invalid:
            item = await initiatives.get_initiative(caller, initiative_id)
            return await _form_page(request, item, _form_values(form), invalid.errors)
        return Redirect(f"/initiatives/{initiative_id}?done=saved", status_code=303)

    @post("/{initiative_id:uuid}/publish", media_type=MediaType.HTML)
    async def publish(self, request: Req, initiative_id: UUID) -> Any:
        try:
            await initiatives.publish_initiative(caller_of(request), initiative_id)
        except InvalidInput as invalid:  # what it lacks, listed where the draft is told
            return await _detail_page(request, initiative_id, invalid.errors,
                                      publish_refused=True)
        return Redirect(f"/initiatives/{initiative_id}?done=created", status_code=303)

    @post("/{initiative_id:uuid}/close", media_type=MediaType.HTML)
    async def close(self, request: Req, initiative_id: UUID) -> Any:
        try:
            await initiatives.close_initiative(caller_of(request), initiative_id)
        except InvalidInput as invalid:
            return await _detail_page(request, initiative_id, invalid.errors)
        return Redirect(f"/initiatives/{initiative_id}?done=closed", status_code=303)


async def _detail_page(request: Req, initiative_id: UUID, errors: dict[str, str],
                       publish_refused: bool = False) -> Template:
    caller = caller_of(request)
    item = await initiatives.get_initiative(caller, initiative_id)
    seats = await initiatives.roster(caller, initiative_id) if caller.is_program_staff else []
    return Template("initiatives/detail.html", status_code=422 if errors else 200, context={
        **helpers(), "item": item, "seats": seats, "errors": errors,
        "publish_refused": publish_refused, "missing": _missing(item),
        "is_staff": caller.is_program_staff, "done": request.query_params.get("done", "")})


def _missing(item: Initiative) -> list[str]:
    """What a draft lacks before it can be published, in a few words each."""
    return [label for lacking, label in (
        (not item.starts_on, _("the day it starts")), (not item.ends_on, _("the day it ends")),
        (not item.place, _("where it takes place")), (not item.description, _("a description")),
    ) if lacking]


async def _form_page(request: Req, item: Initiative | None, values: dict[str, Any],
                     errors: dict[str, str]) -> Template:
    caller = caller_of(request)
    return Template("initiatives/form.html", status_code=422 if errors else 200, context={
        **helpers(), "item": item, "form": values, "errors": _form_errors(errors),
        "is_staff": caller.is_program_staff,
        "types": await taxonomy.list_types(), "categories": await taxonomy.list_categories(),
        "areas": taxonomy.area_labels(), "audiences": AUDIENCES,
        "provider_kinds": PROVIDER_KINDS,
        "providers": await initiatives.provider_choices(caller),
        "companies": await initiatives.company_choices(caller)})


class ParticipationPages(Controller):
    guards = [signed_in]
    include_in_schema = False

    @get("/portal/{company_id:uuid}/participation", media_type=MediaType.HTML)
    async def participation(self, request: Req, company_id: UUID) -> Template:
        result = await initiatives.participation(caller_of(request), company_id)
        return Template("initiatives/participation.html", context={**helpers(),
                                                                   "result": result})

