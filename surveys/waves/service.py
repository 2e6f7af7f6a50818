"""Survey waves: one survey version sent to one or more companies between two dates.

Program staff create waves for one, several or all partner companies (program-wide);
an HR manager creates waves for their own company only, and sees the program's waves
that include it, for their company alone. Opening a wave freezes the version, fixes
the reporting groups and creates one invitation per active roster entry, all in one
transaction that also queues the mail and reminder jobs.

`reporting_groups` holds `{"key": ..., "source": "roster" | "question"}` items: roster
fields (department, site), and the extra roster columns the companies chose at their last
import (with their `label`, added when the wave opens), whose values each invitation keeps
in `group_values`; and self-reported questions marked `reporting_attribute` in the
definition, whose answers the response itself carries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException

from app import audit
from app.auth.caller import Caller
from app.clock import now
from app.db import is_sqlite, transaction
from app.errors import InvalidInput
from app.i18n import _, current_language
from app.outbox import enqueue
from app.roles import COMMUNITY_MAKER, HR_MANAGER, PROGRAM_ADMIN
from app.tables import IdentityProvider, Membership, Organization, User
from app.tenancy import first_or_404, reachable, reaches, scoped
from app.values import json_value
from company_portal.roster import reads as roster_reads
from surveys import definition as survey_definition
from surveys.ballot.service import enqueue_flush
from surveys.editor.service import freeze_version
from surveys.results.service import wave_rates
from surveys.tables import Invitation, SurveyVersion, Wave, WaveCompany
from surveys.waves.state import (
    State,
    WaveUnavailable,
    as_date,
    moment_in_italy,
    seconds_until,
    today,
    wave_state,
)

HR_ROLES = (HR_MANAGER,)
PROGRAM_ROLES = (PROGRAM_ADMIN, COMMUNITY_MAKER)
CHANNELS = ("mail", "code", "sso")
ROSTER_GROUPS = ("department", "site")
MAX_REMINDERS = 5
INSERT_BATCH = 500
MAIL_JOB = "surveys.wave_mail"
REMINDER_JOB = "surveys.wave_reminder"


# DTOs ---------------------------------------------------------------------------------


class WaveCreate(msgspec.Struct, forbid_unknown_fields=True):
    version_id: UUID
    title: str
    opens_on: date
    closes_on: date
    company_ids: list[UUID] = msgspec.field(default_factory=list)
    program_wide: bool = False
    channels: list[str] = msgspec.field(default_factory=lambda: ["mail"])
    reminder_days: list[int] = msgspec.field(default_factory=list)
    roster_groups: list[str] = msgspec.field(default_factory=lambda: list(ROSTER_GROUPS))
    attribute_questions: list[str] = msgspec.field(default_factory=list)


class ReportingGroup(msgspec.Struct):
    key: str
    source: str  # roster, question
    label: str  # in the caller's language


class CompanyRef(msgspec.Struct):
    id: UUID
    name: str


class WaveOut(msgspec.Struct):
    id: UUID
    title: str
    survey_title: str
    version_id: UUID
    version_number: int
    owner_id: UUID
    program_wide: bool
    status: str
    state: State
    opens_on: date
    closes_on: date
    channels: list[str]
    reminder_days: list[int]
    reporting_groups: list[ReportingGroup]
    companies: list[CompanyRef]
    can_manage: bool
    opened_at: datetime | None = None  # recorded by the server, read-only
    closed_at: datetime | None = None


class AttributeQuestion(msgspec.Struct):
    key: str
    text: str  # in the caller's language


class VersionChoice(msgspec.Struct):
    id: UUID
    survey_title: str
    number: int
    frozen: bool
    attribute_questions: list[AttributeQuestion]


class Cell(msgspec.Struct):
    """Invited (a roster fact, always shown) and answered: None when hidden (`hidden`
    the code, `note` the reason in words); `at_least` while the wave is open, when
    answered moves in steps of 5."""

    label: str
    invited: int | None
    answered: int | None
    hidden: str = ""
    note: str = ""
    at_least: bool = False


class Dimension(msgspec.Struct):
    key: str
    groups: list[Cell]


class CompanyCounts(msgspec.Struct):
    company_id: UUID
    total: Cell
    dimensions: list[Dimension]


class WaveCounts(msgspec.Struct):
    wave_id: UUID
    total: Cell | None  # only for whoever sees every company of the wave
    companies: list[CompanyCounts]


# Access -------------------------------------------------------------------------------


def _hr_companies(caller: Caller) -> set[UUID]:
    return caller.organization_ids(*HR_ROLES)


async def _company_ids(wave_id: UUID) -> set[UUID]:
    rows = await WaveCompany.select(WaveCompany.company).where(WaveCompany.wave == wave_id)
    return {row["company"] for row in rows}


async def _wave_for(caller: Caller, wave_id: UUID) -> Wave:
    """The wave if the caller may see it (staff, or HR of a company in it); else 404."""
    wave = await Wave.objects().where(Wave.id == wave_id).first()
    if wave is None:
        raise NotFoundException()
    if reaches(caller, wave.owner, *HR_ROLES):
        return wave
    if not await _company_ids(wave_id) & _hr_companies(caller):
        raise NotFoundException()
    return wave


def _can_manage(caller: Caller, wave: Wave) -> bool:
    return reaches(caller, wave.owner, *HR_ROLES)


async def _managed_wave(caller: Caller, wave_id: UUID) -> Wave:
    wave = await _wave_for(caller, wave_id)
    if not _can_manage(caller, wave):
        raise PermissionDeniedException()
    return wave


async def visible_companies(caller: Caller, wave_id: UUID) -> list[CompanyRef]:
    """The wave's companies the caller may see: all for staff, their own for HR."""
    await _wave_for(caller, wave_id)
    ids = await _company_ids(wave_id)
    allowed = reachable(caller, *HR_ROLES)
    return await _company_refs(ids if allowed is None else ids & allowed)


async def company_choices(caller: Caller) -> list[CompanyRef]:
    """Companies the caller may send a wave to: every partner for staff, their own for HR."""
    query = Organization.select(Organization.id).where(
        (Organization.kind == "company") & (Organization.status != "suspended"))
    query = scoped(query, Organization.id, caller, *HR_ROLES)
    return await _company_refs(row["id"] for row in await query)


async def roster_columns(caller: Caller) -> list[str]:
    """The names of the roster columns the caller's companies chose as reporting groups
    at their last import: a wave that opens adds them to its groups."""
    companies = [company.id for company in await company_choices(caller)]
    return [column["label"] for column in await roster_reads.reporting_columns(companies)]


async def _company_refs(ids: Iterable[UUID]) -> list[CompanyRef]:
    ids = list(ids)
    if not ids:
        return []
    rows = await Organization.select(Organization.id, Organization.name).where(
        Organization.id.is_in(ids)).order_by(Organization.name)
    return [CompanyRef(row["id"], row["name"]) for row in rows]


# Reading ------------------------------------------------------------------------------


async def list_waves(caller: Caller) -> list[WaveOut]:
    """Waves the caller may see, newest first."""
    query = Wave.select(Wave.id).order_by(Wave.created_at, ascending=False)
    hr = reachable(caller, *HR_ROLES)
    if hr is not None:
        if not hr:
            return []
        in_wave = WaveCompany.select(WaveCompany.wave).where(WaveCompany.company.is_in(list(hr)))
        query = query.where(Wave.id.is_in(in_wave) | Wave.owner.is_in(list(hr)))
    return [await get_wave(caller, row["id"]) for row in await query]


async def get_wave(caller: Caller, wave_id: UUID) -> WaveOut:
    """One wave as the caller may see it; 404 when out of reach."""
    wave = await _wave_for(caller, wave_id)
    version = await first_or_404(SurveyVersion.select(
        SurveyVersion.number, SurveyVersion.definition, SurveyVersion.survey.title).where(
        SurveyVersion.id == wave.version))
    texts = {q.key: q.text for q in attribute_questions(version["definition"])}
    return WaveOut(
        id=wave.id, title=wave.title, survey_title=version["survey.title"],
        version_id=wave.version, version_number=version["number"], owner_id=wave.owner,
        program_wide=wave.program_wide, status=wave.status, state=wave_state(wave).state,
        opens_on=wave.opens_on, closes_on=wave_state(wave).closes_on,
        channels=json_value(wave.channels),
        reminder_days=json_value(wave.reminder_days),
        reporting_groups=[ReportingGroup(g["key"], g["source"], texts.get(g["key"]) or
                                         g.get("label") or roster_group_label(g["key"]))
                          for g in json_value(wave.reporting_groups)],
        companies=await visible_companies(caller, wave_id),
        can_manage=_can_manage(caller, wave), opened_at=wave.opened_at,
        closed_at=wave.closed_at,
    )


async def usable_versions(caller: Caller) -> list[VersionChoice]:
    """Survey versions the caller may send: the program's surveys and their company's own."""
    query = SurveyVersion.select(
        SurveyVersion.id, SurveyVersion.number, SurveyVersion.frozen_at,
        SurveyVersion.definition, SurveyVersion.survey.title,
    ).where(SurveyVersion.survey.status == "active").order_by(
        SurveyVersion.survey.title).order_by(SurveyVersion.number, ascending=False)
    hr = reachable(caller, *HR_ROLES)
    if hr is not None:
        if not hr:
            return []
        query = query.where((SurveyVersion.survey._.owner._.kind == "program")
                            | SurveyVersion.survey.owner.is_in(list(hr)))
    return [
        VersionChoice(row["id"], row["survey.title"], row["number"],
                      row["frozen_at"] is not None, attribute_questions(row["definition"]))
        for row in await query
    ]


def attribute_questions(raw_definition: Any) -> list[AttributeQuestion]:
    """The questions a definition marks as reporting attributes, in the current language."""
    try:
        parsed = survey_definition.decode(raw_definition or {})
    except (msgspec.ValidationError, msgspec.DecodeError):
        return []
    language = current_language()
    return [AttributeQuestion(q.key, survey_definition.text_in(q.text, language))
            for q in survey_definition.questions(parsed) if q.reporting_attribute]


def attribute_keys(raw_definition: Any) -> list[str]:
    return [question.key for question in attribute_questions(raw_definition)]


def roster_group_label(key: str) -> str:
    return {"department": _("Department"), "site": _("Site")}.get(key, key)


# Creating -----------------------------------------------------------------------------


async def create_wave(caller: Caller, data: WaveCreate) -> WaveOut:
    """Create a draft wave; HR managers for their own company only."""
    if not (caller.is_program_staff or _hr_companies(caller)):
        raise PermissionDeniedException()
    company_ids = await _checked(caller, data)
    owner = _owner(caller, company_ids)
    async with transaction():
        wave = Wave(
            version=data.version_id, owner=owner, title=data.title.strip(),
            program_wide=data.program_wide, opens_on=data.opens_on, closes_on=data.closes_on,
            channels=[c for c in CHANNELS if c in data.channels],
            reminder_days=sorted(set(data.reminder_days)),
            reporting_groups=_groups(data.roster_groups, data.attribute_questions),
        )
        await wave.save()
        for company in sorted(company_ids):
            await WaveCompany(wave=wave.id, company=company).save()
        await audit.record("wave.created", caller.user_id, owner, wave_id=str(wave.id))
    return await get_wave(caller, wave.id)


async def update_wave(caller: Caller, wave_id: UUID, data: WaveCreate) -> WaveOut:
    """Change a draft wave before it opens: the same choices and checks as creating it."""
    wave = await _managed_wave(caller, wave_id)
    if wave.status != "draft":
        raise InvalidInput({"status": _("Only a wave that has not opened yet can be "
                                         "changed.")})
    company_ids = await _checked(caller, data)
    async with transaction():
        changed = await Wave.update({
            Wave.version: data.version_id, Wave.title: data.title.strip(),
            Wave.program_wide: data.program_wide, Wave.opens_on: data.opens_on,
            Wave.closes_on: data.closes_on,
            Wave.channels: [c for c in CHANNELS if c in data.channels],
            Wave.reminder_days: sorted(set(data.reminder_days)),
            Wave.reporting_groups: _groups(data.roster_groups, data.attribute_questions),
        }).where((Wave.id == wave_id) & (Wave.status == "draft")).returning(Wave.id)
        if not changed:  # opened meanwhile, in another tab
            raise InvalidInput({"status": _("Only a wave that has not opened yet can be "
                                             "changed.")})
        await WaveCompany.delete().where(WaveCompany.wave == wave_id)
        for company in sorted(company_ids):
            await WaveCompany(wave=wave_id, company=company).save()
        await audit.record("wave.updated", caller.user_id, wave.owner, wave_id=str(wave_id))
    return await get_wave(caller, wave_id)


async def _checked(caller: Caller, data: WaveCreate) -> set[UUID]:
    """The wave's companies once every choice passed; InvalidInput names those that did
    not."""
    version = await _version_for(caller, data.version_id)
    company_ids = _company_choice(caller, data)
    errors = {**_field_errors(data), **await _company_errors(caller, data, company_ids),
              **await _signin_errors(data, company_ids)}
    if version is None:
        errors["version_id"] = _("Choose a survey.")
    elif bad := set(data.attribute_questions) - set(attribute_keys(version["definition"])):
        errors["attribute_questions"] = _("Not a self-reported attribute of this survey: "
                                          "{keys}").format(keys=", ".join(sorted(bad)))
    if errors:
        raise InvalidInput(errors)
    return company_ids


async def _version_for(caller: Caller, version_id: UUID) -> dict[str, Any] | None:
    allowed = {choice.id for choice in await usable_versions(caller)}
    if version_id not in allowed:
        return None
    return await SurveyVersion.select(SurveyVersion.id, SurveyVersion.definition).where(
        SurveyVersion.id == version_id).first()


def _company_choice(caller: Caller, data: WaveCreate) -> set[UUID]:
    if caller.is_program_staff:
        return set() if data.program_wide else set(data.company_ids)
    hr = _hr_companies(caller)
    if not data.company_ids and len(hr) == 1:
        return set(hr)
    return set(data.company_ids)


def _field_errors(data: WaveCreate) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip() or len(data.title) > 300:
        errors["title"] = _("Enter a title (at most 300 characters).")
    if data.opens_on < today():
        errors["opens_on"] = _("The opening date cannot be in the past: a wave opens "
                               "when it is opened.")
    if data.closes_on < data.opens_on:
        errors["closes_on"] = _("The closing date must come after the opening date.")
    elif data.closes_on < today():
        errors["closes_on"] = _("The closing date has already passed.")
    if not data.channels or set(data.channels) - set(CHANNELS):
        errors["channels"] = _("Choose at least one way in: e-mail, access codes or "
                               "company account.")
    errors.update(_reminder_errors(data))
    if set(data.roster_groups) - set(ROSTER_GROUPS):
        errors["roster_groups"] = _("Reporting groups from the roster are department and "
                                    "site.")
    return errors


def _reminder_errors(data: WaveCreate) -> dict[str, str]:
    days = data.reminder_days
    if not days:
        return {}
    if "mail" not in data.channels:
        return {"reminder_days": _("Reminders are sent by e-mail: choose the e-mail channel "
                                   "or leave the reminders empty.")}
    length = (data.closes_on - data.opens_on).days
    if len(set(days)) > MAX_REMINDERS or any(d < 1 or d > length for d in days):
        return {"reminder_days": _("Up to {count} reminders, each a number of days after the "
                                   "opening that falls before the closing date.").format(
            count=MAX_REMINDERS)}
    return {}


async def _company_errors(caller: Caller, data: WaveCreate,
                          company_ids: set[UUID]) -> dict[str, str]:
    if data.program_wide:
        return {} if caller.is_program_staff else {
            "company_ids": _("Only program staff send a wave to all partner companies.")}
    if not company_ids:
        return {"company_ids": _("Choose at least one company.")}
    if not caller.is_program_staff and (
            len(company_ids) != 1 or not company_ids <= _hr_companies(caller)):
        return {"company_ids": _("An HR manager sends waves to their own company only.")}
    rows = await Organization.select(Organization.id).where(
        Organization.id.is_in(list(company_ids)) & (Organization.kind == "company")
        & (Organization.status != "suspended"))
    if len(rows) != len(company_ids):
        return {"company_ids": _("Choose companies that take part in the program.")}
    return {}


async def company_signin(company_ids: Iterable[UUID]) -> set[UUID]:
    """The companies whose people sign in through their identity provider: only they can
    answer with their company account. A company with sign-in links has no provider, and
    its roster employees have no account a link could be sent to."""
    ids = list(company_ids)
    if not ids:
        return set()
    rows = await IdentityProvider.select(IdentityProvider.organization).where(
        IdentityProvider.organization.is_in(ids))
    return {row["organization"] for row in rows}


async def channel_choices(caller: Caller) -> tuple[str, ...]:
    """The ways in that work for the caller's companies: the company account only where a
    company signs in through its identity provider."""
    companies = [company.id for company in await company_choices(caller)]
    if await company_signin(companies):
        return CHANNELS
    return tuple(channel for channel in CHANNELS if channel != "sso")


async def _signin_errors(data: WaveCreate, company_ids: set[UUID]) -> dict[str, str]:
    if "sso" not in data.channels or data.program_wide or not company_ids:
        return {}
    if await company_signin(company_ids):
        return {}
    return {"channels": _("These companies sign in with links by e-mail, so their people "
                          "cannot answer with a company account: choose e-mail or access "
                          "codes.")}


def _owner(caller: Caller, company_ids: set[UUID]) -> UUID:
    """The program for staff; the HR manager's one company otherwise."""
    if caller.is_program_staff:
        return min(caller.organization_ids(*PROGRAM_ROLES), key=str)
    return next(iter(company_ids))


def _groups(roster: Iterable[str], questions: Iterable[str]) -> list[dict[str, str]]:
    return ([{"key": key, "source": "roster"} for key in ROSTER_GROUPS if key in roster]
            + [{"key": key, "source": "question"} for key in dict.fromkeys(questions)])


# Opening and closing ------------------------------------------------------------------


async def open_wave(caller: Caller, wave_id: UUID) -> WaveOut:
    """Open a draft wave: freeze its version, fix its groups and companies, invite the
    active roster, and queue the invitation mail and the reminders."""
    wave = await _managed_wave(caller, wave_id)
    if wave.closes_on < today():
        raise InvalidInput({"closes_on": _("The closing date has already passed.")})
    async with transaction():
        if not await _claim_status(wave_id, "draft", "open", Wave.opened_at):
            raise InvalidInput({"status": _("This wave is already open or closed.")})
        companies = await _fix_companies(wave)
        groups = await _fix_groups(wave, caller, companies)
        invited = await _invite_roster(wave, companies, groups)
        await _queue_mail(wave)
        await _queue_flush(wave_id, wave.closes_on)
        await audit.record("wave.opened", caller.user_id, wave.owner, wave_id=str(wave_id),
                           companies=len(companies), invited=invited)
    return await get_wave(caller, wave_id)


async def close_wave(caller: Caller, wave_id: UUID) -> WaveOut:
    """Close an open wave: its links and codes stop working at once."""
    wave = await _managed_wave(caller, wave_id)
    async with transaction():
        if not await _claim_status(wave_id, "open", "closed", Wave.closed_at):
            raise InvalidInput({"status": _("Only an open wave can be closed.")})
        await _queue_flush(wave_id)  # the ballot box empties now, not after the last day
        await audit.record("wave.closed", caller.user_id, wave.owner, wave_id=str(wave_id))
    return await get_wave(caller, wave_id)


async def _queue_flush(wave_id: UUID, after: date | None = None) -> None:
    """Queue the move of the wave's sealed responses into `responses` (surveys.ballot)."""
    await enqueue_flush(wave_id, after)


async def _claim_status(wave_id: UUID, before: str, after: str, moment: Any) -> bool:
    # The conditional update makes a second, concurrent click find nothing to change.
    # The moment is the server's clock, never a date anyone typed: waves are compared
    # in the order they actually ran.
    changed = await Wave.update({Wave.status: after, moment: now()}).where(
        (Wave.id == wave_id) & (Wave.status == before)).returning(Wave.id)
    return bool(changed)


async def _fix_groups(wave: Wave, caller: Caller, companies: list[UUID]) -> list[str]:
    """Freeze the version, keep the chosen groups it still offers and add the roster
    columns the companies chose as reporting groups; return the roster keys.

    Freezing checks the whole survey: a version that cannot be answered stops the opening.
    """
    await freeze_version(wave.version, caller.user_id)
    version = await first_or_404(SurveyVersion.select(SurveyVersion.definition).where(
        SurveyVersion.id == wave.version))
    chosen = json_value(wave.reporting_groups)
    offered = set(attribute_keys(version["definition"]))
    groups = [g for g in chosen if g["source"] == "roster" or g["key"] in offered]
    groups += [{**column, "source": "roster"}
               for column in await roster_reads.reporting_columns(companies)]
    await Wave.update({Wave.reporting_groups: groups}).where(Wave.id == wave.id)
    return [g["key"] for g in groups if g["source"] == "roster"]


async def _fix_companies(wave: Wave) -> list[UUID]:
    """A program-wide wave covers the companies active when it opens."""
    if wave.program_wide:
        rows = await Organization.select(Organization.id).where(
            (Organization.kind == "company") & (Organization.status == "active"))
        known = await _company_ids(wave.id)
        for row in rows:
            if row["id"] not in known:
                await WaveCompany(wave=wave.id, company=row["id"]).save()
    return sorted(await _company_ids(wave.id), key=str)


async def _invite_roster(wave: Wave, companies: list[UUID], groups: list[str]) -> int:
    channels = json_value(wave.channels)
    entries = await roster_reads.active_people(companies)
    rows = [_invitation(wave, entry, _channel(channels, bool(entry["email"])), groups)
            for entry in entries]
    for start in range(0, len(rows), INSERT_BATCH):
        await Invitation.insert(*rows[start:start + INSERT_BATCH])
    if not rows and "sso" not in channels:
        raise InvalidInput({"status": _("Nobody to invite: the companies' rosters have no "
                                        "active people.")})
    return len(rows)


def _invitation(wave: Wave, entry: dict[str, Any], channel: str, groups: list[str]
                ) -> Invitation:
    """One person's invitation; one reached by a printed code keeps no name.

    A code belongs to a reporting group, not to a person (see `distribution`): its
    invitation holds only the company and the group's values, so nothing ties a card,
    a draft or an answered flag to a roster entry.
    """
    return Invitation(wave=wave.id, company=entry["company"],
                      roster_entry=None if channel == "code" else entry["id"],
                      channel=channel, group_values=roster_reads.group_values(entry, groups))


def _channel(channels: list[str], has_email: bool) -> str:
    """How a person is reached: e-mail when possible, else a printed code, else sign-in."""
    if has_email and "mail" in channels:
        return "mail"
    if "code" in channels:
        return "code"
    return "sso" if "sso" in channels else "mail"


async def _queue_mail(wave: Wave) -> None:
    """Queue the invitation mail (now, or on the morning of a later opening day) and one
    job per reminder day."""
    if "mail" not in json_value(wave.channels):
        return
    payload = {"wave_id": str(wave.id)}
    later = wave.opens_on > today()
    await enqueue(MAIL_JOB, payload, seconds_until(moment_in_italy(wave.opens_on)) if later else 0)
    for number, day in enumerate(json_value(wave.reminder_days), start=1):
        moment = moment_in_italy(wave.opens_on + timedelta(days=day))
        await enqueue(REMINDER_JOB, {**payload, "round": number}, seconds_until(moment))


# Counts -------------------------------------------------------------------------------


async def wave_counts(caller: Caller, wave_id: UUID) -> WaveCounts:
    """Invited and answered per company and roster group, with small groups hidden.

    The counts are the results' response rates (`surveys.results`): one suppression
    for every page, so no page's counts can be subtracted from another's.
    """
    wave = await _wave_for(caller, wave_id)
    if wave.status == "draft":
        return WaveCounts(wave_id, None, [])
    total, companies = None, []
    for rate in await wave_rates(caller, wave_id):
        cell = Cell(rate.group.value if rate.group.kind == "group" else rate.group.label,
                    rate.invited, rate.answered, rate.hidden, rate.note, rate.at_least)
        if rate.group.kind == "program":
            total = Cell("", rate.invited, rate.answered, rate.hidden, rate.note,
                         rate.at_least)
        elif rate.group.kind == "company" and rate.group.company_id is not None:
            companies.append(CompanyCounts(rate.group.company_id, cell, []))
        elif not companies[-1].dimensions or (
                companies[-1].dimensions[-1].key != rate.group.dimension):
            companies[-1].dimensions.append(Dimension(rate.group.dimension, [cell]))
        else:
            companies[-1].dimensions[-1].groups.append(cell)
    return WaveCounts(wave_id, total, companies)


# Company sign-in ----------------------------------------------------------------------


async def sso_invitation_for(user_id: UUID, wave_id: UUID) -> int:
    """The invitation of a signed-in member of a company in an open wave; made if missing.

    The person's roster entry (matched by e-mail) keeps one invitation whichever way
    they come in, mailed link, printed code or sign-in, so nobody answers twice. Without
    a roster match the invitation has empty groups. Raises NotFoundException when the
    user is not eligible and WaveUnavailable when the wave is not open.
    """
    wave = await Wave.objects().where(Wave.id == wave_id).first()
    user = await User.objects().where((User.id == user_id) & User.is_active.eq(True)).first()
    if wave is None or user is None:
        raise NotFoundException()
    memberships = await Membership.select(Membership.organization).where(
        Membership.user == user_id)
    companies = await _company_ids(wave_id) & {row["organization"] for row in memberships}
    if not companies:
        raise NotFoundException()
    state = wave_state(wave)
    if state.state != "open":
        raise WaveUnavailable(state)
    async with transaction():
        await _lock(f"{wave_id}:{user_id}")
        entry = await _roster_match(user.email, companies)
        if entry is not None:
            return await _invitation_for_entry(wave, entry)
        return await _invitation_for_user(wave, user_id, min(companies, key=str))


class OpenSurvey(msgspec.Struct):
    wave_id: UUID
    title: str
    closes_on: date
    answered: bool


async def open_surveys_for(user_id: UUID) -> list[OpenSurvey]:
    """The open waves of the person's companies, for their own page: each is answered with
    their account at /waves/{id}/answer, on the invitation of their roster entry."""
    user = await User.select(User.email).where(
        (User.id == user_id) & User.is_active.eq(True)).first()
    memberships = await Membership.select(Membership.organization).where(
        Membership.user == user_id)
    companies = {row["organization"] for row in memberships}
    if user is None or not companies:
        return []
    links = await WaveCompany.select(WaveCompany.wave).where(
        WaveCompany.company.is_in(list(companies)))
    if not links:
        return []
    waves = await Wave.select().where(Wave.id.is_in([row["wave"] for row in links])
                                      ).order_by(Wave.closes_on)
    entry = await _roster_match(user["email"], companies)
    mine = Invitation.user == user_id
    if entry is not None:
        mine = mine | (Invitation.roster_entry == entry["id"])
    answered = {row["wave"] for row in await Invitation.select(Invitation.wave).where(
        mine & Invitation.answered.eq(True))}
    return [OpenSurvey(wave["id"], wave["title"], as_date(wave["closes_on"]),
                       wave["id"] in answered)
            for wave in waves if wave_state(wave).state == "open"]


async def _lock(name: str) -> None:
    # Two quick clicks must not make two invitations; SQLite's IMMEDIATE writes queue.
    if not is_sqlite():
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        await Invitation.raw("SELECT pg_advisory_xact_lock({})", key)


async def _roster_match(email: str | None, companies: set[UUID]) -> dict[str, Any] | None:
    if not email:
        return None
    return await roster_reads.active_person(email, companies)


async def _invitation_for_entry(wave: Wave, entry: dict[str, Any]) -> int:
    found = await Invitation.select(Invitation.id).where(
        (Invitation.wave == wave.id) & (Invitation.roster_entry == entry["id"])).first()
    if found:
        return int(found["id"])
    keys = [g["key"] for g in json_value(wave.reporting_groups) if g["source"] == "roster"]
    invitation = Invitation(wave=wave.id, company=entry["company"], roster_entry=entry["id"],
                            channel="sso", group_values=roster_reads.group_values(entry, keys))
    await invitation.save()
    return int(invitation.id)


async def _invitation_for_user(wave: Wave, user_id: UUID, company: UUID) -> int:
    found = await Invitation.select(Invitation.id).where(
        (Invitation.wave == wave.id) & (Invitation.user == user_id)).first()
    if found:
        return int(found["id"])
    invitation = Invitation(wave=wave.id, company=company, user=user_id, channel="sso",
                            group_values={})
    await invitation.save()
    return int(invitation.id)


async def survey_titles(version_id: UUID) -> dict[str, str]:
    """The version's title by language (the survey's name when the definition has none)."""
    row = await first_or_404(SurveyVersion.select(
        SurveyVersion.definition, SurveyVersion.survey.title).where(
        SurveyVersion.id == version_id))
    try:
        titles = survey_definition.decode(row["definition"] or {}).title
    except (msgspec.ValidationError, msgspec.DecodeError):
        titles = {}
    return titles or {"it": row["survey.title"]}

