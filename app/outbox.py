"""Record jobs in the transaction of the change that needs them.

A rolled-back change therefore sends nothing; the relay in worker/ publishes the
rows once they are committed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.clock import now
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
