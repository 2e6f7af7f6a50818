"""The operator's activity pages: list, new, detail, edit, publish and close, roster
(page and CSV), and the Civic Center's Word report."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import roles, signed_in
from app.clock import ITALY, now
from app.errors import InvalidInput
from app.i18n import _
from app.web.context import caller_of
from app.web.downloads import CSV, DOCX, download
from civic.activities import attendance, holidays
from civic.activities import (
    report as center_report,
)
from civic.activities import (
    roster as activity_roster,
)
from civic.activities import (
    service as activities,
)
from civic.activities.schemas import (
    CATEGORIES,
    GRADES,
    LANGUAGES,
    MAX_FEE_BANDS,
    STATUSES,
    ActivityCreate,
    ActivityInfo,
    ActivityUpdate,
    DayWidth,
    category_label,
    day_label,
    euros,
    grade_label,
    isee_label,
    language_label,
    status_label,
)

activity_staff = roles(activities.OPERATOR, *PROGRAM_STAFF)
Req = Request[Any, Any, Any]


def _helpers() -> dict[str, Any]:
    return {"category_label": category_label, "status_label": status_label,
            "grade_label": grade_label, "language_label": language_label,
            "day_label": day_label, "euros": euros, "isee_label": isee_label,
            "categories": CATEGORIES, "grades": GRADES, "languages": LANGUAGES,
            "statuses": STATUSES, "band_rows": range(1, MAX_FEE_BANDS + 1),
            "status_text": activity_roster.status_text, "days_text": days_text,
            "photo_text": activity_roster.photo_text}




def days_text(days: list[int], width: DayWidth = "abbreviated") -> str:
    return ", ".join(day_label(number, width) for number in days)



class ActivityPages(Controller):
    path = "/civic"
    guards = [activity_staff]
    include_in_schema = False

    @get("/activities")
    async def list_page(self, request: Req, center: UUID | None = None,
                        status: str | None = None) -> Template:
        caller = caller_of(request)
        status = status if status in STATUSES else None
        items = await activities.list_activities(caller, center, status)
        return Template("activities/list.html", context={
            **_helpers(), "activities": items, "centers": await activities.center_choices(caller),
            "center": center, "status": status or "", "is_staff": caller.is_program_staff})

    @get("/activities/new")
    async def new_page(self, request: Req) -> Template:
        return await _form_page(request, None, {"languages": ["it"], "cost_kind": "free",
                                                "days": [], "grades": []}, {})

    @post("/activities/new", media_type=MediaType.HTML)
    async def create(self, request: Req) -> Any:
        form = await request.form()
        try:
            values = _parsed(form)
            info = await activities.create_activity(caller_of(request), ActivityCreate(**values))
        except InvalidInput as invalid:
            return await _form_page(request, None, _raw(form), invalid.errors)
        return Redirect(f"/civic/activities/{info.id}?saved=1", status_code=303)

    @get("/activities/{activity_id:uuid}")
    async def detail(self, request: Req, activity_id: UUID) -> Template:
        info = await activities.get_activity(caller_of(request), activity_id)
        return Template("activities/detail.html", context={
            **_helpers(), "activity": info, "saved": request.query_params.get("saved", "")})

    @get("/activities/{activity_id:uuid}/edit")
    async def edit_page(self, request: Req, activity_id: UUID) -> Template:
        info = await activities.get_activity(caller_of(request), activity_id)
        return await _form_page(request, info, _values_of(info), {})

    @post("/activities/{activity_id:uuid}/edit", media_type=MediaType.HTML)
    async def update(self, request: Req, activity_id: UUID) -> Any:
        caller = caller_of(request)
        info = await activities.get_activity(caller, activity_id)
        form = await request.form()
        try:
            values = _parsed(form)
            values.pop("civic_center_id", None)
            values.pop("publish", None)
            await activities.update_activity(caller, activity_id, ActivityUpdate(**values))
        except InvalidInput as invalid:
            return await _form_page(request, info, _raw(form), invalid.errors)
        return Redirect(f"/civic/activities/{activity_id}?saved=1", status_code=303)

    @post("/activities/{activity_id:uuid}/publish")
    async def publish(self, request: Req, activity_id: UUID) -> Redirect:
        await activities.publish_activity(caller_of(request), activity_id)
        return Redirect(f"/civic/activities/{activity_id}?saved=published", status_code=303)

    @post("/activities/{activity_id:uuid}/close")
    async def close(self, request: Req, activity_id: UUID) -> Redirect:
        await activities.close_activity(caller_of(request), activity_id)
        return Redirect(f"/civic/activities/{activity_id}?saved=closed", status_code=303)

    @get("/activities/{activity_id:uuid}/roster")
    async def roster(self, request: Req, activity_id: UUID) -> Template:
        caller = caller_of(request)
        roster = await activity_roster.activity_roster(caller, activity_id)
        return Template("activities/roster.html", context={**_helpers(), "roster": roster})

    @get("/activities/{activity_id:uuid}/roster.csv")
    async def roster_csv(self, request: Req, activity_id: UUID) -> Response[bytes]:
        filename, data = await activity_roster.roster_csv(caller_of(request), activity_id)
        return download(filename, data, CSV)

    @get("/activities/{activity_id:uuid}/attendance")
    async def attendance_page(self, request: Req, activity_id: UUID, on: str = "") -> Template:
        register = await attendance.register(caller_of(request), activity_id,
                                             _date(on, "on", {}))
        return _attendance_page(register, {}, request.query_params.get("saved", ""))

    @post("/activities/{activity_id:uuid}/attendance", media_type=MediaType.HTML)
    async def record_attendance(self, request: Req, activity_id: UUID) -> Any:
        caller = caller_of(request)
        form = await request.form()
        on = _date(form.get("session_on", ""), "session_on", {})
        marks = {}
        for key in form:
            pupil = _uuid_or_none(key.removeprefix("mark-")) if key.startswith("mark-") else None
            if pupil is not None and form.get(key) in ("present", "absent"):
                marks[pupil] = form.get(key) == "present"
        try:
            await attendance.record(caller, activity_id, on, marks)
        except InvalidInput as invalid:
            register = await attendance.register(caller, activity_id, on)
            return _attendance_page(register, invalid.errors, "")
        return Redirect(f"/civic/activities/{activity_id}/attendance?on={on}&saved=1",
                        status_code=303)

    @get("/centers/{center_id:uuid}/report.docx")
    async def report(self, request: Req, center_id: UUID) -> Response[bytes]:
        filename, data = await center_report.center_report(caller_of(request), center_id)
        return download(filename, data, DOCX)


def _attendance_page(register: Any, errors: dict[str, str], saved: str) -> Template:
    return Template("activities/attendance.html", status_code=422 if errors else 200,
                    context={**_helpers(), "register": register, "errors": errors,
                             "saved": saved})


async def _form_page(request: Req, info: ActivityInfo | None, form: dict[str, Any],
                     errors: dict[str, str]) -> Template:
    caller = caller_of(request)
    return Template("activities/form.html", status_code=422 if errors else 200, context={
        **_helpers(), "activity": info, "form": form, "errors": errors,
        "centers": await activities.center_choices(caller) if info is None else []})


# The form --------------------------------------------------------------------------------

LISTS = ("grades", "days", "languages")


def _raw(form: FormMultiDict) -> dict[str, Any]:
    """What the form showed, to show it again with the messages."""
    values: dict[str, Any] = {key: form.get(key, "") for key in form if key != "_csrf_token"}
    for key in LISTS:
        values[key] = form.getall(key, [])
    return values


def _values_of(info: ActivityInfo) -> dict[str, Any]:
    """The edit form's fields for a stored activity."""
    values: dict[str, Any] = {
        "title": info.title, "category": info.category, "description": info.description,
        "min_age": _text(info.min_age), "max_age": _text(info.max_age),
        "grades": info.grades, "days": [str(day) for day in info.days],
        "start_time": info.start_time, "end_time": info.end_time,
        "starts_on": _text(info.starts_on), "ends_on": _text(info.ends_on),
        "place": info.place, "town": info.town, "capacity": str(info.capacity),
        "cost_kind": info.cost_kind, "accessibility": info.accessibility,
        "languages": info.languages,
        "cost": _amount(info.cost_cents / 100) if info.cost_kind == "fixed" else "",
    }
    for number, band in enumerate(info.fee_bands, start=1):
        values[f"band_limit_{number}"] = _amount(band.isee_up_to)
        values[f"band_fee_{number}"] = _amount(band.fee_cents / 100)
    return values


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _amount(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".replace(".", ",").removesuffix(",00")


def _parsed(form: FormMultiDict) -> dict[str, Any]:
    """The form as ActivityCreate's fields; InvalidInput with every problem found."""
    problems: dict[str, str] = {}
    values: dict[str, Any] = {
        key: str(form.get(key, "")).strip()
        for key in ("title", "category", "description", "start_time", "end_time", "place",
                    "town", "cost_kind", "accessibility")}
    for key in ("min_age", "max_age", "capacity"):
        values[key] = _integer(form.get(key, ""), key, problems)
    for key in ("starts_on", "ends_on"):
        values[key] = _date(form.get(key, ""), key, problems)
    values["grades"] = [str(v) for v in form.getall("grades", [])]
    values["languages"] = [str(v) for v in form.getall("languages", [])]
    values["days"] = [_integer(v, "days", problems) for v in form.getall("days", [])]
    cents = _cents(form.get("cost", ""), "cost_cents", problems)
    values["cost_cents"] = cents or 0
    values["fee_bands"] = _bands(form, problems)
    center = str(form.get("civic_center_id", "")).strip()
    values["civic_center_id"] = _uuid_or_none(center)
    if center and values["civic_center_id"] is None:
        problems["civic_center_id"] = _("Choose the Civic Center.")
    values["publish"] = form.get("publish") == "1"
    if problems:
        raise InvalidInput({**activities.input_errors(_placeholders(values)), **problems})
    return values


def _placeholders(values: dict[str, Any]) -> dict[str, Any]:
    """Values that could not be read count as missing when checking the others."""
    return {**values, "days": [day for day in values["days"] if day is not None]}


def _integer(value: Any, key: str, problems: dict[str, str]) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    if not re.fullmatch(r"-?\d{1,6}", text):
        problems[key] = _("Enter a whole number.")
        return None
    return int(text)


def _date(value: Any, key: str, problems: dict[str, str]) -> date | None:
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems[key] = _("Enter a date, like 2026-03-31.")
        return None


def _euros(value: Any) -> Decimal | None:
    """An amount as people write it: 12, 12,50, 12.50, 1.250,00, € 8.265."""
    text = str(value).replace("€", "").replace(" ", "").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", text):
        raise InvalidOperation(value)
    return Decimal(text)


def _cents(value: Any, key: str, problems: dict[str, str]) -> int | None:
    if not str(value).strip():
        return None
    try:
        amount = _euros(value)
    except InvalidOperation:
        problems[key] = _("Enter an amount in euros, like 12,50.")
        return None
    return int((amount or 0) * 100)


def _bands(form: FormMultiDict, problems: dict[str, str]) -> list[dict[str, Any]]:
    if form.get("cost_kind") != "isee":
        return []
    bands = []
    for number in range(1, MAX_FEE_BANDS + 1):
        limit = str(form.get(f"band_limit_{number}", "")).strip()
        fee = str(form.get(f"band_fee_{number}", "")).strip()
        if not limit and not fee:
            continue
        try:
            isee = float(_euros(limit) or 0) if limit else None
        except InvalidOperation:
            problems["fee_bands"] = _("Enter each ISEE limit in euros, like 8.265.")
            continue
        cents = _cents(fee, "fee_bands", problems)
        if cents is None and "fee_bands" not in problems:
            problems["fee_bands"] = _("Enter the fee of each ISEE band, zero for free.")
        bands.append({"isee_up_to": isee, "fee_cents": cents or 0})
    return bands


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


class HolidayPages(Controller):
    """School holidays, kept by program staff (anyone else: 404): the weekly sessions
    in the families' calendar files skip them."""

    path = "/civic/holidays"
    guards = [signed_in]
    include_in_schema = False

    @get("/", media_type=MediaType.HTML)
    async def holidays_page(self, request: Req, added: str = "") -> Template:
        return await _holidays(request, {}, {}, added)

    @post("/", media_type=MediaType.HTML)
    async def add(self, request: Req) -> Any:
        form = {key: str(value) for key, value in (await request.form()).items()
                if key != "_csrf_token"}
        data = holidays.HolidayCreate(first_day=_day_typed(form.get("first_day", "")),
                                      last_day=_day_typed(form.get("last_day", "")),
                                      name=form.get("name", ""))
        try:
            await holidays.add_holiday(caller_of(request), data)
        except InvalidInput as invalid:
            return await _holidays(request, invalid.errors, form)
        return Redirect("/civic/holidays?added=1", status_code=303)

    @post("/{holiday_id:int}/delete", media_type=MediaType.HTML)
    async def delete(self, request: Req, holiday_id: int) -> Any:
        await holidays.delete_holiday(caller_of(request), holiday_id)
        return Redirect("/civic/holidays", status_code=303)


def _day_typed(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


async def _holidays(request: Req, errors: dict[str, str], form: dict[str, str],
                    added: str = "") -> Template:
    items = await holidays.list_holidays(caller_of(request))
    today = now().astimezone(ITALY).date()
    first = date(today.year if today.month >= 9 else today.year - 1, 9, 1)  # the school year
    national = sorted(day for y in (first.year, first.year + 1)
                      for day in holidays.national_holidays(y)
                      if first <= day < first.replace(year=first.year + 1))
    return Template("activities/holidays.html", status_code=422 if errors else 200, context={
        "items": items, "errors": errors, "form": form, "added": bool(added),
        "national": national})
