"""The dramatiq broker from BROKER_URL, and actors bound to it."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Middleware

from app.jobs import HANDLERS
from app.settings import ConfigError, Settings, get_settings
from app.startup import Unavailable, database_problem
from worker.runner import MAX_BACKOFF_MS, MIN_BACKOFF_MS, JobFailed, run_job

QUEUE = "legami"
DEFAULT_PORTS = {"redis": 6379, "rediss": 6379, "amqp": 5672, "amqps": 5671}


class DatabasePool(Middleware):
    """Open a PostgreSQL pool on the worker's event loop (added after AsyncIO)."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        from app.db import open_pool

        _on_worker_loop(open_pool)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        from app.db import close_pool

        _on_worker_loop(close_pool)


def _on_worker_loop(coroutine: Any) -> None:
    loop_thread = get_event_loop_thread()
    if loop_thread is not None:
        loop_thread.run_coroutine(coroutine())


def make_broker(settings: Settings | None = None, url: str | None = None) -> dramatiq.Broker:
    """Build the broker: embedded (in-process), Redis or RabbitMQ.

    Async actors run on the event loop thread of the AsyncIO middleware, which every
    broker gets here; the global broker (`dramatiq.set_broker`) is never used.
    """
    url = url or (settings or get_settings()).broker_url
    scheme = url.split("://", 1)[0]
    kind = {"rediss": "redis", "amqps": "amqp"}.get(scheme, scheme)
    broker: dramatiq.Broker
    if kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    elif kind == "amqp":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Confirmed publishing: a send that returns is on the broker, so the relay
        # never marks as published a job the broker did not take.
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    elif kind == "embedded":
        broker = StubBroker(fail_fast_default=False)
    else:
        raise ConfigError(f"BROKER_URL: unknown scheme '{scheme}'; use embedded, redis or amqp")
    broker.add_middleware(AsyncIO())
    broker.add_middleware(DatabasePool())
    broker.legami_url = url  # type: ignore[union-attr]  # for broker_problem
    return broker


def bind(
    broker: dramatiq.Broker, settings: Settings | None = None, *, queue: str = QUEUE
) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare one dramatiq actor per registered job on `broker`; return them by name."""
    max_retries = (settings or get_settings()).job_max_retries
    return {
        name: dramatiq.actor(
            actor_name=name,
            queue_name=queue,
            broker=broker,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            retry_when=_retry_when(max_retries),
            # A database outage: logged by dramatiq in one line, without a traceback, and
            # not retried by dramatiq; the relay sends the job again once its lease ends.
            throws=(Unavailable,),
        )(_runner(max_retries))
        for name in HANDLERS
    }


def _runner(max_retries: int) -> Any:
    async def run(outbox_id: int) -> None:
        try:
            await run_job(outbox_id, max_retries=max_retries)
        except JobFailed:
            raise
        except Exception as error:
            # An outage, not a bug: one line; the lease brings the job back afterwards.
            problem = database_problem(error)
            if problem is None:
                raise
            raise Unavailable(problem) from None

    return run


def _retry_when(max_retries: int) -> Any:
    """When dramatiq retries a message (with exponential back-off from MIN_BACKOFF_MS).

    A failed handler (`JobFailed`) is retried for as long as run_job raises it: the row
    counts the attempts, and run_job stops raising once they pass `max_retries`. Other
    errors (a time limit) are retried `max_retries` times; after that, as after a
    database outage (`Unavailable`, which dramatiq does not retry), the row's lease runs
    out and the relay sends it again.
    """

    def retry(retries_so_far: int, error: BaseException) -> bool:
        return isinstance(error, JobFailed) or retries_so_far < max_retries

    return retry


def broker_problem(broker: dramatiq.Broker) -> str | None:
    """One line when the broker does not answer or refuses us, else None."""
    url = urlsplit(getattr(broker, "legami_url", ""))
    where = f"{url.hostname or 'localhost'}:{url.port or DEFAULT_PORTS.get(url.scheme, '')}"
    try:
        client = getattr(broker, "client", None)  # Redis
        if client is not None:
            client.ping()
        elif hasattr(broker, "connection"):  # RabbitMQ: opens the thread's connection
            broker.connection  # noqa: B018
    except Exception as error:
        name = type(error).__name__
        if "Authentication" in name or "AccessDenied" in name:
            return (f"BROKER_URL: the broker at {where} refused the user "
                    f"'{unquote(url.username or '')}'; check the user name, password and "
                    "virtual host")
        return (f"BROKER_URL: cannot reach the broker at {where} ({name}); check that it is "
                "running and that the host and port are right")
    return None
