"""Job handlers by name, independent of the broker.

Domains register handlers with `@job("domain.event")`; `bind(broker)` turns each into
a dramatiq actor on the broker chosen at start-up, so the broker is always chosen
before any actor exists, and tests can bind the same handlers to Redis or RabbitMQ.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[[int, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {}

# Every module that registers jobs; the worker imports them all before binding.
JOB_MODULES = ("integrations.mail.jobs", "app.auth.links", "app.places", "surveys.jobs",
               "surveys.ballot", "surveys.reports.jobs", "community.jobs_initiatives",
               "civic.jobs_referrals", "civic.retention", "pacts.family.jobs",
               "pacts.reviews.jobs", "pacts.retention.jobs")


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


def load_all() -> dict[str, Handler]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return HANDLERS
