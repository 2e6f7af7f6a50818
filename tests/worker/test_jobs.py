"""Jobs go through the outbox: sent only once committed, delivered by real brokers, run once.

The Redis and RabbitMQ tests need the brokers of TEST_REDIS_URL and TEST_RABBITMQ_URL;
without CI they are skipped when a broker is unreachable, with CI=true they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from app.clock import now
from app.db import transaction
from app.jobs import job
from app.outbox import enqueue, failed_jobs
from app.settings import ConfigError, Settings
from app.tables import AuditEvent, OutboxJob
from legami.jobs import JOB_MODULES
from worker.broker import MIN_BACKOFF_MS, bind, make_broker
from worker.embedded import EmbeddedWorker
from worker.main import run_worker
from worker.relay import relay_once
from worker.runner import JobFailed, run_job

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
DEFAULT_PORTS = {"redis": 6379, "rediss": 6379, "amqp": 5672, "amqps": 5671}
BROKERS = [pytest.param(REDIS_URL, id="redis"), pytest.param(RABBITMQ_URL, id="rabbitmq")]
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


@job("test.record")
async def record(outbox_id: int, payload: dict[str, Any]) -> None:
    """Leave one audit row per job, however often it runs."""
    if await _effects(outbox_id):
        return
    await asyncio.sleep(payload.get("pause", 0))  # widens the window for a second delivery
    await AuditEvent(
        action="test.record", detail={"outbox_id": outbox_id, "payload": payload}
    ).save()


@job("test.always_fails")
async def always_fails(outbox_id: int, payload: dict[str, Any]) -> None:
    await AuditEvent(action="test.attempt", detail={"outbox_id": outbox_id}).save()
    raise RuntimeError("the partner service is down")


@job("test.database_cut")
async def database_cut(outbox_id: int, payload: dict[str, Any]) -> None:
    # What a pooled connection cut by an outage raises when it is next used.
    raise asyncpg.InternalClientError("cannot switch to state 15; another operation is in "
                                      "progress")


@job("test.mail_refused")
async def mail_refused(outbox_id: int, payload: dict[str, Any]) -> None:
    raise ConnectionRefusedError(111, "Connection refused")  # the mail server, say


async def _effects(outbox_id: int, action: str = "test.record") -> list[dict[str, Any]]:
    rows = await (
        AuditEvent.select(AuditEvent.detail, AuditEvent.occurred_at)
        .where(AuditEvent.action == action)
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
    return [row for row in rows if row["detail"]["outbox_id"] == outbox_id]


async def _committed(actor: str = "test.record", **extra: Any) -> int:
    async with transaction():
        return await enqueue(actor, {"survey_id": 7, "language": "it", **extra})


async def _row(outbox_id: int) -> dict[str, Any]:
    row = await OutboxJob.select().where(OutboxJob.id == outbox_id).first()
    assert row is not None
    return row


async def _eventually(probe: Callable[[], Awaitable[Any]], timeout: float = 8.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := await probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout}s: {probe.__name__}")
        await asyncio.sleep(0.05)
    return result


def _done(outbox_id: int) -> Callable[[], Awaitable[bool]]:
    async def done() -> bool:
        return (await _row(outbox_id))["status"] == "done"

    return done


def _reachable(url: str) -> str:
    """`url`, or skip (fail with CI=true) when nothing listens there."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=1).close()
    except OSError as error:
        reason = f"broker {parts.scheme}://{parts.hostname}:{port} unreachable ({error})"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(f"{reason}; with CI=true this fails")
    return url


def _unreachable_like(url: str) -> str:
    """A broker URL of the same kind on a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    if url.startswith("redis"):
        return f"redis://127.0.0.1:{port}/0"
    return f"amqp://guest:guest@127.0.0.1:{port}/%2F"


def _drop(broker: dramatiq.Broker, queue: str) -> None:
    if isinstance(broker, RabbitmqBroker):
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            broker.channel.queue_delete(name)
    else:
        broker.flush(queue)


@contextlib.contextmanager
def _worker(url: str, settings: Settings | None = None) -> Iterator[dict[str, Any]]:
    """A dramatiq worker in this process, on its own broker and a queue of its own."""
    broker = make_broker(url=url)
    queue = f"legami-test-{secrets.token_hex(4)}"
    actors = bind(broker, settings, queue=queue)
    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        yield actors
    finally:
        worker.stop()
        _drop(broker, queue)
        broker.close()


async def test_rolled_back_change_sends_no_job() -> None:
    broker = make_broker(url="embedded")
    actors = bind(broker, queue="legami-rollback")

    with pytest.raises(RuntimeError):
        async with transaction():
            await enqueue("test.record", {"survey_id": 7})
            raise RuntimeError("the change fails after queuing its job")

    assert await OutboxJob.count() == 0
    assert await relay_once(actors) == 0
    assert broker.queues["legami-rollback"].qsize() == 0


@pytest.mark.parametrize("url", BROKERS)
async def test_committed_job_is_delivered_and_run_through_broker(url: str) -> None:
    _reachable(url)
    with _worker(url) as actors:
        outbox_id = await _committed()
        assert await relay_once(actors) == 1
        await _eventually(_done(outbox_id))

    [effect] = await _effects(outbox_id)
    assert effect["detail"]["payload"] == {"survey_id": 7, "language": "it"}
    assert (await _row(outbox_id))["attempts"] == 0


@pytest.mark.parametrize("url", BROKERS)
async def test_job_waits_while_broker_is_down_and_is_delivered_when_it_is_back(url: str) -> None:
    _reachable(url)
    broker_down = make_broker(url=_unreachable_like(url))
    actors_down = bind(broker_down, queue="legami-down")
    outbox_id = await _committed()

    for _ in range(2):
        assert await relay_once(actors_down) == 0
        assert (await _row(outbox_id))["status"] == "pending"
    broker_down.close()

    with _worker(url) as actors:
        assert await relay_once(actors) == 1
        await _eventually(_done(outbox_id))
    assert len(await _effects(outbox_id)) == 1


async def test_job_delivered_twice_has_one_effect() -> None:
    with _worker("embedded") as actors:
        outbox_id = await _committed(pause=0.3)
        assert await relay_once(actors) == 1
        actors["test.record"].send(outbox_id)  # delivered again while the first one runs
        await _eventually(_done(outbox_id))
        actors["test.record"].send(outbox_id)
        actor = actors["test.record"]
        await asyncio.to_thread(actor.broker.join, actor.queue_name, timeout=5000)
    await run_job(outbox_id)

    assert len(await _effects(outbox_id)) == 1
    assert (await _row(outbox_id))["status"] == "done"


async def test_job_run_again_after_its_completion_was_lost_has_one_effect() -> None:
    outbox_id = await _committed()
    await run_job(outbox_id)
    # The worker died after the handler but before marking the row done.
    await OutboxJob.update({OutboxJob.status: "published"}).where(OutboxJob.id == outbox_id)

    await run_job(outbox_id)

    assert len(await _effects(outbox_id)) == 1
    assert (await _row(outbox_id))["status"] == "done"


async def test_failing_job_is_retried_with_backoff_then_marked_failed(settings: Settings) -> None:
    one_retry = dataclasses.replace(settings, job_max_retries=1)
    with _worker("embedded", one_retry) as actors:
        outbox_id = await _committed("test.always_fails")
        assert await relay_once(actors) == 1

        async def failed() -> bool:
            return (await _row(outbox_id))["status"] == "failed"

        await _eventually(failed)

    row = await _row(outbox_id)
    assert row["attempts"] == 2
    assert row["last_error"] == "RuntimeError: the partner service is down"
    first, second = await _effects(outbox_id, "test.attempt")
    waited = second["occurred_at"] - first["occurred_at"]
    assert waited.total_seconds() >= MIN_BACKOFF_MS / 1000
    [listed] = await failed_jobs()
    assert listed["id"] == outbox_id
    assert listed["attempts"] == 2


async def test_failing_job_stops_after_max_retries() -> None:
    outbox_id = await _committed("test.always_fails")

    for _ in range(3):
        with pytest.raises(JobFailed):
            await run_job(outbox_id, max_retries=3)
    await run_job(outbox_id, max_retries=3)  # the last attempt: no more retries
    await run_job(outbox_id, max_retries=3)  # a late redelivery does nothing

    row = await _row(outbox_id)
    assert (row["status"], row["attempts"]) == ("failed", 4)
    assert len(await _effects(outbox_id, "test.attempt")) == 4
    assert [job["id"] for job in await failed_jobs()] == [outbox_id]


async def test_job_cut_off_by_a_database_outage_is_not_counted_as_failing(
    settings: Settings,
) -> None:
    if settings.db_engine != "postgres":
        pytest.skip("a cut connection is PostgreSQL's: run with LEGAMI_TEST_DB=postgres")
    outbox_id = await _committed("test.database_cut")

    with pytest.raises(asyncpg.InternalClientError):  # to the broker: one line, no retry
        await run_job(outbox_id, max_retries=3)

    row = await _row(outbox_id)  # running: its lease brings it back, no attempt spent
    assert (row["status"], row["attempts"], row["last_error"]) == ("running", 0, "")
    assert await failed_jobs() == []


async def test_job_whose_mail_server_refuses_is_a_failure_while_the_database_answers() -> None:
    outbox_id = await _committed("test.mail_refused")

    with pytest.raises(JobFailed):
        await run_job(outbox_id, max_retries=3)

    row = await _row(outbox_id)
    assert (row["status"], row["attempts"]) == ("published", 1)
    assert "ConnectionRefusedError" in row["last_error"]


async def test_job_nobody_registered_fails_without_holding_up_later_jobs() -> None:
    broker = make_broker(url="embedded")
    actors = bind(broker, queue="legami-unknown")
    async with transaction():
        unknown_id = await enqueue("test.nobody_knows", {})
    known_id = await _committed()

    assert await relay_once(actors) == 1

    assert (await _row(unknown_id))["status"] == "failed"
    assert (await _row(known_id))["status"] == "published"
    assert [job["id"] for job in await failed_jobs()] == [unknown_id]


async def test_embedded_worker_runs_job_end_to_end() -> None:
    embedded = EmbeddedWorker()
    await embedded.start()
    try:
        outbox_id = await _committed()
        await _eventually(_done(outbox_id))
    finally:
        await embedded.stop()

    [effect] = await _effects(outbox_id)
    assert effect["detail"]["payload"]["survey_id"] == 7


def test_every_module_that_registers_jobs_is_loaded_by_the_worker() -> None:
    registering = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in ("app", "surveys", "company_portal", "community", "civic", "integrations")
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"^@job\(", path.read_text(), re.MULTILINE)  # a decorator, not a docstring
    }
    assert registering <= set(JOB_MODULES)


def test_worker_refuses_the_embedded_broker(settings: Settings) -> None:
    assert settings.broker_url == "embedded"
    with pytest.raises(ConfigError, match="set BROKER_URL"):
        run_worker()


WORKER_SCRIPT = """
import sys
import tests.worker.test_jobs  # registers the test jobs
from worker.broker import bind, make_broker
from worker.main import serve
broker = make_broker(url=sys.argv[1])
serve(broker, bind(broker, queue=sys.argv[2]), 2)
"""


@pytest.mark.parametrize(
    ("url", "stop_signal"),
    [
        pytest.param(REDIS_URL, signal.SIGTERM, id="redis-sigterm"),
        pytest.param(RABBITMQ_URL, signal.SIGINT, id="rabbitmq-sigint"),
    ],
)
async def test_worker_process_runs_committed_jobs_and_stops_on_signal(
    url: str, stop_signal: signal.Signals
) -> None:
    _reachable(url)
    queue = f"legami-test-{secrets.token_hex(4)}"
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WORKER_SCRIPT, url, queue], cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        outbox_id = await _committed()
        await _eventually(_done(outbox_id), timeout=120)
        process.send_signal(stop_signal)
        _, stderr = await asyncio.to_thread(process.communicate, timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        broker = make_broker(url=url)
        _drop(broker, queue)
        broker.close()

    assert process.returncode == 0, stderr.decode()
    assert len(await _effects(outbox_id)) == 1


# Leases: a dead worker's job, a lost message ---------------------------------------------


async def test_job_of_a_dead_worker_is_sent_again_once_its_lease_has_run_out() -> None:
    broker = make_broker(url="embedded")
    actors = bind(broker, queue="legami-lease")
    dead, alive = await _committed(), await _committed()
    moment = now()
    await OutboxJob.update({OutboxJob.status: "running", OutboxJob.lease_token: "dead",
                            OutboxJob.lease_until: moment - timedelta(seconds=1)}).where(
        OutboxJob.id == dead)
    await OutboxJob.update({OutboxJob.status: "running", OutboxJob.lease_token: "alive",
                            OutboxJob.lease_until: moment + timedelta(seconds=30)}).where(
        OutboxJob.id == alive)

    assert await relay_once(actors) == 1

    assert (await _row(dead))["status"] == "published"
    assert (await _row(alive))["status"] == "running"
    await run_job(dead)
    assert (await _row(dead))["status"] == "done"
    assert len(await _effects(dead)) == 1


async def test_job_whose_message_was_lost_is_sent_again(settings: Settings) -> None:
    broker = make_broker(url="embedded")
    actors = bind(broker, queue="legami-lost")
    outbox_id = await _committed()
    assert await relay_once(actors) == 1
    broker.flush_all()  # the broker restarted empty
    assert await relay_once(actors) == 0  # just published: not lost yet

    lease = timedelta(seconds=settings.job_lease_seconds)
    await OutboxJob.update({OutboxJob.published_at: now() - lease - timedelta(seconds=1)}).where(
        OutboxJob.id == outbox_id)

    assert await relay_once(actors) == 1
    assert broker.queues["legami-lost"].qsize() == 1


async def test_running_job_renews_its_lease_and_stops_when_another_worker_took_it() -> None:
    outbox_id = await _committed(pause=60)
    running = asyncio.create_task(run_job(outbox_id, lease_seconds=2))

    async def leased() -> Any:
        row = await _row(outbox_id)
        return row["status"] == "running" and row["lease_until"]

    first = await _eventually(leased)
    await _eventually(lambda: _renewed_after(outbox_id, first))
    # The relay gave the row to another worker (this one was cut off for too long).
    await OutboxJob.update({OutboxJob.lease_token: "another"}).where(OutboxJob.id == outbox_id)

    await asyncio.wait_for(running, timeout=10)

    assert (await _row(outbox_id))["status"] == "running"
    assert await _effects(outbox_id) == []


async def _renewed_after(outbox_id: int, first: Any) -> bool:
    return (await _row(outbox_id))["lease_until"] > first
