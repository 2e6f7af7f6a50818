"""Small helpers shared by pages and API handlers."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from app.auth.caller import Caller


def caller_of(request: Request[Any, Any, Any]) -> Caller:
    """The signed-in caller; guards have already refused anonymous requests."""
    caller = request.scope.get("state", {}).get("caller")
    if caller is None:
        raise NotAuthorizedException()
    return caller


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def form_of(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if key != "_csrf_token"}
