"""Run one outbox job: load the row, call its handler, mark the outcome.

A row moves pending → published (relay) → running (here) → done or failed; after a
failure that may be retried it goes back to published. Claiming `running` means two
deliveries of one message never run its handler at the same time; a worker that dies
mid-job leaves the row running, and the relay sends it again once it is stale.
"""

from __future__ import annotations

import json
import logging

from app.clock import now
from app.db import transaction
from app.settings import get_settings
from app.tables import OutboxJob
from worker.registry import HANDLERS

log = logging.getLogger("legami.jobs")

RUNNABLE = ("pending", "published")


class JobFailed(Exception):
    """Raised so dramatiq retries with back-off; the outbox row keeps the reason."""


async def run_job(outbox_id: int, max_retries: int | None = None) -> None:
    """Run job `outbox_id` once; raise `JobFailed` while it may still be retried.

    The row counts the attempts, so a redelivered or re-sent message adds no retries:
    after `max_retries` (default JOB_MAX_RETRIES) retries the row is `failed`.
    """
    if max_retries is None:
        max_retries = get_settings().job_max_retries
    row = await OutboxJob.objects().where(OutboxJob.id == outbox_id).first()
    if row is None or row.status not in RUNNABLE:
        return  # done, failed or running: a redelivered message has no second effect
    handler = HANDLERS.get(row.actor)
    if handler is None:
        await _record_failure(row, f"no handler for job {row.actor!r}", final=True)
        return
    if not await _start(outbox_id, row.status):
        return
    try:
        await handler(outbox_id, json.loads(row.payload))  # piccolo hands JSON over as text
    except Exception as error:
        final = row.attempts + 1 > max_retries
        await _record_failure(row, f"{type(error).__name__}: {error}", final=final)
        log.warning("job %s #%s failed (attempt %s)", row.actor, outbox_id, row.attempts + 1)
        if not final:
            raise JobFailed(f"job {row.actor} #{outbox_id}") from error
        return
    async with transaction():
        await OutboxJob.update(
            {OutboxJob.status: "done", OutboxJob.done_at: now(), OutboxJob.last_error: ""}
        ).where(OutboxJob.id == outbox_id)


async def _start(outbox_id: int, status: str) -> bool:
    async with transaction():
        started = await (
            OutboxJob.update({OutboxJob.status: "running", OutboxJob.published_at: now()})
            .where((OutboxJob.id == outbox_id) & (OutboxJob.status == status))
            .returning(OutboxJob.id)
        )
    return bool(started)


async def _record_failure(row: OutboxJob, reason: str, final: bool) -> None:
    async with transaction():
        await OutboxJob.update(
            {
                OutboxJob.attempts: OutboxJob.attempts + 1,
                OutboxJob.last_error: reason[:2000],
                OutboxJob.status: "failed" if final else "published",
            }
        ).where(OutboxJob.id == row.id)
