"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from app.db import engine


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(state: State) -> Response[dict[str, Any]]:
    """The database and the broker answer."""
    checks = {"database": await _database(), "broker": await _broker(state)}
    ready = all(value == "ok" for value in checks.values())
    return Response({"status": "ok" if ready else "unavailable", **checks},
                    status_code=200 if ready else 503)


async def _database() -> str:
    try:
        await asyncio.wait_for(engine().run_querystring(_select_one()), timeout=5)
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _select_one() -> Any:
    from piccolo.querystring import QueryString

    return QueryString("SELECT 1")


async def _broker(state: State) -> str:
    broker = state.get("broker")
    if broker is None:
        return "error: no broker"
    client = getattr(broker, "client", None)  # Redis
    try:
        if client is not None:
            await asyncio.to_thread(client.ping)
        elif hasattr(broker, "connection"):  # RabbitMQ
            await asyncio.to_thread(lambda: broker.connection)
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"
