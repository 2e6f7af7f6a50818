"""Lab pages: /labs for program staff and HR managers, /me/labs for employees.

Handlers parse the form, call one service of `community.labs` and render; a refused
form is shown again with its messages (422). Out of reach answers 404.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import _
from app.roles import HR_MANAGER
from app.web.context import caller_of
from app.web.downloads import download
from community.labs import report as lab_report
from community.labs import service as labs
from community.labs.schemas import (
    ACTION_STATUSES,
    GUEST_KINDS,
    ActionIn,
    AgendaItem,
    AttendanceIn,
    GuestIn,
    LabCreate,
    LabUpdate,
    MeetingIn,
    PulseStart,
)
from surveys.waves import service as waves
from surveys.waves import state as wave_clock

Req = Request[Any, Any, Any]
HTML = MediaType.HTML
AGENDA_ROWS = 3  # empty agenda rows offered below the filled ones
PULSE_DAYS = 14


def _uuid_or_none(value: str) -> UUID:
    """A person's id from a checkbox; a mangled one is the nil UUID, nobody's."""
    try:
        return UUID(value)
    except ValueError:
        return UUID(int=0)


def guest_kind_label(kind: str) -> str:
    return {"resident": _("Resident"), "volunteer": _("Volunteer of an association"),
            "council_officer": _("Council officer"), "other": _("Other")}.get(kind, kind)


def _helpers() -> dict[str, Any]:
    return {"percent": lab_report.percent,
            "scope_label": lab_report.scope_label,
            "lab_status_label": lab_report.lab_status_label,
            "action_status_label": lab_report.action_status_label,
            "pulse_state_label": lab_report.pulse_state_label,
            "guest_kind_label": guest_kind_label, "guest_kinds": GUEST_KINDS,
            "after_text": lab_report.after_text, "action_statuses": ACTION_STATUSES,
            "local_input": _local_input,
            "channel_label": lambda c: {"mail": _("E-mail with a personal link"),
                                        "code": _("Printed access codes"),
                                        "sso": _("Company account")}[c],
            "channels": waves.CHANNELS}


def _local_input(moment: datetime) -> str:
    """A stored moment as a datetime-local field's value, in Italy."""
    return labs.local_time(moment).strftime("%Y-%m-%dT%H:%M")


def _prefixed(errors: dict[str, str], prefix: str) -> dict[str, str]:
    return {f"{prefix}-{key}": message for key, message in errors.items()}


# Parsing forms -------------------------------------------------------------------------------


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except (TypeError, ValueError):
        return None


def _agenda(form: FormMultiDict) -> list[AgendaItem]:
    texts, areas = form.getall("agenda_text", []), form.getall("agenda_area", [])
    return [AgendaItem(text, area) for text, area in zip(texts, areas, strict=False)
            if text.strip()]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _lab_create(form: FormMultiDict) -> LabCreate:
    return LabCreate(title=form.get("title", ""), scope=form.get("scope", ""),
                     company_id=_uuid(form.get("company_id", "")), town=form.get("town", ""),
                     partners=_lines(form.get("partners", "")), agenda=_agenda(form),
                     facilitator_id=_uuid(form.get("facilitator_id", "")))


def _lab_update(form: FormMultiDict) -> LabUpdate:
    return LabUpdate(title=form.get("title", ""), partners=_lines(form.get("partners", "")),
                     agenda=_agenda(form), facilitator_id=_uuid(form.get("facilitator_id", "")),
                     status=form.get("status", ""))


def _meeting_in(form: FormMultiDict) -> MeetingIn:
    try:
        starts_at = datetime.fromisoformat(form.get("starts_at", "").strip())
    except ValueError:
        raise InvalidInput({"starts_at": _("Enter the date and time of the meeting.")}) from None
    return MeetingIn(starts_at=starts_at, place=form.get("place", ""),
                     notes=form.get("notes", ""))


def _optional_date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput({field: _("Enter a date, like 2026-03-31.")}) from None


def _action_in(form: FormMultiDict) -> ActionIn:
    return ActionIn(title=form.get("title", ""), owner=form.get("owner", ""),
                    due_on=_optional_date(form.get("due_on", ""), "due_on"),
                    status=form.get("status", "todo"))


def _pulse_start(form: FormMultiDict) -> PulseStart:
    errors: dict[str, str] = {}
    found: dict[str, date] = {}
    for field in ("opens_on", "closes_on"):
        try:
            found[field] = date.fromisoformat(form.get(field, "").strip())
        except ValueError:
            errors[field] = _("Enter a date, like 2026-03-31.")
    if errors:
        raise InvalidInput(errors)
    return PulseStart(opens_on=found["opens_on"], closes_on=found["closes_on"],
                      channels=form.getall("channels", []))


def _values(form: Any) -> dict[str, Any]:
    if not isinstance(form, FormMultiDict):
        return {}
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values["channels"] = form.getall("channels", [])
    return values


# The program's and HR managers' pages ------------------------------------------------------------


class LabPages(Controller):
    path = "/labs"
    guards = [signed_in]
    include_in_schema = False

    @get("/")
    async def list_page(self, request: Req) -> Template:
        caller = caller_of(request)
        found = await labs.list_labs(caller)
        return Template("labs/list.html", context={
            **_helpers(), "labs": found,
            "may_create": caller.is_program_staff or caller.has_role(HR_MANAGER)})

    @get("/new")
    async def new_page(self, request: Req) -> Template:
        return await _form_page(request, None, {}, {})

    @post("/new", media_type=HTML)
    async def create(self, request: Req) -> Any:
        form = await request.form()
        try:
            lab_id = await labs.create_lab(caller_of(request), _lab_create(form))
        except InvalidInput as invalid:
            return await _form_page(request, None, _values(form), invalid.errors, form)
        return Redirect(f"/labs/{lab_id}?done=created", status_code=303)

    @get("/{lab_id:uuid}")
    async def lab_page(self, request: Req, lab_id: UUID) -> Template:
        return await _lab_page(request, lab_id, {})

    @get("/{lab_id:uuid}/edit")
    async def edit_page(self, request: Req, lab_id: UUID) -> Template:
        return await _form_page(request, lab_id, {}, {})

    @post("/{lab_id:uuid}/edit", media_type=HTML)
    async def edit(self, request: Req, lab_id: UUID) -> Any:
        form = await request.form()
        try:
            await labs.update_lab(caller_of(request), lab_id, _lab_update(form))
        except InvalidInput as invalid:
            return await _form_page(request, lab_id, _values(form), invalid.errors, form)
        return Redirect(f"/labs/{lab_id}?done=updated", status_code=303)

    @post("/{lab_id:uuid}/meetings", media_type=HTML)
    async def add_meeting(self, request: Req, lab_id: UUID) -> Any:
        form = await request.form()
        try:
            await labs.add_meeting(caller_of(request), lab_id, _meeting_in(form))
        except InvalidInput as invalid:
            return await _lab_page(request, lab_id, _prefixed(invalid.errors, "meeting"),
                                   "meeting", _values(form))
        return Redirect(f"/labs/{lab_id}?done=meeting#meetings", status_code=303)

    @post("/{lab_id:uuid}/meetings/{meeting_id:int}", media_type=HTML)
    async def edit_meeting(self, request: Req, lab_id: UUID, meeting_id: int) -> Any:
        form = await request.form()
        try:
            await labs.update_meeting(caller_of(request), lab_id, meeting_id,
                                      _meeting_in(form))
        except InvalidInput as invalid:
            name = f"meeting{meeting_id}"
            return await _lab_page(request, lab_id, _prefixed(invalid.errors, name), name,
                                   _values(form))
        return Redirect(f"/labs/{lab_id}?done=meeting#meetings", status_code=303)

    @post("/{lab_id:uuid}/guests", media_type=HTML)
    async def add_guest(self, request: Req, lab_id: UUID) -> Any:
        form = await request.form()
        try:
            await labs.add_guest(caller_of(request), lab_id, GuestIn(
                name=form.get("name", ""), kind=form.get("kind", ""),
                organization=form.get("organization", "")))
        except InvalidInput as invalid:
            return await _lab_page(request, lab_id, _prefixed(invalid.errors, "guest"),
                                   "guest", _values(form))
        return Redirect(f"/labs/{lab_id}?done=guest#people", status_code=303)

    @post("/{lab_id:uuid}/guests/{guest_id:int}/delete", media_type=HTML)
    async def remove_guest(self, request: Req, lab_id: UUID, guest_id: int) -> Any:
        await labs.remove_guest(caller_of(request), lab_id, guest_id)
        return Redirect(f"/labs/{lab_id}?done=guest#people", status_code=303)

    @post("/{lab_id:uuid}/meetings/{meeting_id:int}/attendance", media_type=HTML)
    async def attendance(self, request: Req, lab_id: UUID, meeting_id: int) -> Any:
        form = await request.form()
        try:
            await labs.record_attendance(caller_of(request), lab_id, meeting_id, AttendanceIn(
                user_ids=[_uuid_or_none(v) for v in form.getall("user", [])],
                guest_ids=[int(v) if v.isdecimal() and len(v) < 19 else 0
                           for v in form.getall("guest", [])]))
        except InvalidInput as invalid:
            name = f"attendance{meeting_id}"
            return await _lab_page(request, lab_id, _prefixed(invalid.errors, name), name)
        return Redirect(f"/labs/{lab_id}?done=attendance#meeting{meeting_id}",
                        status_code=303)

    @post("/{lab_id:uuid}/actions", media_type=HTML)
    async def add_action(self, request: Req, lab_id: UUID) -> Any:
        form = await request.form()
        try:
            await labs.add_action(caller_of(request), lab_id, _action_in(form))
        except InvalidInput as invalid:
            return await _lab_page(request, lab_id, _prefixed(invalid.errors, "action"),
                                   "action", _values(form))
        return Redirect(f"/labs/{lab_id}?done=action#actions", status_code=303)

    @post("/{lab_id:uuid}/actions/{action_id:int}/status", media_type=HTML)
    async def action_status(self, request: Req, lab_id: UUID, action_id: int) -> Any:
        form = await request.form()
        try:
            await labs.set_action_status(caller_of(request), lab_id, action_id,
                                         form.get("status", ""))
        except InvalidInput as invalid:
            name = f"action{action_id}"
            return await _lab_page(request, lab_id, _prefixed(invalid.errors, name), name)
        return Redirect(f"/labs/{lab_id}?done=action#actions", status_code=303)

    @get("/{lab_id:uuid}/pulse")
    async def pulse_page(self, request: Req, lab_id: UUID) -> Template:
        return await _pulse_page(request, lab_id, {}, {})

    @post("/{lab_id:uuid}/pulse", media_type=HTML)
    async def start_pulse(self, request: Req, lab_id: UUID) -> Any:
        form = await request.form()
        try:
            await labs.start_pulse(caller_of(request), lab_id, _pulse_start(form))
        except InvalidInput as invalid:
            return await _pulse_page(request, lab_id, _values(form), invalid.errors)
        return Redirect(f"/labs/{lab_id}?done=pulse#pulse", status_code=303)

    @get("/{lab_id:uuid}/report.docx")
    async def report(self, request: Req, lab_id: UUID) -> Response[bytes]:
        name, data = await lab_report.lab_report(caller_of(request), lab_id)
        return download(name, data)


async def _lab_page(request: Req, lab_id: UUID, errors: dict[str, str], failed: str = "",
                    form: dict[str, Any] | None = None) -> Template:
    lab = await labs.get_lab(caller_of(request), lab_id)
    return Template("labs/lab.html", status_code=422 if errors else 200, context={
        **_helpers(), "lab": lab, "errors": errors, "failed": failed, "form": form or {},
        "areas": dict(labs.area_choices()), "done": request.query_params.get("done", "")})


async def _form_page(request: Req, lab_id: UUID | None, form: dict[str, Any],
                     errors: dict[str, str], raw: FormMultiDict | None = None) -> Template:
    caller = caller_of(request)
    lab = None
    if lab_id is not None:
        lab = await labs.get_lab(caller, lab_id)
        if not lab.can_edit:
            raise PermissionDeniedException()
    elif not (caller.is_program_staff or caller.has_role(HR_MANAGER)):
        raise NotFoundException()
    agenda = _agenda(raw) if raw is not None else (lab.agenda if lab else [])
    if lab and not form:
        form = {"title": lab.title, "partners": "\n".join(lab.partners), "status": lab.status,
                "facilitator_id": str(lab.facilitator.id) if lab.facilitator else ""}
    return Template("labs/form.html", status_code=422 if errors else 200, context={
        **_helpers(), "lab": lab, "form": form, "errors": errors,
        "agenda": [*agenda, *[AgendaItem("")] * AGENDA_ROWS],
        "companies": await labs.company_choices(caller), "towns": await labs.town_choices(),
        "facilitators": await labs.facilitator_choices(), "areas": labs.area_choices(),
        "is_staff": caller.is_program_staff})


async def _pulse_page(request: Req, lab_id: UUID, form: dict[str, Any],
                      errors: dict[str, str]) -> Template:
    caller = caller_of(request)
    lab = await labs.get_lab(caller, lab_id)
    plan = await labs.pulse_plan(caller, lab_id)
    if not form:
        opens_on = wave_clock.today()
        form = {"opens_on": opens_on.isoformat(), "channels": ["mail"],
                "closes_on": (opens_on + timedelta(days=PULSE_DAYS)).isoformat()}
    return Template("labs/pulse.html", status_code=422 if errors else 200, context={
        **_helpers(), "lab": lab, "plan": plan, "form": form, "errors": errors})


# Employees' pages -------------------------------------------------------------------------------


class MyLabPages(Controller):
    path = "/me/labs"
    guards = [signed_in]
    include_in_schema = False

    @get("/")
    async def list_page(self, request: Req) -> Template:
        found = await labs.my_labs(caller_of(request))
        return Template("me/labs.html", context={
            **_helpers(), "labs": found, "done": request.query_params.get("done", "")})

    @get("/{lab_id:uuid}")
    async def lab_page(self, request: Req, lab_id: UUID) -> Template:
        return await _my_lab_page(request, lab_id, {})

    @post("/{lab_id:uuid}/join", media_type=HTML)
    async def join(self, request: Req, lab_id: UUID) -> Any:
        form = await request.form()
        try:
            await labs.join_lab(caller_of(request), lab_id)
        except InvalidInput as invalid:
            return await _my_lab_page(request, lab_id, invalid.errors)
        return _back(form, lab_id, "joined")

    @post("/{lab_id:uuid}/leave", media_type=HTML)
    async def leave(self, request: Req, lab_id: UUID) -> Any:
        form = await request.form()
        await labs.leave_lab(caller_of(request), lab_id)
        return _back(form, lab_id, "left")


def _back(form: FormMultiDict, lab_id: UUID, done: str) -> Redirect:
    if form.get("back") == "list":
        return Redirect(f"/me/labs?done={done}#lab-{lab_id}", status_code=303)
    return Redirect(f"/me/labs/{lab_id}?done={done}", status_code=303)


async def _my_lab_page(request: Req, lab_id: UUID, errors: dict[str, str]) -> Template:
    lab = await labs.my_lab(caller_of(request), lab_id)
    return Template("me/labs_lab.html", status_code=422 if errors else 200, context={
        **_helpers(), "lab": lab, "errors": errors, "areas": dict(labs.area_choices()),
        "done": request.query_params.get("done", "")})
