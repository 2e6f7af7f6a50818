"""The in-process worker of the embedded default: a dramatiq worker on the stub broker."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import dramatiq
from dramatiq import Worker

from worker.broker import bind, make_broker
from worker.relay import relay_forever


class EmbeddedWorker:
    """Started and stopped by the web app's lifespan when BROKER_URL is `embedded`."""

    def __init__(self, broker: dramatiq.Broker | None = None) -> None:
        self.broker = broker or make_broker(url="embedded")
        self.actors = bind(self.broker)
        self.worker = Worker(self.broker, worker_threads=2, worker_timeout=100)
        self._relay: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        self.worker.start()
        self._relay = asyncio.create_task(relay_forever(self.actors, interval=0.3))

    async def stop(self) -> None:
        if self._relay:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
        await asyncio.to_thread(self.worker.stop)
