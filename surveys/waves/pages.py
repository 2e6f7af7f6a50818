"""Wave pages for HR managers and program staff, and the employees' company sign-in entry.

Create a wave (first the survey, then the rest), open and close it, follow invited and
answered counts, and print the access codes. `GET /waves/{id}/answer` lets a signed-in
employee answer with their company account.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import _
from app.web.context import caller_of
from app.web.downloads import download
from surveys.answering import service as answering
from surveys.distribution import reminders
from surveys.distribution import service as distribution
from surveys.waves import service as waves
from surveys.waves import state as wave_clock
from surveys.waves.api import wave_user
from surveys.waves.service import HR_ROLES, ROSTER_GROUPS, WaveCreate

Req = Request[Any, Any, Any]
DEFAULT_DAYS_OPEN = 14


def state_label(state: str) -> str:
    return {"not_open": _("Not open yet"), "open": _("Open"), "closed": _("Closed")}[state]


def wave_label(wave: waves.WaveOut) -> str:
    """What HR reads about a wave: a draft, or its state today."""
    return _("Draft") if wave.status == "draft" else state_label(wave.state)


def channel_label(channel: str) -> str:
    return {
        "mail": _("E-mail with a personal link"),
        "code": _("Printed access codes"),
        "sso": _("Company account"),
    }[channel]




def _helpers() -> dict[str, Any]:
    return {"state_label": state_label, "wave_label": wave_label,
            "channel_label": channel_label, "group_label": waves.roster_group_label,
            "channels": waves.CHANNELS, "roster_groups": ROSTER_GROUPS}


class WavePages(Controller):
    path = "/waves"
    guards = [wave_user]
    include_in_schema = False

    @get("/")
    async def list_page(self, request: Req) -> Template:
        found = await waves.list_waves(caller_of(request))
        return Template("surveys/wave_list.html", context={**_helpers(), "waves": found})

    @get("/new")
    async def new_page(self, request: Req, version: UUID | None = None) -> Template:
        return await _new_page(request, version, {}, {})

    @post("/new")
    async def create(self, request: Req) -> Any:
        form = await request.form()
        try:
            wave = await waves.create_wave(caller_of(request), _wave_create(form))
        except InvalidInput as invalid:
            version = _uuid_or_none(form.get("version_id", ""))
            return await _new_page(request, version, form, invalid.errors)
        return Redirect(f"/waves/{wave.id}?done=created", status_code=303)

    @get("/{wave_id:uuid}/edit")
    async def edit_page(self, request: Req, wave_id: UUID) -> Template:
        wave = await waves.get_wave(caller_of(request), wave_id)
        return await _new_page(request, wave.version_id, _wave_values(wave), {}, wave)

    @post("/{wave_id:uuid}/edit")
    async def edit(self, request: Req, wave_id: UUID) -> Any:
        caller = caller_of(request)
        wave = await waves.get_wave(caller, wave_id)  # 404 beyond the caller's reach
        form = await request.form()
        try:
            await waves.update_wave(caller, wave_id, _wave_create(form))
        except InvalidInput as invalid:
            return await _new_page(request, wave.version_id, form, invalid.errors, wave)
        return Redirect(f"/waves/{wave_id}?done=changed", status_code=303)

    @get("/{wave_id:uuid}")
    async def wave_page(self, request: Req, wave_id: UUID) -> Template:
        return await _wave_page(request, wave_id, {})

    @post("/{wave_id:uuid}/open")
    async def open_wave(self, request: Req, wave_id: UUID) -> Any:
        return await _act(request, wave_id, waves.open_wave, "opened")

    @get("/{wave_id:uuid}/close")
    async def close_page(self, request: Req, wave_id: UUID) -> Template:
        return await _close_page(request, wave_id)

    @post("/{wave_id:uuid}/close")
    async def close_wave(self, request: Req, wave_id: UUID) -> Any:
        """Closing cannot be undone: it asks first, then leads to the results."""
        if (await request.form()).get("confirm") != "yes":
            return await _close_page(request, wave_id)
        caller = caller_of(request)
        try:
            wave = await waves.close_wave(caller, wave_id)
        except InvalidInput as invalid:
            return await _wave_page(request, wave_id, invalid.errors)
        own = [c.id for c in wave.companies if c.id in caller.organization_ids(*HR_ROLES)]
        if caller.is_program_staff or not own:
            return Redirect(f"/results/{wave_id}?done=closed", status_code=303)
        return Redirect(f"/portal/{own[0]}/results/{wave_id}?done=closed", status_code=303)

    @post("/{wave_id:uuid}/remind")
    async def remind(self, request: Req, wave_id: UUID) -> Any:
        return await _act(request, wave_id, reminders.remind_now, "reminded")

    @get("/{wave_id:uuid}/mails")
    async def mails(self, request: Req, wave_id: UUID) -> Template:
        caller = caller_of(request)
        return Template("surveys/wave_mails.html", context={
            **_helpers(), "wave": await waves.get_wave(caller, wave_id),
            "previews": await reminders.preview(caller, wave_id)})

    @post("/{wave_id:uuid}/resend")
    async def resend(self, request: Req, wave_id: UUID) -> Any:
        return await _act(request, wave_id, distribution.resend_failed, "resent")

    @post("/{wave_id:uuid}/codes", status_code=200)
    async def codes(self, request: Req, wave_id: UUID) -> Any:
        form = await request.form()
        company = _uuid_or_none(form.get("company_id", ""))
        try:
            if company is None:
                raise InvalidInput({"company_id": _("Choose a company.")})
            filename, sheet = await distribution.codes_sheet(caller_of(request), wave_id,
                                                             company)
        except InvalidInput as invalid:
            return await _wave_page(request, wave_id, invalid.errors)
        return download(filename, sheet)


class WaveAnswerPages(Controller):
    """A signed-in employee answers with their company account."""

    path = "/waves"
    guards = [signed_in]
    include_in_schema = False

    @get("/{wave_id:uuid}/answer")
    async def answer(self, request: Req, wave_id: UUID) -> Response[Any]:
        try:
            invitation_id = await waves.sso_invitation_for(caller_of(request).user_id, wave_id)
        except wave_clock.WaveUnavailable as unavailable:
            return Template("surveys/wave_state.html", context={
                **_helpers(), "state": unavailable.state})
        return Redirect(await answering.start_for_invitation(invitation_id), status_code=303)


async def _act(request: Req, wave_id: UUID, action: Any, done: str) -> Any:
    try:
        await action(caller_of(request), wave_id)
    except InvalidInput as invalid:
        return await _wave_page(request, wave_id, invalid.errors)
    return Redirect(f"/waves/{wave_id}?done={done}", status_code=303)


async def _close_page(request: Req, wave_id: UUID) -> Template:
    caller = caller_of(request)
    wave = await waves.get_wave(caller, wave_id)  # 404 beyond the caller's reach
    if not wave.can_manage or wave.status != "open":
        return await _wave_page(request, wave_id, {
            "status": _("Only an open wave can be closed.")})
    return Template("surveys/wave_close.html", context={
        **_helpers(), "wave": wave, "counts": await waves.wave_counts(caller, wave_id)})


def _labels_of(wave: waves.WaveOut) -> Any:
    """The names of the wave's reporting groups (a roster column as its file names it)."""
    labels = {group.key: group.label for group in wave.reporting_groups}
    return lambda key: labels.get(key) or waves.roster_group_label(key)


async def _wave_page(request: Req, wave_id: UUID, errors: dict[str, str]) -> Template:
    caller = caller_of(request)
    wave = await waves.get_wave(caller, wave_id)
    counts = await waves.wave_counts(caller, wave_id)
    names = {company.id: company.name for company in wave.companies}
    delivery = (await distribution.delivery_counts(caller, wave_id)
                if caller.is_program_staff and wave.status != "draft" else None)
    rounds = await reminders.schedule(caller, wave_id) if "mail" in wave.channels else []
    return Template("surveys/wave_detail.html", status_code=422 if errors else 200, context={
        **_helpers(), "wave": wave, "counts": counts, "names": names, "errors": errors,
        "rounds": rounds, "group_label": _labels_of(wave),
        "delivery": delivery, "prints_codes": caller.is_program_staff,
        "done": request.query_params.get("done", "")})


async def _new_page(request: Req, version_id: UUID | None, form: Any,
                    errors: dict[str, str], wave: waves.WaveOut | None = None) -> Template:
    """The form of a new wave, or of a draft wave being changed (`wave`)."""
    caller = caller_of(request)
    if wave is not None and not (wave.can_manage and wave.status == "draft"):
        return await _wave_page(request, wave.id, {
            "status": _("Only a wave that has not opened yet can be changed.")})
    versions = await waves.usable_versions(caller)
    version = next((v for v in versions if v.id == version_id), None)
    return Template("surveys/wave_new.html", status_code=422 if errors else 200, context={
        **_helpers(), "versions": versions, "version": version, "errors": errors,
        "companies": await waves.company_choices(caller), "form": _form_values(form),
        "channels": await waves.channel_choices(caller),
        "roster_columns": await waves.roster_columns(caller),
        "is_staff": caller.is_program_staff, "editing": wave})


def _wave_values(wave: waves.WaveOut) -> dict[str, Any]:
    """A draft wave as its form shows it."""
    return {"title": wave.title, "opens_on": wave.opens_on.isoformat(),
            "closes_on": wave.closes_on.isoformat(),
            "program_wide": "1" if wave.program_wide else "",
            "company_ids": [str(company.id) for company in wave.companies],
            "channels": list(wave.channels),
            "reminder_days": ", ".join(str(day) for day in wave.reminder_days),
            "roster_groups": [g.key for g in wave.reporting_groups if g.source == "roster"],
            "attribute_questions": [g.key for g in wave.reporting_groups
                                    if g.source == "question"]}


def _form_values(form: Any) -> dict[str, Any]:
    """What the form showed, to show it again with the errors."""
    if isinstance(form, dict) and form:
        return form  # a draft wave's values
    if not isinstance(form, FormMultiDict):
        opens_on = wave_clock.today()
        return {"channels": ["mail"], "roster_groups": list(ROSTER_GROUPS),
                "opens_on": opens_on.isoformat(),
                "closes_on": (opens_on + timedelta(days=DEFAULT_DAYS_OPEN)).isoformat()}
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    for key in ("company_ids", "channels", "roster_groups", "attribute_questions"):
        values[key] = form.getall(key, [])
    return values


def _wave_create(form: FormMultiDict) -> WaveCreate:
    """Parse the new-wave form; InvalidInput names the fields that cannot be read."""
    errors: dict[str, str] = {}
    version = _uuid_or_none(form.get("version_id", ""))
    opens_on = _date(form.get("opens_on", ""), "opens_on", errors)
    closes_on = _date(form.get("closes_on", ""), "closes_on", errors)
    days = re.split(r"[\s,;]+", form.get("reminder_days", "").strip())
    if not all(day.isdigit() for day in days if day):
        errors["reminder_days"] = _("Write the reminder days as numbers, like 3, 7.")
    companies = [_uuid_or_none(value) for value in form.getall("company_ids", [])]
    if version is None:
        errors["version_id"] = _("Choose a survey.")
    if errors or opens_on is None or closes_on is None or version is None:
        raise InvalidInput(errors)
    return WaveCreate(
        version_id=version, title=form.get("title", ""), opens_on=opens_on,
        closes_on=closes_on, company_ids=[c for c in companies if c is not None],
        program_wide=form.get("program_wide") == "1", channels=form.getall("channels", []),
        reminder_days=[int(day) for day in days if day],
        roster_groups=form.getall("roster_groups", []),
        attribute_questions=form.getall("attribute_questions", []))


def _date(value: str, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = _("Enter a date, like 2026-03-31.")
        return None


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except (TypeError, ValueError):
        return None
