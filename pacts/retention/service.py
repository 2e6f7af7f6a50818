"""Retention: a fixed time after closure (`retain_until`), a pact's personal data is
deleted and the pact anonymised (its record of civic referrals too: the referrals
follow civic's own retention). What remains is what the aggregates count (status,
source, dates, outcome, closure reason, town, review dates and ladder steps) and the
access log, which names only readers."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from app.clock import now
from app.db import transaction
from app.outbox import enqueue_once
from pacts.tables import (
    Pact,
    PactConsent,
    PactEnrolment,
    PactFollower,
    PactNote,
    PactReview,
    PactVersion,
)

JOB = "pacts.retention"
DAY_SECONDS = 24 * 60 * 60
BATCH = 100


async def schedule_retention(delay_seconds: int = 0, running: int | None = None) -> bool:
    """Enqueue the daily job unless one is already waiting (other than `running`); call
    it inside the transaction of the change that needs it."""
    return await enqueue_once(JOB, delay_seconds, running)


async def anonymise_expired(today: date | None = None) -> int:
    """Anonymise every closed pact whose `retain_until` is before `today`; how many."""
    today = today or now().date()
    rows = await Pact.select(Pact.id).where(
        Pact.retain_until.is_not_null() & (Pact.retain_until < today)
        & Pact.anonymised_at.is_null())
    ids = [UUID(str(row["id"])) for row in rows]
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        async with transaction():
            await PactVersion.delete().where(PactVersion.pact.is_in(batch))
            await PactNote.delete().where(PactNote.pact.is_in(batch))
            await PactConsent.delete().where(PactConsent.pact.is_in(batch))
            await PactEnrolment.delete().where(PactEnrolment.pact.is_in(batch))
            await PactFollower.delete().where(PactFollower.pact.is_in(batch))
            await PactReview.update({PactReview.summary: "", PactReview.progress: {}}).where(
                PactReview.pact.is_in(batch))
            await Pact.update({
                Pact.holder_name: "", Pact.household: "", Pact.contact_email: None,
                Pact.source_detail: "", Pact.assessment: {}, Pact.token_hash: None,
                Pact.onward_referral: "", Pact.anonymised_at: now(),
            }).where(Pact.id.is_in(batch) & (Pact.retain_until < today))
    return len(ids)
