"""Record jobs in the transaction of the change that needs them.

A rolled-back change therefore sends nothing; the relay in worker/ publishes the
rows once they are committed. Staff see what is still to do (`job_counts`), the jobs
that kept failing (`failed_jobs`) and can run one again (`retry_jobs`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from app import audit
from app.clock import now
from app.db import transaction
from app.tables import OutboxJob


async def enqueue(actor: str, payload: dict[str, Any], delay_seconds: int = 0) -> int:
    """Add a job for `actor` (named "domain.event"); call it inside the service's transaction.

    Payloads carry ids and settings, never survey answers together with an identity.
    """
    row = OutboxJob(
        actor=actor,
        payload=payload,
        available_at=now() + timedelta(seconds=delay_seconds),
    )
    await row.save()
    return int(row.id)


WAITING = ("pending", "published", "running")


async def enqueue_once(actor: str, delay_seconds: int = 0, running: int | None = None) -> bool:
    """Enqueue `actor` unless one is already waiting (other than `running`): the daily
    chains (retention) run once however often they are started. True when enqueued."""
    waiting = OutboxJob.exists().where((OutboxJob.actor == actor)
                                       & OutboxJob.status.is_in(list(WAITING)))
    if running is not None:
        waiting = waiting.where(OutboxJob.id != running)
    if await waiting:
        return False
    await enqueue(actor, {}, delay_seconds=delay_seconds)
    return True


async def failed_jobs(limit: int = 100) -> list[dict[str, Any]]:
    """Jobs that kept failing, newest first, for the program admin."""
    return await (
        OutboxJob.select(
            OutboxJob.id,
            OutboxJob.actor,
            OutboxJob.attempts,
            OutboxJob.last_error,
            OutboxJob.created_at,
        )
        .where(OutboxJob.status == "failed")
        .order_by(OutboxJob.id, ascending=False)
        .limit(limit)
    )


async def job_counts() -> dict[str, int]:
    """How many jobs are waiting (to be sent or for a retry), running and failed."""
    rows = await OutboxJob.select(OutboxJob.status, Count(OutboxJob.id, alias="n")).where(
        OutboxJob.status != "done").group_by(OutboxJob.status)
    by_status = {row["status"]: row["n"] for row in rows}
    return {"waiting": by_status.get("pending", 0) + by_status.get("published", 0),
            "running": by_status.get("running", 0), "failed": by_status.get("failed", 0)}


async def retry_jobs(actor_id: Any, ids: list[int] | None = None) -> list[int]:
    """Run failed jobs again from their first attempt (all of them without `ids`).

    For when the cause is fixed (the mail server is back): the handlers are idempotent,
    so what a job had done stays done. Returns the ids queued again.
    """
    which: Any = OutboxJob.status == "failed"
    if ids is not None:
        which &= OutboxJob.id.is_in(ids or [0])
    async with transaction():
        queued = await OutboxJob.update(
            {OutboxJob.status: "pending", OutboxJob.attempts: 0, OutboxJob.available_at: now()}
        ).where(which).returning(OutboxJob.id)
        queued_ids = sorted(row["id"] for row in queued)
        if queued_ids:
            await audit.record("jobs.retried", actor_id, None, jobs=queued_ids)
    return queued_ids
