"""The production worker (`legami worker`): dramatiq consumers and the outbox relay.

The actors run on the event loop thread of dramatiq's AsyncIO middleware, the relay
on the main thread's loop. Two loops share the database engine, so it must not hold a
connection pool (a pool belongs to one loop): without one, piccolo opens a connection
per query on whichever loop runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

import dramatiq
from dramatiq import Worker

from app.db import close_pool, open_pool
from app.settings import ConfigError, get_settings
from app.startup import Unavailable, check_database, smtp_problem
from worker.broker import bind, broker_problem, make_broker
from worker.relay import relay_forever

log = logging.getLogger("legami.worker")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run_worker(processes_threads: int = 4) -> None:
    """Run jobs from Redis or RabbitMQ with `processes_threads` threads until SIGTERM/SIGINT."""
    settings = get_settings()
    if settings.broker_kind not in ("redis", "amqp"):
        raise ConfigError(
            f"BROKER_URL: the worker needs a redis:// or amqp:// broker, not "
            f"'{settings.broker_url}'; set BROKER_URL (with 'embedded' the web process runs jobs)"
        )
    # Unless the caller set up logging, show what the worker and dramatiq report.
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    # During a database outage asyncpg's pool writes a traceback every second; the relay
    # says once that it waits instead.
    logging.getLogger("asyncpg.pool").setLevel(logging.ERROR)
    broker = make_broker(settings)
    _stop_on_signals()
    try:
        _wait_until_ready(broker)
    except KeyboardInterrupt:
        log.info("worker: stopped")
        return
    serve(broker, bind(broker, settings), processes_threads)


def _stop_on_signals() -> None:
    """SIGTERM and SIGINT stop the worker while it waits, even when the shell that
    started it ignores SIGINT (a job started with `&` inherits that)."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)


def _wait_until_ready(broker: dramatiq.Broker, pause: float = 5.0) -> None:
    """Wait until the database and the broker answer, saying once what is awaited.

    A mail server that does not answer is said once too, but not waited for: mail jobs
    wait in the outbox and retry.
    """
    if problem := smtp_problem():
        log.warning("worker: %s", problem)
    said: set[str] = set()
    pika = logging.getLogger("pika")  # logs each failed connection with its traceback
    level = pika.level
    pika.setLevel(logging.CRITICAL)
    try:
        while problem := _database_now() or broker_problem(broker):
            if problem not in said:
                log.warning("worker: waiting: %s", problem)
                said.add(problem)
            time.sleep(pause)
    finally:
        pika.setLevel(level)
    if said:
        log.info("worker: the database and the broker answer; starting")


def _database_now() -> str | None:
    try:
        asyncio.run(check_database())
    except Unavailable as problem:
        return str(problem)
    return None


def serve(broker: dramatiq.Broker, actors: dict[str, Any], threads: int) -> None:
    """Consume `broker` and relay the outbox to `actors` until a stop signal."""
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    try:
        asyncio.run(_relay_until_stopped(actors))
    finally:
        # Waits for the jobs in progress; unstarted messages go back to the broker.
        worker.stop()
        broker.close()
        log.info("worker: stopped")


async def _relay_until_stopped(actors: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    log.info("worker: running %d job types, relaying the outbox", len(actors))
    await open_pool()
    relay = asyncio.create_task(relay_forever(actors))
    try:
        await stop.wait()
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await close_pool()
