"""Publish committed outbox rows to the broker.

A row is claimed (pending → published) before it is sent, so two relays never send
the same row; if the broker refuses it, the row goes back to pending and waits. Two
kinds of row are sent again (handlers are idempotent), JOB_LEASE_SECONDS after the
fact, so within a minute by default: a row published that long ago and not started (its
message was lost, say by a broker restarted empty), and a running row whose lease ran
out (its worker died or lost the database).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from piccolo.columns.combination import Where

from app.clock import now
from app.db import transaction
from app.settings import get_settings
from app.startup import database_problem
from app.tables import OutboxJob

log = logging.getLogger("legami.relay")

BATCH = 200
OUTAGE_PAUSE = 2.0  # seconds between tries while the database is away

# Sending blocks on the network (and for long when a broker host is unreachable), so it
# runs off the event loop; one thread keeps one broker connection and the row order.
_SENDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="legami-relay")


def _due(status: str, moment: Any) -> Where:
    """Rows of `status` that are due to be sent (see the module's docstring)."""
    lease = timedelta(seconds=get_settings().job_lease_seconds)
    if status == "pending":
        return (OutboxJob.status == "pending") & (OutboxJob.available_at <= moment)
    if status == "published":
        return (OutboxJob.status == "published") & (OutboxJob.published_at < moment - lease)
    return (OutboxJob.status == "running") & (
        (OutboxJob.lease_until < moment)
        | (OutboxJob.lease_until.is_null() & (OutboxJob.published_at < moment - lease)))


async def relay_once(actors: dict[str, Any]) -> int:
    """Publish what is due; return how many rows were sent."""
    moment = now()
    due = await (
        OutboxJob.select(OutboxJob.id, OutboxJob.actor, OutboxJob.status)
        .where(_due("pending", moment) | _due("published", moment) | _due("running", moment))
        .order_by(OutboxJob.id)
        .limit(BATCH)
    )
    runnable = []
    for row in due:
        if row["actor"] in actors:
            runnable.append(row)
        else:
            # Nothing could ever run it; left pending it would hold up every later row.
            await _fail(row["id"], row["status"], f"no job registered as {row['actor']!r}")
    claimed = await _claim(runnable, moment)
    sent = await asyncio.get_running_loop().run_in_executor(_SENDER, _send, actors, claimed)
    if len(sent) < len(claimed):
        await _release([row["id"] for row in claimed[len(sent):]])
    return len(sent)


def _send(actors: dict[str, Any], rows: list[dict[str, Any]]) -> list[int]:
    """Send rows in order until the broker refuses one; return the ids sent."""
    sent: list[int] = []
    for row in rows:
        try:
            actors[row["actor"]].send(row["id"])
        except Exception as error:
            log.warning("relay: broker unavailable, job #%s waits (%s)", row["id"], error)
            break
        sent.append(row["id"])
    return sent


async def _claim(rows: list[dict[str, Any]], moment: Any) -> list[dict[str, Any]]:
    """Claim rows in one statement per status; another relay's claims are skipped, and
    so is a row that became not due meanwhile (a lease just renewed)."""
    claimed: set[int] = set()
    for status in {row["status"] for row in rows}:
        ids = [row["id"] for row in rows if row["status"] == status]
        async with transaction():
            updated = await (
                OutboxJob.update({OutboxJob.status: "published", OutboxJob.published_at: moment,
                                  OutboxJob.lease_until: None, OutboxJob.lease_token: ""})
                .where(OutboxJob.id.is_in(ids) & _due(status, moment))
                .returning(OutboxJob.id, OutboxJob.actor)
            )
        claimed.update(row["id"] for row in updated)
        if status != "pending" and updated:
            log.warning("relay: sending again %s (%s)", _ids(updated),
                        "worker gone" if status == "running" else "message lost")
    return [row for row in rows if row["id"] in claimed]


def _ids(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{row['actor']} #{row['id']}" for row in rows)


async def _release(ids: list[int]) -> None:
    async with transaction():
        await OutboxJob.update({OutboxJob.status: "pending"}).where(
            OutboxJob.id.is_in(ids) & (OutboxJob.status == "published")
        )


async def _fail(outbox_id: int, status: str, reason: str) -> None:
    log.error("relay: job #%s failed: %s", outbox_id, reason)
    async with transaction():
        await OutboxJob.update({OutboxJob.status: "failed", OutboxJob.last_error: reason}).where(
            (OutboxJob.id == outbox_id) & (OutboxJob.status == status)
        )


async def relay_forever(actors: dict[str, Any], interval: float = 0.5) -> None:
    """Run the relay until cancelled; errors are logged, never fatal.

    While the database is away the relay says so once and tries again every few
    seconds, quietly, then says when it is back.
    """
    waiting = False
    while True:
        sent = 0
        try:
            sent = await relay_once(actors)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            problem = database_problem(error)
            if problem is None:
                log.exception("relay: pass failed")
            elif not waiting:
                log.warning("relay: waiting: %s", problem)
            waiting = problem is not None
            await asyncio.sleep(OUTAGE_PAUSE if waiting else interval)
            continue
        if waiting:
            log.info("relay: the database answers again")
            waiting = False
        if sent < BATCH:  # a full batch means more may be waiting: go on at once
            await asyncio.sleep(interval)
