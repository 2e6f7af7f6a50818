"""Publish committed outbox rows to the broker.

A row is claimed (pending → published) before it is sent, so two relays never send
the same row; if the broker refuses it, the row goes back to pending and waits. A row
published long ago and still not done (a lost message, a crashed worker) is sent
again: handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from app.clock import now
from app.db import transaction
from app.tables import OutboxJob

log = logging.getLogger("legami.relay")

STALE_AFTER = timedelta(minutes=15)
BATCH = 200


async def relay_once(actors: dict[str, Any]) -> int:
    """Publish what is due; return how many rows were sent."""
    moment = now()
    due = await (
        OutboxJob.select(OutboxJob.id, OutboxJob.actor, OutboxJob.status)
        .where(
            ((OutboxJob.status == "pending") & (OutboxJob.available_at <= moment))
            | ((OutboxJob.status == "published") & (OutboxJob.published_at < moment - STALE_AFTER))
        )
        .order_by(OutboxJob.id)
        .limit(BATCH)
    )
    sent = 0
    for row in due:
        if not await _claim(row["id"], row["status"], moment):
            continue
        actor = actors.get(row["actor"])
        try:
            if actor is None:
                raise LookupError(f"no actor bound for {row['actor']!r}")
            actor.send(row["id"])
        except Exception as error:
            await _release(row["id"])
            log.warning("relay: broker unavailable, job #%s waits (%s)", row["id"], error)
            break
        sent += 1
    return sent


async def _claim(outbox_id: int, status: str, moment: Any) -> bool:
    async with transaction():
        claimed = await (
            OutboxJob.update({OutboxJob.status: "published", OutboxJob.published_at: moment})
            .where((OutboxJob.id == outbox_id) & (OutboxJob.status == status))
            .returning(OutboxJob.id)
        )
    return bool(claimed)


async def _release(outbox_id: int) -> None:
    async with transaction():
        await OutboxJob.update({OutboxJob.status: "pending"}).where(
            (OutboxJob.id == outbox_id) & (OutboxJob.status == "published")
        )


async def relay_forever(actors: dict[str, Any], interval: float = 0.5) -> None:
    """Run the relay until cancelled; errors are logged, never fatal."""
    while True:
        try:
            await relay_once(actors)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("relay: pass failed")
        await asyncio.sleep(interval)
