"""The review reminder: a neutral mail with a calendar invitation (RFC 5545, through
civic's calendar writer), sent only while the person consents to reminders and the
meeting is still ahead and not held."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from babel.dates import format_datetime

from app.clock import ITALY, now
from app.jobs import job
from app.tables import User
from civic.activities.ics import Sessions, calendar
from integrations.mail.render import render
from integrations.mail.sender import deliver
from pacts.consents.service import has_consent
from pacts.family.service import family_language
from pacts.reviews.service import REMINDER_JOB
from pacts.tables import Pact, PactReview

MEETING_MINUTES = 60


@job(REMINDER_JOB)
async def review_reminder(outbox_id: int, payload: dict[str, Any]) -> None:
    review = await PactReview.select().where(PactReview.id == payload["review_id"]).first()
    if review is None or review["held_at"] is not None or review["scheduled_for"] <= now():
        return
    pact = await Pact.select(Pact.id, Pact.holder_name, Pact.contact_email, Pact.language,
                             Pact.status, Pact.created_by).where(
        Pact.id == review["pact"]).first()
    if pact is None or pact["status"] == "closed" or not pact["contact_email"]:
        return
    if not await has_consent(pact["id"], "reminders"):
        return
    maker = await User.select(User.name).where(User.id == pact["created_by"]).first()
    language = family_language(pact["language"])
    start = review["scheduled_for"].astimezone(ITALY)
    end = start + timedelta(minutes=MEETING_MINUTES)
    when = format_datetime(start, format="long", tzinfo=ITALY, locale=language)
    maker_name = (maker or {}).get("name") or "FareLegami"
    subject, text, html = render("pact_review", language, {
        "name": pact["holder_name"].split(" ")[0], "when": when, "maker": maker_name})
    invitation = calendar(Sessions(
        uid=f"review-{review['id']}@farelegami", summary="FareLegami",
        starts_on=start.date(), ends_on=start.date(), days=(start.weekday(),),
        start_time=start.strftime("%H:%M"), end_time=end.strftime("%H:%M")), now())
    await deliver(outbox_id, pact["contact_email"], subject, text, html,
                  attachments=[("incontro.ics" if language == "it" else "meeting.ics",
                                "text/calendar", invitation)])
