"""Run one outbox job: load the row, call its handler, mark the outcome."""

from __future__ import annotations

import logging

from app.clock import now
from app.db import transaction
from app.settings import get_settings
from app.tables import OutboxJob
from worker.registry import HANDLERS

log = logging.getLogger("legami.jobs")


class JobFailed(Exception):
    """Raised so dramatiq retries with back-off; the outbox row keeps the reason."""


async def run_job(outbox_id: int) -> None:
    row = await OutboxJob.objects().where(OutboxJob.id == outbox_id).first()
    if row is None or row.status in ("done", "failed"):
        return  # already handled: a redelivered message has no second effect
    handler = HANDLERS.get(row.actor)
    if handler is None:
        await _record_failure(row, f"no handler for job {row.actor!r}", final=True)
        return
    try:
        await handler(outbox_id, row.payload)
    except Exception as error:
        final = row.attempts + 1 > get_settings().job_max_retries
        await _record_failure(row, f"{type(error).__name__}: {error}", final=final)
        log.warning("job %s #%s failed (attempt %s)", row.actor, outbox_id, row.attempts + 1)
        if not final:
            raise JobFailed(f"job {row.actor} #{outbox_id}") from error
        return
    async with transaction():
        await OutboxJob.update(
            {OutboxJob.status: "done", OutboxJob.done_at: now(), OutboxJob.last_error: ""}
        ).where(OutboxJob.id == outbox_id)


async def _record_failure(row: OutboxJob, reason: str, final: bool) -> None:
    async with transaction():
        await OutboxJob.update(
            {
                OutboxJob.attempts: OutboxJob.attempts + 1,
                OutboxJob.last_error: reason[:2000],
                OutboxJob.status: "failed" if final else row.status,
            }
        ).where(OutboxJob.id == row.id)
