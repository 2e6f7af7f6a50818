"""Referrals: a school coordinator proposes an activity for a pupil; the family answers.

The family answers from a link `/f/<token>`, with no account: the token (22 random
characters) is made by the job that sends the mail and only its SHA-256 is kept on the
referral, so it never sits in the outbox. A family without e-mail gets a printed letter
(`civic.referrals.channel`, `civic.referrals.docx`) whose link is a short code (10
characters, easy to type on /f) made when the school prints it. The link answers the proposal and,
later, a freed place offered from the waitlist: the offer mail carries a new link
(the only way to mail a link again when only its hash is kept), and the earlier one
stops working.

Accepting asks `app.places` for a place (`request_place`, holder kind "pupil", the
school as organization): one conditional update takes the last place, so two families
accepting at once never both get it; the second joins the waitlist. An enrolled pupil's
family gets a confirmation with the sessions as a calendar file.

A pupil's data is used only while the pupil has a consent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app import audit, places
from app.auth.caller import Caller
from app.clock import ITALY, now
from app.crypto import token_hash
from app.db import is_sqlite, transaction
from app.errors import InvalidInput
from app.i18n import _, use_language
from app.outbox import enqueue
from app.settings import LANGUAGES, get_settings
from app.values import as_uuid
from civic.activities import service as activities
from civic.activities.schemas import ActivityInfo
from civic.consents import service as consents
from civic.consents.service import ChildConsent, consented_pupils
from civic.families.care import record_care_from_link
from civic.families.schemas import CareUpdate, LinkConsent, NoticeOut
from civic.families.service import school_of
from civic.referrals.channel import MAIL_JOB as MAIL_JOB
from civic.referrals.channel import FamilyContact, channel_for
from civic.referrals.messages import page_for
from civic.referrals.schemas import (
    ActivitySummary,
    ReferralCreate,
    ReferralOut,
    activity_summary,
    state_label,
)
from civic.tables import Pupil, Referral

PUPIL = "pupil"
PROPOSAL_DAYS = 14
LINK_PREFIX = "/f/"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from paper
CODE_LENGTH = 10  # 50 bits; unknown links are rate-limited per address
CONFIRMATION_JOB = "civic.enrolment_confirmation"
SEATED = ("enrolled", "waitlisted", "offered")


def link_for(token: str) -> str:
    return f"{get_settings().base_url}{LINK_PREFIX}{token}"


def mail_language(language: str | None) -> str:
    """The family's language when Legami speaks it, else Italian."""
    return language if language in LANGUAGES else "it"


def state_of(row: dict[str, Any], seat: places.SeatInfo | None) -> str:
    """The referral's state for people: its status joined with the pupil's place."""
    status = row["status"]
    if status == "proposed":
        expires = row["expires_at"]
        return "expired" if expires is not None and expires <= now() else "proposed"
    if status == "accepted":
        if seat is None or seat.status in ("cancelled", "declined"):
            return "left"
        if seat.status == "expired" or (
                seat.status == "offered" and seat.offered_until is not None
                and seat.offered_until <= now()):
            return "offer_expired"  # the job that passes the place on may not have run yet
        return seat.status
    if status == "expired":
        return "offer_expired" if row["seat_id"] else "expired"
    if status == "declined":
        return "left" if row["seat_id"] else "declined"
    return str(status)


# Reading ----------------------------------------------------------------------------------


async def _pupil_in(school_id: UUID, pupil_id: UUID) -> dict[str, Any]:
    """The pupil of the school with their family's address and language; 404 otherwise."""
    row = await Pupil.select(
        Pupil.id, Pupil.first_name, Pupil.family.id.as_alias("family_id"),
        Pupil.family.contact_email.as_alias("email"),
        Pupil.family.contact_phone.as_alias("phone"),
        Pupil.family.language.as_alias("language"),
    ).where((Pupil.id == pupil_id) & (Pupil.family.school == school_id)).first()
    if row is None:
        raise NotFoundException()
    return row


async def pool_of(activity_id: UUID) -> UUID | None:
    """The activity's places in `app.places`."""
    return (await activities.activity_info(activity_id)).pool_id


# The coordinator -------------------------------------------------------------------------


async def propose(caller: Caller, school_id: UUID, data: ReferralCreate) -> ReferralOut:
    """Propose an activity for a pupil of the school; the family is mailed a link."""
    await school_of(caller, school_id)
    pupil = await _pupil_in(school_id, data.pupil_id)
    info = await activities.activity_info(data.activity_id)
    if info.status == "draft":
        raise NotFoundException()  # schools never see drafts
    if not await consented_pupils([data.pupil_id]):
        raise InvalidInput({"pupil_id": _(
            "%(name)s has no parental consent on record: record the consent before proposing "
            "activities.") % {"name": pupil["first_name"]}})
    pool_id = info.pool_id
    if pool_id is None or info.status != "published" or (
            info.ends_on is not None and info.ends_on < now().date()):
        raise InvalidInput({"activity_id": _("This activity does not take pupils now.")})
    async with transaction():
        if not is_sqlite():  # two clicks on "Propose" queue here (SQLite writers always do)
            await Pupil.select(Pupil.id).where(Pupil.id == data.pupil_id).lock_rows()
        if await _open_referral(data.pupil_id, data.activity_id, pool_id):
            raise InvalidInput({"activity_id": _(
                "This activity is already proposed to %(name)s, or they already have a place "
                "or a place in line.") % {"name": pupil["first_name"]}})
        referral = Referral(
            pupil=data.pupil_id, activity=data.activity_id, school=school_id,
            proposed_by=caller.user_id, status="proposed", expires_at=_deadline(info),
            language=(pupil["language"] or "it")[:5])
        await referral.save()
        await channel_for(FamilyContact(pupil["email"], pupil["phone"])).hand_over(
            as_uuid(referral.id))
        await audit.record("referral.proposed", caller.user_id, school_id,
                           referral_id=str(referral.id), activity_id=str(data.activity_id))
    return await get_referral(caller, school_id, as_uuid(referral.id))


def _deadline(info: ActivityInfo) -> datetime:
    """Two weeks to answer, or until the activity's last day when that comes sooner; a
    deadline ends at the end of a day, 23:59 Italian time (never at the hour of the
    proposal)."""
    day = (now().astimezone(ITALY) + timedelta(days=PROPOSAL_DAYS)).date()
    if info.ends_on is not None:
        day = min(day, info.ends_on)
    return datetime.combine(day, time(23, 59), tzinfo=ITALY)


async def _open_referral(pupil_id: UUID, activity_id: UUID, pool_id: UUID) -> bool:
    """Whether the pupil has a live proposal of the activity or a seat in its pool; old
    accepted referrals whose place has ended are closed on the way."""
    rows = await Referral.select().where(
        (Referral.pupil == pupil_id) & (Referral.activity == activity_id)
        & Referral.status.is_in(["proposed", "accepted"]))
    seat = await places.seat_of(pool_id, PUPIL, pupil_id)
    for row in rows:
        state = state_of(row, seat)
        if state in ("proposed", *SEATED):
            return True
        if row["status"] == "accepted":
            closed = "expired" if state == "offer_expired" else "declined"
            await Referral.update({Referral.status: closed}).where(Referral.id == row["id"])
    return seat is not None and seat.status in SEATED


async def list_referrals(caller: Caller, school_id: UUID) -> list[ReferralOut]:
    """The school's referrals, newest first."""
    await school_of(caller, school_id)
    rows = await _select().where(Referral.school == school_id).order_by(
        Referral.created_at, ascending=False)
    return await _outs(rows)


async def get_referral(caller: Caller, school_id: UUID, referral_id: UUID) -> ReferralOut:
    await school_of(caller, school_id)
    rows = await _select().where((Referral.id == referral_id) & (Referral.school == school_id))
    if not rows:
        raise NotFoundException()
    return (await _outs(rows))[0]


async def withdraw(caller: Caller, school_id: UUID, referral_id: UUID) -> ReferralOut:
    """Withdraw a proposal; a place or a place in line it gave is given up."""
    await school_of(caller, school_id)
    async with transaction():
        row = await Referral.select().where(
            (Referral.id == referral_id) & (Referral.school == school_id)).first()
        if row is None:
            raise NotFoundException()
        pool_id = await pool_of(as_uuid(row["activity"]))
        seat = await _seat(row, pool_id)
        state = state_of(row, seat)
        if state not in ("proposed", *SEATED):
            raise InvalidInput({"referral": _("This proposal is already closed.")})
        if state in SEATED and pool_id is not None:
            await places.leave(pool_id, PUPIL, as_uuid(row["pupil"]))
        await Referral.update({Referral.status: "withdrawn"}).where(Referral.id == referral_id)
        await audit.record("referral.withdrawn", caller.user_id, school_id,
                           referral_id=str(referral_id), state=state)
    return await get_referral(caller, school_id, referral_id)


async def open_referral_states(pupil_ids: list[UUID]) -> dict[tuple[UUID, UUID], tuple[UUID,
                                                                                        str]]:
    """(pupil, activity) -> (referral id, state) of the pupils' live referrals."""
    if not pupil_ids:
        return {}
    rows = await Referral.select().where(
        Referral.pupil.is_in(pupil_ids) & Referral.status.is_in(["proposed", "accepted"]))
    seats = {seat.id: seat for seat in await places.seats_of_holders(PUPIL, pupil_ids)}
    found = {}
    for row in rows:
        state = state_of(row, seats.get(row["seat_id"]))
        if state in ("proposed", *SEATED):
            found[(as_uuid(row["pupil"]), as_uuid(row["activity"]))] = (as_uuid(row["id"]), state)
    return found


def _select() -> Any:
    return Referral.select(
        *Referral.all_columns(), Referral.pupil.first_name.as_alias("first_name"),
        Referral.pupil.family.id.as_alias("family_id"),  # type: ignore[union-attr]
        Referral.pupil.family.family_ref.as_alias("family_ref"),  # type: ignore[union-attr]
        Referral.pupil.family.contact_email.as_alias("email"),  # type: ignore[union-attr]
        Referral.pupil.family.contact_phone.as_alias("phone"),  # type: ignore[union-attr]
        Referral.activity.title.as_alias("title"),
        Referral.activity.civic_center.name.as_alias("center_name"))  # type: ignore[union-attr]


async def _outs(rows: list[dict[str, Any]]) -> list[ReferralOut]:
    pupil_ids = list({as_uuid(row["pupil"]) for row in rows})
    seats = {seat.id: seat for seat in await places.seats_of_holders(PUPIL, pupil_ids)}
    result = []
    for row in rows:
        seat = seats.get(row["seat_id"]) if row["status"] == "accepted" else None
        state = state_of(row, seat)
        position = seat.position if seat and state == "waitlisted" else None
        result.append(ReferralOut(
            id=as_uuid(row["id"]), school_id=as_uuid(row["school"]),
            family_id=as_uuid(row["family_id"]), family_ref=row["family_ref"],
            pupil_id=as_uuid(row["pupil"]), pupil_first_name=row["first_name"],
            activity_id=as_uuid(row["activity"]), activity_title=row["title"],
            civic_center_name=row["center_name"], status=row["status"], state=state,
            state_label=state_label(state, position), waitlist_position=position,
            offered_until=seat.offered_until if seat and state == "offered" else None,
            expires_at=row["expires_at"], language=row["language"],
            created_at=row["created_at"], answered_at=row["answered_at"],
            channel=channel_for(FamilyContact(row["email"], row["phone"])).name))
    return result


async def _seat(row: dict[str, Any], pool_id: UUID | None) -> places.SeatInfo | None:
    if row["status"] != "accepted" or pool_id is None:
        return None
    return await places.seat_of(pool_id, PUPIL, as_uuid(row["pupil"]))


# The family ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyView:
    """What the family's page shows: the activity, the answer asked for, the place."""

    referral_id: UUID
    state: str
    language: str
    family_language: str
    first_name: str
    school_name: str
    activity: ActivitySummary
    description: str
    accessibility: str
    position: int | None
    offered_until: datetime | None
    expires_at: datetime | None
    children: tuple[ChildConsent, ...] = ()
    notice: NoticeOut | None = None

    @property
    def can_accept(self) -> bool:
        return self.state in ("proposed", "offered")

    @property
    def can_decline(self) -> bool:
        return self.state in ("proposed", *SEATED)


def short_code(text: str) -> str | None:
    """The letter's code as typed (any case, with spaces or dashes); None if not one."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code):
        return code
    return None


async def _by_token(token: str) -> dict[str, Any]:
    code = short_code(token) if len(token) < 22 else None
    if code is not None:
        token = code
    elif not 22 <= len(token) <= 64:
        raise NotFoundException()
    row = await Referral.select(
        *Referral.all_columns(), Referral.pupil.first_name.as_alias("first_name"),
        Referral.pupil.family.id.as_alias("family_id"),  # type: ignore[union-attr]
        Referral.school.name.as_alias("school_name"),
    ).where(Referral.token_hash == token_hash(token)).first()
    if row is None:
        raise NotFoundException()
    return row


async def family_view(token: str, language: str | None = None) -> FamilyView:
    """The referral a link opens (404 for an unknown link), in `language` when Legami
    speaks it, else in the family's language."""
    row = await _by_token(token)
    language = language if language in LANGUAGES else mail_language(row["language"])
    activity_id = as_uuid(row["activity"])
    info = await activities.activity_info(activity_id)
    seat = await _seat(row, info.pool_id)
    state = state_of(row, seat)
    with use_language(language):
        summary = activity_summary(info)
    live = state in ("proposed", *SEATED)
    return FamilyView(
        referral_id=as_uuid(row["id"]), state=state, language=language,
        family_language=row["language"] or "it",
        first_name=row["first_name"], school_name=row["school_name"],
        activity=summary, description=info.description, accessibility=info.accessibility,
        position=seat.position if seat and state == "waitlisted" else None,
        offered_until=seat.offered_until if seat and state == "offered" else None,
        expires_at=row["expires_at"] if state == "proposed" else None,
        children=tuple(await consents.family_children(as_uuid(row["family_id"])))
        if live else (),
        notice=await consents.current_notice() if live else None)


async def answer(token: str, accept: bool) -> str:
    """The family's answer; returns the new state. Accepting a proposal asks for a place
    (enrolled or waitlisted); accepting an offer takes the freed place; declining ends
    the proposal, the offer, the place in line or the place."""
    async with transaction():
        row = await _by_token(token)
        referral_id, pupil_id = as_uuid(row["id"]), as_uuid(row["pupil"])
        info = await activities.activity_info(as_uuid(row["activity"]))
        pool_id = info.pool_id
        state = state_of(row, await _seat(row, pool_id))
        if pool_id is None or not (accept and state in ("proposed", "offered")
                                   or not accept and state in ("proposed", *SEATED)):
            raise InvalidInput({"answer": _("This proposal can no longer be answered.")})
        if not accept:
            if state == "offered":
                await places.decline_offer(pool_id, PUPIL, pupil_id)
            elif state in SEATED:
                await places.leave(pool_id, PUPIL, pupil_id)
            await _set(referral_id, row["status"], "declined")
            return "left" if state in SEATED else "declined"
        if not await consented_pupils([pupil_id]):
            # The pupil's data is no longer used: no new place, no new place in line.
            raise InvalidInput({"answer": _(
                "This proposal can no longer be accepted: the consent to use your child's "
                "data has been withdrawn. Please contact the school.")})
        if state == "offered":
            seat = await places.accept_offer(pool_id, PUPIL, pupil_id)
        elif info.status != "published":
            raise InvalidInput({"answer": _("The activity no longer takes new pupils.")})
        else:
            seat = await places.request_place(pool_id, PUPIL, pupil_id,
                                              organization_id=as_uuid(row["school"]))
            await _set(referral_id, "proposed", "accepted", seat_id=seat.id)
        await enqueue(CONFIRMATION_JOB, {"referral_id": str(referral_id),
                                         "status": seat.status})
        return seat.status


async def family_care(token: str, data: CareUpdate) -> None:
    """Who may pick the pupil up and the care note, written by the family from the link
    of a live proposal, place or place in line (`civic.families.care`)."""
    row = await _by_token(token)
    info = await activities.activity_info(as_uuid(row["activity"]))
    if state_of(row, await _seat(row, info.pool_id)) not in ("proposed", *SEATED):
        raise InvalidInput({"care_note": _("This proposal is closed: ask the school.")})
    await record_care_from_link(as_uuid(row["pupil"]), as_uuid(row["school"]), data)


async def family_consent(token: str, data: LinkConsent, language: str | None = None) -> int:
    """The parent's consent for their children, given from the link of a live proposal,
    place or place in line (`civic.consents.service.consent_from_link`), for the notice
    text the page showed: in English when the page is, else in Italian."""
    row = await _by_token(token)
    info = await activities.activity_info(as_uuid(row["activity"]))
    if state_of(row, await _seat(row, info.pool_id)) not in ("proposed", *SEATED):
        raise InvalidInput({"pupils": _("This proposal is closed: ask the school.")})
    if language not in LANGUAGES:  # a page in the family's own language shows English
        language = "en" if page_for(language, row["language"]) else mail_language(
            row["language"])
    data = LinkConsent(given_by=data.given_by, notice_version=data.notice_version,
                       pupils=data.pupils, photo_release=data.photo_release,
                       notice_language="en" if language == "en" else "it")
    return await consents.consent_from_link(as_uuid(row["school"]),
                                            as_uuid(row["family_id"]), data)


async def _set(referral_id: UUID, current: str, status: str, **more: Any) -> None:
    """Move the referral on only if it is still as read: a second click or a racing
    request changes nothing and rolls its transaction back."""
    values: dict[Any, Any] = {Referral.status: status, Referral.answered_at: now()}
    if "seat_id" in more:
        values[Referral.seat_id] = more["seat_id"]
    changed = await Referral.update(values).where(
        (Referral.id == referral_id) & (Referral.status == current)).returning(Referral.id)
    if not changed:
        raise InvalidInput({"answer": _("This proposal has just been answered.")})


async def issue_token(referral_id: UUID, statuses: tuple[str, ...],
                      expires_at: datetime | None = None) -> str | None:
    """A new link token for the referral if its status is one of `statuses`; only the
    hash is stored and the previous link stops working. For the mail jobs."""
    token = secrets.token_urlsafe(16)  # 22 characters
    return await _store_token(referral_id, token, statuses, expires_at)


async def issue_code(referral_id: UUID) -> str | None:
    """A new short code for a proposal's printed letter (the earlier link stops working)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _unused in range(CODE_LENGTH))
    return await _store_token(referral_id, code, ("proposed",))


async def _store_token(referral_id: UUID, token: str, statuses: tuple[str, ...],
                       expires_at: datetime | None = None) -> str | None:
    values: dict[Any, Any] = {Referral.token_hash: token_hash(token)}
    if expires_at is not None:
        values[Referral.expires_at] = expires_at
    async with transaction():
        changed = await Referral.update(values).where(
            (Referral.id == referral_id) & Referral.status.is_in(list(statuses))
        ).returning(Referral.id)
    return token if changed else None

