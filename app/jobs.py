"""Job handlers by name, independent of the broker.

The kernel and the domains register handlers with `@job("domain.event")` (legami/jobs.py
imports every such module); the worker's `bind(broker)` turns each into a dramatiq actor
on the broker chosen at start-up, so the broker is always chosen before any actor
exists, and tests can bind the same handlers to Redis or RabbitMQ. The registry sits in
the kernel so that the kernel's own jobs (places, the sign-in link) name nothing above
it; the worker reads it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[[int, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {}


def job(name: str) -> Callable[[Handler], Handler]:
    """Register `handler(outbox_id, payload)` as the job `name` ("domain.event").

    Handlers must be idempotent: a message can arrive twice.
    """

    def register(handler: Handler) -> Handler:
        if name in HANDLERS and HANDLERS[name] is not handler:
            raise ValueError(f"job {name!r} is registered twice")
        HANDLERS[name] = handler
        return handler

    return register
