"""Referral mail: the proposal with the family's link, the confirmation (with the
sessions as a calendar file when the pupil is enrolled), and a freed place offered
from the waitlist.

Payloads carry the referral id only. Links are made here, by the handler that mails
them (`referrals.issue_token` stores only the hash), so they never sit in the outbox.
Mail goes out in the family's language when Legami speaks it, else in Italian.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from babel.dates import format_date

from app import places
from app.clock import ITALY, now
from app.i18n import _, use_language
from app.jobs import job
from app.settings import get_settings
from app.tables import Organization
from civic.activities import holidays
from civic.activities import service as activities
from civic.activities.ics import Sessions, calendar
from civic.activities.schemas import ActivityInfo
from civic.consents.service import consented_pupils
from civic.referrals import service as referrals
from civic.referrals.messages import family_texts
from civic.referrals.schemas import activity_summary
from civic.tables import Family, Pupil, Referral
from integrations.mail.render import render
from integrations.mail.sender import deliver

log = logging.getLogger("legami.civic")


@job(referrals.MAIL_JOB)
async def referral_mail(outbox_id: int, payload: dict[str, Any]) -> None:
    """Mail the family the proposal and their link, while it waits for an answer."""
    facts = await _facts(UUID(payload["referral_id"]))
    if facts is None or facts["row"]["status"] != "proposed":
        return
    if not await consented_pupils([UUID(str(facts["row"]["pupil"]))]):
        return  # the consent was withdrawn after the proposal: the pupil's data is not used
    # A retried job makes a new link in place of its own: one live link per referral.
    token = await referrals.issue_token(facts["row"]["id"], ("proposed",))
    if token is None:
        return
    row, info = facts["row"], facts["info"]
    context = {**facts["context"], "link": referrals.link_for(token),
               "full": info.capacity > 0 and info.places_left <= 0,
               **own_language(row["language"], facts["language"], facts["context"])}
    subject, text, html = render("activity_proposal", facts["language"], context)
    await deliver(outbox_id, facts["email"], subject, text, html)


@job(referrals.CONFIRMATION_JOB)
async def enrolment_confirmation(outbox_id: int, payload: dict[str, Any]) -> None:
    """Confirm the family's answer: enrolled (with the .ics) or the waitlist position.

    Nothing is sent when the place has changed since (the mail would be stale)."""
    facts = await _facts(UUID(payload["referral_id"]))
    if facts is None or facts["row"]["status"] != "accepted":
        return
    row, info = facts["row"], facts["info"]
    pool_id = info.pool_id
    seat = await places.seat_of(pool_id, referrals.PUPIL, row["pupil"]) if pool_id else None
    if seat is None or seat.status != payload.get("status"):
        return
    enrolled = seat.status == "enrolled"
    context = {**facts["context"], "enrolled": enrolled, "position": seat.position or 0}
    subject, text, html = render("activity_confirmation", facts["language"], context)
    attachments = None
    if enrolled and info.starts_on is not None:
        attachments = [("attivita.ics" if facts["language"] == "it" else "activity.ics",
                        "text/calendar", await _calendar(row["id"], info, facts["context"]))]
    await deliver(outbox_id, facts["email"], subject, text, html, attachments=attachments)


@places.on_offer("activity")
async def offer_mail(seat: places.SeatInfo) -> None:
    """A freed place is offered to a waitlisted pupil: mail the family a new link and
    the deadline. Pupils on the waitlist without a referral (none today) get nothing."""
    if seat.holder_kind != referrals.PUPIL:
        return
    row = await Referral.select(Referral.id).where(
        (Referral.pupil == seat.holder_id) & (Referral.activity.pool == seat.pool_id)
        & (Referral.status == "accepted")).order_by(Referral.created_at, ascending=False).first()
    if row is None:
        log.warning("place offered to pupil seat %s without a referral", seat.id)
        return
    token = await referrals.issue_token(row["id"], ("accepted",), seat.offered_until)
    facts = await _facts(row["id"])
    if token is None or facts is None:
        return
    context = {**facts["context"], "link": referrals.link_for(token),
               "deadline": _moment(seat.offered_until, facts["language"])}
    subject, text, html = render("activity_offer", facts["language"], context)
    await deliver(None, facts["email"], subject, text, html)


async def _facts(referral_id: UUID) -> dict[str, Any] | None:
    """`referral_facts` of a family with an e-mail address, None otherwise."""
    facts = await referral_facts(referral_id)
    return facts if facts is not None and facts["email"] else None


async def referral_facts(referral_id: UUID) -> dict[str, Any] | None:
    """The referral, the family's address and language, the activity, and the context
    common to every message to the family (labels in the family's language)."""
    row = await Referral.select().where(Referral.id == referral_id).first()
    if row is None:
        return None
    pupil = await Pupil.select(Pupil.first_name, Pupil.family).where(
        Pupil.id == row["pupil"]).first()
    family = await Family.select(Family.contact_email, Family.reference_adult).where(
        Family.id == pupil["family"]).first() if pupil else None
    if pupil is None or family is None:
        return None
    school = await Organization.select(Organization.name).where(
        Organization.id == row["school"]).first()
    info = await activities.activity_info(row["activity"])
    language = referrals.mail_language(row["language"])
    with use_language(language):
        summary = activity_summary(info)
        context = {
            "name": family["reference_adult"], "pupil": pupil["first_name"],
            "school": school["name"] if school else "", "activity": info.title,
            "center": info.civic_center_name, "timetable": summary.timetable,
            "period": _period(info, language),
            "place": ", ".join(part for part in (info.place, info.town) if part),
            "cost": summary.cost, "deadline": _moment(row["expires_at"], language)}
    return {"row": row, "info": info, "language": language, "context": context,
            "email": (family["contact_email"] or "").strip()}


def own_language(family_language: str | None, written_in: str, values: dict[str, Any]
                 ) -> dict[str, Any]:
    """The proposal's first lines in the family's own language (`civic.referrals.messages`)
    when Legami's pages do not speak it but the program has translated them: nothing
    otherwise (the mail is then in Italian with its English line)."""
    own = family_texts(family_language)
    if not own.complete or own.language == written_in:
        return {"own_lines": []}
    return {"own_lang": own.language, "own_dir": own.direction, "own_lines": [
        own.say("greeting", **values), own.say("proposal", **values),
        own.say("answer_by", **values), own.say("how_link")]}


def _period(info: ActivityInfo, language: str) -> str:
    if info.starts_on is None:
        return "—"
    start = format_date(info.starts_on, format="long", locale=language)
    if info.ends_on is None:
        return _("from %(start)s") % {"start": start}
    end = format_date(info.ends_on, format="long", locale=language)
    return _("from %(start)s to %(end)s") % {"start": start, "end": end}


def _moment(moment: datetime | None, language: str) -> str:
    """A deadline in Italian local time, as "12 March 2026, 18:00"."""
    if moment is None:
        return "—"
    local = moment.astimezone(ITALY)
    return f"{format_date(local.date(), format='long', locale=language)}, {local:%H:%M}"


async def family_calendar(referral_id: UUID) -> bytes | None:
    """The sessions' .ics for the family's page ("add to calendar"), as the mail's."""
    facts = await referral_facts(referral_id)
    if facts is None or facts["info"].starts_on is None:
        return None
    return await _calendar(referral_id, facts["info"], facts["context"])


async def _calendar(referral_id: Any, info: ActivityInfo, context: dict[str, Any]) -> bytes:
    """The sessions, without those on national and school holidays."""
    assert info.starts_on is not None
    closed = await holidays.closed_days(info.starts_on, info.ends_on or info.starts_on,
                                        info.category)
    domain = get_settings().base_url.split("://", 1)[-1].split("/", 1)[0] or "legami"
    return calendar(Sessions(
        uid=f"referral-{referral_id}@{domain}", summary=f"{info.title} · {info.civic_center_name}",
        starts_on=info.starts_on, ends_on=info.ends_on, days=tuple(info.days),
        start_time=info.start_time, end_time=info.end_time, location=context["place"],
        description=info.description, closed=frozenset(closed)), now())
