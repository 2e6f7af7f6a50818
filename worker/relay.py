"""Publish committed outbox rows to the broker.

A row is claimed (pending → published) before it is sent, so two relays never send
the same row; if the broker refuses it, the row goes back to pending and waits. A row
published or running for STALE_AFTER and still not done (a lost message, a crashed
worker) is sent again: handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from app.clock import now
from app.db import transaction
from app.tables import OutboxJob

log = logging.getLogger("legami.relay")

# Longer than dramatiq's 10-minute time limit and its longest back-off (MAX_BACKOFF_MS).
STALE_AFTER = timedelta(minutes=15)
BATCH = 200

# Sending blocks on the network (and for long when a broker host is unreachable), so it
# runs off the event loop; one thread keeps one broker connection and the row order.
_SENDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="legami-relay")


async def relay_once(actors: dict[str, Any]) -> int:
    """Publish what is due; return how many rows were sent."""
    moment = now()
    due = await (
        OutboxJob.select(OutboxJob.id, OutboxJob.actor, OutboxJob.status)
        .where(
            ((OutboxJob.status == "pending") & (OutboxJob.available_at <= moment))
            | (
                OutboxJob.status.is_in(["published", "running"])
                & (OutboxJob.published_at < moment - STALE_AFTER)
            )
        )
        .order_by(OutboxJob.id)
        .limit(BATCH)
    )
    loop = asyncio.get_running_loop()
    sent = 0
    for row in due:
        actor = actors.get(row["actor"])
        if actor is None:
            # Nothing could ever run it; left pending it would hold up every later row.
            await _fail(row["id"], row["status"], f"no job registered as {row['actor']!r}")
            continue
        if not await _claim(row["id"], row["status"], moment):
            continue
        try:
            await loop.run_in_executor(_SENDER, actor.send, row["id"])
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


async def _fail(outbox_id: int, status: str, reason: str) -> None:
    log.error("relay: job #%s failed: %s", outbox_id, reason)
    async with transaction():
        await OutboxJob.update({OutboxJob.status: "failed", OutboxJob.last_error: reason}).where(
            (OutboxJob.id == outbox_id) & (OutboxJob.status == status)
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
