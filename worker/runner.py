"""Run one outbox job: load the row, call its handler under a lease, mark the outcome.

A row moves pending → published (relay) → running (here) → done or failed; after a
failure that may be retried it goes back to published. Claiming `running` means two
deliveries of one message never run its handler at the same time. The running row
holds a lease (`lease_until`, JOB_LEASE_SECONDS) that the runner renews every quarter
of it: a worker that dies mid-job stops renewing, and the relay of any worker publishes
the row again once the lease has run out. A runner that finds its lease taken (it was
cut off from the database for longer than the lease) stops its handler.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import timedelta
from typing import Any

from app.clock import now
from app.db import transaction
from app.jobs import HANDLERS
from app.settings import get_settings
from app.startup import Unavailable, check_database, database_problem
from app.tables import OutboxJob

log = logging.getLogger("legami.jobs")

RUNNABLE = ("pending", "published")
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 10 * 60_000


class JobFailed(Exception):
    """Raised so dramatiq retries with back-off; the outbox row keeps the reason."""


def backoff(attempts: int) -> timedelta:
    """The longest wait dramatiq puts before retry number `attempts`."""
    return timedelta(milliseconds=min(MIN_BACKOFF_MS * 2 ** min(attempts, 20), MAX_BACKOFF_MS))


async def run_job(outbox_id: int, max_retries: int | None = None,
                  lease_seconds: int | None = None) -> None:
    """Run job `outbox_id` once; raise `JobFailed` while it may still be retried.

    The row counts the attempts, so a redelivered or re-sent message adds no retries:
    after `max_retries` (default JOB_MAX_RETRIES) retries the row is `failed`.
    """
    settings = get_settings()
    max_retries = settings.job_max_retries if max_retries is None else max_retries
    lease = timedelta(seconds=lease_seconds or settings.job_lease_seconds)
    row = await OutboxJob.objects().where(OutboxJob.id == outbox_id).first()
    if row is None or row.status not in RUNNABLE:
        return  # done, failed or running: a redelivered message has no second effect
    handler = HANDLERS.get(row.actor)
    if handler is None:
        await _record_failure(row, "", f"no handler for job {row.actor!r}", final=True)
        return
    token = await _start(outbox_id, row.status, lease)
    if token is None:
        return
    work = asyncio.ensure_future(handler(outbox_id, json.loads(row.payload)))
    keeper = _LeaseKeeper(outbox_id, token, lease, work)
    try:
        await work
    except asyncio.CancelledError:
        if not keeper.lost:
            raise
        log.warning("job %s #%s stopped: its lease passed to another worker", row.actor,
                    outbox_id)
        return
    except Exception as error:
        if await _database_outage(error):
            # The database went away under the handler: an outage, not the job's failure.
            # Nothing is counted against it; the lease brings it back (one line, no trace).
            raise
        final = row.attempts + 1 > max_retries
        await _record_failure(row, token, f"{type(error).__name__}: {error}", final=final)
        log.warning("job %s #%s failed (attempt %s)", row.actor, outbox_id, row.attempts + 1)
        if not final:
            raise JobFailed(f"job {row.actor} #{outbox_id}") from error
        return
    finally:
        keeper.stop()
    async with transaction():
        await OutboxJob.update(
            {OutboxJob.status: "done", OutboxJob.done_at: now(), OutboxJob.last_error: "",
             OutboxJob.lease_until: None, OutboxJob.lease_token: ""}
        ).where((OutboxJob.id == outbox_id) & (OutboxJob.lease_token == token))


async def _database_outage(error: Exception) -> bool:
    """Whether the handler's `error` is the database going away, not the job failing.

    A plain OSError may be the mail server as well as the database: it counts as an
    outage only when the database does not answer now.
    """
    if database_problem(error) is None:
        return False
    if not isinstance(error, OSError):
        return True
    try:
        await check_database()
    except Unavailable:
        return True
    return False


async def _start(outbox_id: int, status: str, lease: timedelta) -> str | None:
    """Claim the row as running under a new lease; return its token, None if taken."""
    token = secrets.token_hex(16)
    moment = now()
    async with transaction():
        started = await (
            OutboxJob.update({OutboxJob.status: "running", OutboxJob.published_at: moment,
                              OutboxJob.lease_until: moment + lease,
                              OutboxJob.lease_token: token})
            .where((OutboxJob.id == outbox_id) & (OutboxJob.status == status))
            .returning(OutboxJob.id)
        )
    return token if started else None


class _LeaseKeeper:
    """Renews a running job's lease every quarter of it; cancels the job if it was taken."""

    def __init__(self, outbox_id: int, token: str, lease: timedelta,
                 work: asyncio.Future[Any]) -> None:
        self.outbox_id, self.token, self.lease, self.work = outbox_id, token, lease, work
        self.lost = False
        self._task = asyncio.ensure_future(self._renew_until_done())

    def stop(self) -> None:
        self._task.cancel()

    async def _renew_until_done(self) -> None:
        warned = False
        while not self.work.done():
            await asyncio.sleep(self.lease.total_seconds() / 4)
            try:
                renewed = await self._renew()
            except Exception as error:  # the database is away: the handler will notice too
                if not warned:
                    log.warning("job #%s: lease not renewed (%s)", self.outbox_id,
                                type(error).__name__)
                    warned = True
                continue
            if not renewed:
                self.lost = True
                self.work.cancel()
                return

    async def _renew(self) -> bool:
        renewed = await (
            OutboxJob.update({OutboxJob.lease_until: now() + self.lease})
            .where((OutboxJob.id == self.outbox_id) & (OutboxJob.lease_token == self.token)
                   & (OutboxJob.status == "running"))
            .returning(OutboxJob.id)
        )
        return bool(renewed)


async def _record_failure(row: OutboxJob, token: str, reason: str, final: bool) -> None:
    """Count the attempt; a row to be retried is published until dramatiq's back-off ends,
    so the relay sends it again only if that retry's message is lost."""
    which: Any = OutboxJob.id == row.id
    if token:
        which &= OutboxJob.lease_token == token
    async with transaction():
        await OutboxJob.update(
            {
                OutboxJob.attempts: OutboxJob.attempts + 1,
                OutboxJob.last_error: reason[:2000],
                OutboxJob.status: "failed" if final else "published",
                OutboxJob.published_at: now() + backoff(row.attempts + 1),
                OutboxJob.lease_until: None,
                OutboxJob.lease_token: "",
            }
        ).where(which)
