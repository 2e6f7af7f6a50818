"""Privacy notices and parental consents.

A notice version is never edited: a change is a new version, and the newest is the
current one. A consent records who gave it (a parent, or the pupil when 14 or more:
computed with the birth date when the school gives it, otherwise from the latest
possible birthday of the birth year, 31 December), when, the day the paper form was
signed, for which notice version, and the photo release as a separate choice. A
coordinator records a whole class's signed forms at once (`record_class_consents`).
A new consent replaces the one that held (which is kept, ended at that moment);
a withdrawal ends it. Nothing is deleted here: the history stays until the family's
retention period ends.

A pupil's data is used (referrals, activity suggestions) only while the pupil has a
consent that is not withdrawn. A consent given for an earlier notice version stays
valid: publishing a new version does not silently cut every family off. The family
page flags such consents (`renewal_due`) so the coordinator can ask for a renewal on
the current text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException, PermissionDeniedException

from app import audit
from app.auth.caller import Caller
from app.clock import ITALY, now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.roles import SCHOOL_COORDINATOR
from app.tables import Organization
from app.tenancy import ensure_reachable, first_or_404
from app.values import as_uuid
from civic.families.schemas import (
    GIVEN_BY_ROLES,
    LIMITS,
    PUPIL_CONSENT_AGE,
    ConsentCreate,
    ConsentHistory,
    ConsentOut,
    LinkConsent,
    NoticeCreate,
    NoticeOut,
)
from civic.tables import Consent, ConsentNotice, Pupil, PupilCare

ROLES = (SCHOOL_COORDINATOR,)
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
MAX_NOTICE_CHARS = 50_000
MAX_RETENTION_MONTHS = 120


def _today() -> date:
    return now().astimezone(ITALY).date()


def fourteenth_birthday(birth_year: int, birth_date: date | None = None) -> date:
    """The day the pupil turns 14: from the birth date when known, else from the latest
    possible birthday of the year (31 December), so nobody is taken for 14 too early.
    Born on 29 February: 1 March in a common year."""
    if birth_date is None:
        return date(birth_year + PUPIL_CONSENT_AGE, 12, 31)
    try:
        return birth_date.replace(year=birth_date.year + PUPIL_CONSENT_AGE)
    except ValueError:
        return date(birth_date.year + PUPIL_CONSENT_AGE, 3, 1)


def may_consent_alone(birth_year: int, birth_date: date | None = None) -> bool:
    """Whether the pupil is 14 today, so may give consent alone (GDPR art. 8 in Italy)."""
    return _today() >= fourteenth_birthday(birth_year, birth_date)


def surely_under_14(birth_year: int, birth_date: date | None = None) -> bool:
    """Under 14 whatever the birthday: a pupil born 14 years ago may already be 14."""
    if birth_date is not None:
        return not may_consent_alone(birth_year, birth_date)
    return _today() < date(birth_year + PUPIL_CONSENT_AGE, 1, 1)


async def consented_pupils(pupil_ids: list[UUID]) -> set[UUID]:
    """The pupils among `pupil_ids` with a consent not withdrawn (any notice version)."""
    if not pupil_ids:
        return set()
    rows = await Consent.select(Consent.pupil).where(
        Consent.pupil.is_in(list(pupil_ids)), Consent.withdrawn_at.is_null()
    )
    return {as_uuid(row["pupil"]) for row in rows}


# Notices --------------------------------------------------------------------------------


def _notice(row: dict[str, Any], current_id: int | None) -> NoticeOut:
    return NoticeOut(id=row["id"], version=row["version"], text_it=row["text_it"],
                     text_en=row["text_en"], retention_months=row["retention_months"],
                     published_at=row["published_at"], current=row["id"] == current_id)


async def current_notice() -> NoticeOut | None:
    """The newest notice version: the one new consents are given for."""
    row = await ConsentNotice.select().order_by(ConsentNotice.id, ascending=False).first()
    return _notice(row, row["id"]) if row else None


async def list_notices(caller: Caller) -> list[NoticeOut]:
    """Every version, newest first: program staff and school coordinators read them."""
    if not (caller.is_program_staff or caller.has_role(*ROLES)):
        raise PermissionDeniedException()
    rows = await ConsentNotice.select().order_by(ConsentNotice.id, ascending=False)
    current_id = rows[0]["id"] if rows else None
    return [_notice(row, current_id) for row in rows]


def _check_notice(data: NoticeCreate) -> dict[str, str]:
    errors = {}
    if not VERSION_RE.match(data.version.strip()):
        errors["version"] = _("Write a version of at most 20 letters, digits, dots or "
                              "dashes, for example 2026-1.")
    for field in ("text_it", "text_en"):
        text = getattr(data, field).strip()
        if not text:
            errors[field] = _("Write the text of the notice.")
        elif len(text) > MAX_NOTICE_CHARS:
            errors[field] = _("Too long: at most {limit} characters.").format(
                limit=MAX_NOTICE_CHARS)
    if not 1 <= data.retention_months <= MAX_RETENTION_MONTHS:
        errors["retention_months"] = _("Months must be a whole number from 1 to {max}.").format(
            max=MAX_RETENTION_MONTHS)
    return errors


async def publish_notice(caller: Caller, data: NoticeCreate) -> NoticeOut:
    """Publish a new notice version (program staff); earlier versions are kept as they are."""
    if not caller.is_program_staff:
        raise PermissionDeniedException()
    errors = _check_notice(data)
    if errors:
        raise InvalidInput(errors)
    version = data.version.strip()
    async with transaction():
        if await ConsentNotice.exists().where(ConsentNotice.version == version):
            raise InvalidInput({"version": _("This version already exists: a changed notice "
                                             "needs a new version.")})
        row = ConsentNotice(version=version, text_it=data.text_it.strip(),
                            text_en=data.text_en.strip(),
                            retention_months=data.retention_months, published_at=now())
        await row.save()
        await audit.record("civic.notice.published", caller.user_id, None, version=version)
    notice = await current_notice()
    assert notice is not None
    return notice


# Consents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilConsent:
    """The consent that holds for a pupil (None when there is none)."""

    consent: ConsentOut | None
    renewal_due: bool


def _ended(row: dict[str, Any], rows: list[dict[str, Any]]) -> str | None:
    if row["withdrawn_at"] is None:
        return None
    replaced = any(other["id"] > row["id"] and other["given_at"] == row["withdrawn_at"]
                   for other in rows if other["pupil"] == row["pupil"])
    return "replaced" if replaced else "withdrawn"


def _consent(row: dict[str, Any], rows: list[dict[str, Any]]) -> ConsentOut:
    return ConsentOut(id=row["id"], notice_version=row["notice.version"],
                      given_by=row["given_by"], given_by_role=row["given_by_role"],
                      given_at=row["given_at"], photo_release=row["photo_release"],
                      withdrawn_at=row["withdrawn_at"], ended=_ended(row, rows),
                      signed_on=row["signed_on"], source=row["source"])


async def _consent_rows(pupil_ids: list[UUID], active_only: bool = False
                        ) -> list[dict[str, Any]]:
    query = Consent.select(
        Consent.id, Consent.pupil, Consent.notice, Consent.notice.version, Consent.given_by,
        Consent.given_by_role, Consent.given_at, Consent.photo_release, Consent.withdrawn_at,
        Consent.signed_on, Consent.source,
    ).where(Consent.pupil.is_in(pupil_ids)).order_by(Consent.id, ascending=False)
    if active_only:
        query = query.where(Consent.withdrawn_at.is_null())
    return list(await query)


async def consent_states(pupil_ids: list[UUID]) -> dict[UUID, PupilConsent]:
    """For each pupil, the consent that holds and whether it is for an older notice."""
    if not pupil_ids:
        return {}
    rows = await _consent_rows(pupil_ids, active_only=True)
    notice = await current_notice()
    states: dict[UUID, PupilConsent] = {}
    for row in rows:  # newest first: the first one of a pupil is the one that holds
        pupil = as_uuid(row["pupil"])
        if pupil not in states:
            states[pupil] = PupilConsent(
                _consent(row, rows), notice is not None and row["notice"] != notice.id)
    return states


async def histories(pupil_ids: list[UUID]) -> dict[UUID, list[ConsentOut]]:
    """Every consent of each pupil, newest first, ended ones included."""
    if not pupil_ids:
        return {}
    rows = await _consent_rows(pupil_ids)
    found: dict[UUID, list[ConsentOut]] = {pupil: [] for pupil in pupil_ids}
    for row in rows:
        found[as_uuid(row["pupil"])].append(_consent(row, rows))
    return found


async def pupil_of(caller: Caller, school_id: UUID, pupil_id: UUID,
                   family_id: UUID | None = None) -> dict[str, Any]:
    """A pupil of the school the caller coordinates (and of `family_id` when given);
    404 when out of reach."""
    ensure_reachable(caller, school_id, *ROLES)
    await first_or_404(Organization.select(Organization.id).where(
        (Organization.id == school_id) & (Organization.kind == "school")))
    query = Pupil.select(Pupil.id, Pupil.first_name, Pupil.birth_year, Pupil.birth_date,
                         Pupil.family).where(
        (Pupil.id == pupil_id) & (Pupil.family.school == school_id))
    if family_id is not None:
        query = query.where(Pupil.family == family_id)
    return dict(await first_or_404(query))


async def consent_history(caller: Caller, school_id: UUID, pupil_id: UUID) -> ConsentHistory:
    """Every consent of a pupil, newest first, ended ones included."""
    await pupil_of(caller, school_id, pupil_id)
    notice = await current_notice()
    return ConsentHistory(pupil_id=pupil_id, current_notice=notice.version if notice else None,
                          consents=(await histories([pupil_id]))[pupil_id])


def _signer(text: str, missing: str, errors: dict[str, str]) -> str:
    """Who gave a consent, on one line; a problem in `errors["given_by"]`."""
    given_by = " ".join(text.split())
    if not given_by:
        errors["given_by"] = missing
    elif len(given_by) > LIMITS["given_by"]:
        errors["given_by"] = _("Too long: at most {limit} characters.").format(
            limit=LIMITS["given_by"])
    return given_by


def _check_consent(data: ConsentCreate, pupil: dict[str, Any]) -> str:
    errors: dict[str, str] = {}
    given_by = _signer(data.given_by, _("Write who gave the consent."), errors)
    if data.given_by_role not in GIVEN_BY_ROLES:
        errors["given_by_role"] = _("Choose who gave the consent: a parent or the pupil.")
    elif data.given_by_role == "pupil" and not may_consent_alone(
            pupil["birth_year"], pupil["birth_date"]):
        if surely_under_14(pupil["birth_year"], pupil["birth_date"]):
            errors["given_by_role"] = _("A pupil under 14 needs a parent's consent")
        else:
            errors["given_by_role"] = _(
                "%(name)s may already be 14: enter the date of birth in the pupil's details "
                "to check, or record a parent's consent.") % {"name": pupil["first_name"]}
    if data.signed_on is not None and data.signed_on > _today():
        errors["signed_on"] = _("The day of signature cannot be in the future.")
    if errors:
        raise InvalidInput(errors)
    return given_by


async def record_consent(caller: Caller, school_id: UUID, pupil_id: UUID,
                         data: ConsentCreate, family_id: UUID | None = None
                         ) -> ConsentHistory:
    """Record a consent for the current notice; it replaces the one that held, if any."""
    pupil = await pupil_of(caller, school_id, pupil_id, family_id)
    given_by = _check_consent(data, pupil)
    async with transaction():
        notice = await _notice_or_refuse()
        await _save_consent(caller.user_id, school_id, pupil_id, notice, given_by, data)
    return await consent_history(caller, school_id, pupil_id)


async def _notice_or_refuse() -> NoticeOut:
    notice = await current_notice()
    if notice is None:
        raise InvalidInput({"notice": _("No privacy notice has been published yet: the "
                                        "program staff must publish one first.")})
    return notice


async def _save_consent(user_id: UUID | None, school_id: UUID, pupil_id: UUID,
                        notice: NoticeOut, given_by: str, data: ConsentCreate,
                        notice_language: str | None = None) -> None:
    """Replace the consent that holds with this one (inside the caller's transaction).
    Without a user, the family gave it on their link, reading the notice in
    `notice_language`."""
    moment = now()
    source = "school" if user_id is not None else "link"
    await Consent.update({Consent.withdrawn_at: moment}).where(
        (Consent.pupil == pupil_id) & Consent.withdrawn_at.is_null())
    await Consent(pupil=pupil_id, notice=notice.id, given_by=given_by,
                  given_by_role=data.given_by_role, given_at=moment, signed_on=data.signed_on,
                  photo_release=data.photo_release, recorded_by=user_id, source=source,
                  notice_language=notice_language).save()
    await audit.record("civic.consent.recorded", user_id, school_id,
                       pupil_id=str(pupil_id), notice=notice.version, source=source,
                       given_by_role=data.given_by_role, photo_release=data.photo_release)


async def record_signed_form(user_id: UUID, school_id: UUID, pupil_id: UUID,
                             notice: NoticeOut, given_by: str, signed_on: date | None,
                             photo_release: bool) -> None:
    """A parent's signed form from the school's file (`civic.families.csv_import`), inside
    the caller's transaction: it replaces the consent that holds."""
    await _save_consent(user_id, school_id, pupil_id, notice, given_by, ConsentCreate(
        given_by=given_by, given_by_role="parent", photo_release=photo_release,
        signed_on=signed_on))


async def record_class_consents(caller: Caller, school_id: UUID, signed_on: date | None,
                                forms: dict[UUID, ConsentCreate]) -> int:
    """Record a class's signed paper forms at once, all dated `signed_on`: every form is
    checked first and nothing is written when one is wrong (errors keyed by field and
    pupil id). Returns how many consents were recorded."""
    ensure_reachable(caller, school_id, *ROLES)
    errors: dict[str, str] = {}
    if signed_on is None:
        errors["signed_on"] = _("Enter the day the forms were signed, like 2026-09-15.")
    elif signed_on > _today():
        errors["signed_on"] = _("The day of signature cannot be in the future.")
    if not forms:
        errors["forms"] = _("Tick the pupils whose signed form you have.")
    pupils = {as_uuid(row["id"]): row for row in await Pupil.select(
        Pupil.id, Pupil.first_name, Pupil.birth_year, Pupil.birth_date).where(
        Pupil.id.is_in(list(forms) or [UUID(int=0)]) & (Pupil.family.school == school_id))}
    if set(forms) - set(pupils):
        raise NotFoundException()
    given: dict[UUID, str] = {}
    for pupil_id, data in forms.items():
        try:
            given[pupil_id] = _check_consent(data, pupils[pupil_id])
        except InvalidInput as invalid:
            errors.update({f"{key}-{pupil_id}": text for key, text in invalid.errors.items()})
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        notice = await _notice_or_refuse()
        for pupil_id, data in forms.items():
            await _save_consent(caller.user_id, school_id, pupil_id, notice, given[pupil_id],
                                ConsentCreate(given_by=data.given_by,
                                              given_by_role=data.given_by_role,
                                              photo_release=data.photo_release,
                                              signed_on=signed_on))
    return len(forms)


async def withdraw_consent(caller: Caller, school_id: UUID, pupil_id: UUID,
                           family_id: UUID | None = None) -> ConsentHistory:
    """End the consent that holds: the pupil's data is no longer used from now on."""
    await pupil_of(caller, school_id, pupil_id, family_id)
    async with transaction():
        ended = await Consent.update({Consent.withdrawn_at: now()}).where(
            (Consent.pupil == pupil_id) & Consent.withdrawn_at.is_null()).returning(Consent.id)
        if not ended:
            raise InvalidInput({"consent": _("This pupil has no consent to withdraw.")})
        # The pupil's data is no longer used: the care note and pick-up persons go too.
        await PupilCare.delete().where(PupilCare.pupil == pupil_id)
        await audit.record("civic.consent.withdrawn", caller.user_id, school_id,
                           pupil_id=str(pupil_id))
    return await consent_history(caller, school_id, pupil_id)


# The family's link ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChildConsent:
    """A child of the family as their link shows it, with the consent that holds."""

    pupil_id: UUID
    first_name: str
    consent: ConsentOut | None
    renewal_due: bool


async def family_children(family_id: UUID) -> list[ChildConsent]:
    """The family's children with the consent that holds for each, by first name."""
    rows = await Pupil.select(Pupil.id, Pupil.first_name).where(
        Pupil.family == family_id).order_by(Pupil.first_name)
    states = await consent_states([as_uuid(row["id"]) for row in rows])
    children = []
    for row in rows:
        state = states.get(as_uuid(row["id"]))
        children.append(ChildConsent(as_uuid(row["id"]), row["first_name"],
                                     state.consent if state else None,
                                     bool(state and state.renewal_due)))
    return children


def _check_link_consent(data: LinkConsent, notice: NoticeOut | None) -> str:
    errors: dict[str, str] = {}
    given_by = _signer(data.given_by, _("Write your name: it is your signature."), errors)
    if not data.pupils:
        errors["pupils"] = _("Tick the children you give your consent for.")
    if notice is None:
        errors["notice"] = _("No privacy notice has been published yet: the program staff "
                             "must publish one first.")
    elif data.notice_version != notice.version:
        errors["notice_version"] = _(
            "A new version of the privacy notice was published after you opened this page: "
            "read it, then give your consent again.")
    if errors:
        raise InvalidInput(errors)
    return given_by


async def consent_from_link(school_id: UUID, family_id: UUID, data: LinkConsent) -> int:
    """A parent gives consent on the family's link (the link is the key, checked by the
    caller) for the ticked children, for the notice version the page showed: refused when
    a newer one was published meanwhile, so nobody consents to a text they did not read.
    A parent's consent has no age rule (the under-14 rule is about a pupil's own). Dated
    today; the consent that held is ended and kept. Returns how many were given."""
    children = {as_uuid(row["id"]) for row in await Pupil.select(Pupil.id).where(
        Pupil.family == family_id)}
    if set(data.pupils) - children:
        raise NotFoundException()
    given_by = _check_link_consent(data, await current_notice())
    language = data.notice_language if data.notice_language in ("it", "en") else "it"
    pupils = list(dict.fromkeys(data.pupils))
    async with transaction():
        notice = await _notice_or_refuse()
        _check_link_consent(data, notice)  # a version published since the first look
        for pupil_id in pupils:
            await _save_consent(None, school_id, pupil_id, notice, given_by, ConsentCreate(
                given_by=given_by, given_by_role="parent", signed_on=_today(),
                photo_release=pupil_id in data.photo_release), language)
    return len(pupils)
