"""The dramatiq broker from BROKER_URL, and actors bound to it."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from app.settings import Settings, get_settings
from worker.registry import load_all
from worker.runner import JobFailed, run_job

QUEUE = "legami"
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 10 * 60_000


def make_broker(settings: Settings | None = None, url: str | None = None) -> dramatiq.Broker:
    """Build the broker: embedded (in-process), Redis or RabbitMQ."""
    settings = settings or get_settings()
    url = url or settings.broker_url
    kind = {"rediss": "redis", "amqps": "amqp"}.get(url.split("://")[0], url.split("://")[0])
    broker: dramatiq.Broker
    if kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    elif kind == "amqp":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        broker = StubBroker(fail_fast_default=False)
    broker.add_middleware(AsyncIO())
    return broker


def bind(broker: dramatiq.Broker, settings: Settings | None = None) -> dict[str, Any]:
    """Declare one dramatiq actor per registered job on `broker`; return them by name."""
    settings = settings or get_settings()
    actors = {}
    for name in load_all():
        actors[name] = dramatiq.actor(
            _runner(),
            actor_name=name,
            queue_name=QUEUE,
            broker=broker,
            max_retries=settings.job_max_retries,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            retry_when=_retry_when(settings.job_max_retries),
        )
    return actors


def _runner() -> Any:
    async def run(outbox_id: int) -> None:
        await run_job(outbox_id)

    return run


def _retry_when(max_retries: int) -> Any:
    def retry(retries_so_far: int, error: BaseException) -> bool:
        return isinstance(error, JobFailed) and retries_so_far < max_retries

    return retry
