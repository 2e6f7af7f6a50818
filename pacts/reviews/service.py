"""Reviews: meetings scheduled with the person, reminded by mail with a calendar
invitation (only with the consent to reminders), then held: progress on each expected
result and the progress ladder (1 to 10), filled in together, before and after."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from app.auth.caller import Caller
from app.clock import now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.outbox import enqueue
from pacts.access.service import log_opening, reachable_pact
from pacts.tables import PactReview

REMINDER_JOB = "pacts.review_reminder"
REMINDER_HOURS = 24  # the reminder leaves a day before the meeting
PROGRESS = ("not_started", "started", "reached")


async def schedule(caller: Caller, pact_id: UUID, when: datetime) -> int:
    """Schedule a review; its reminder is queued for the day before."""
    if when <= now():
        raise InvalidInput({"scheduled_for": _("Choose a time in the future.")})
    async with transaction():
        row = await reachable_pact(caller, pact_id)
        if row["status"] == "closed":
            raise InvalidInput({"pact": _("This pact is closed.")})
        review = PactReview(pact=pact_id, scheduled_for=when)
        await review.save()
        delay = (when - timedelta(hours=REMINDER_HOURS) - now()).total_seconds()
        await enqueue(REMINDER_JOB, {"review_id": int(review.id)}, max(0, int(delay)))
        await log_opening(caller, pact_id, "pact")
    return int(review.id)


def _ladder(value: int | None, field: str) -> int | None:
    if value is not None and not 1 <= value <= 10:
        raise InvalidInput({field: _("Choose a step from 1 to 10.")})
    return value


async def record(caller: Caller, pact_id: UUID, review_id: int, progress: dict[str, str],
                 ladder_before: int | None, ladder_after: int | None, summary: str) -> None:
    """What the review found: progress per expected result ("goal.result" keys), the
    ladder before and after, a short summary."""
    if any(value not in PROGRESS for value in progress.values()):
        raise InvalidInput({"progress": _("Choose from the list.")})
    _ladder(ladder_before, "ladder_before")
    _ladder(ladder_after, "ladder_after")
    if len(summary) > 2000:
        raise InvalidInput({"summary": _("This text is too long.")})
    async with transaction():
        await reachable_pact(caller, pact_id)
        changed = await PactReview.update({
            PactReview.held_at: now(), PactReview.progress: progress,
            PactReview.ladder_before: ladder_before, PactReview.ladder_after: ladder_after,
            PactReview.summary: summary.strip(),
        }).where((PactReview.id == review_id) & (PactReview.pact == pact_id)).returning(
            PactReview.id)
        if not changed:
            raise InvalidInput({"review": _("This review does not exist.")})
        await log_opening(caller, pact_id, "pact")
