"""Small helpers shared by pages and API handlers."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from app.auth.caller import Caller
from app.settings import get_settings


def caller_of(request: Request[Any, Any, Any]) -> Caller:
    """The signed-in caller; guards have already refused anonymous requests."""
    caller = request.scope.get("state", {}).get("caller")
    if caller is None:
        raise NotAuthorizedException()
    return caller


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The address rate limits count: the peer, or what trusted proxies say it forwarded.

    X-Forwarded-For is read right to left, skipping trusted proxies: the first other
    address is the client (entries further left were written by the client itself).
    """
    peer = request.client.host if request.client else "unknown"
    trusted = get_settings().trusted_proxies
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [part.strip() for part in
                 ",".join(request.headers.getall("x-forwarded-for", [])).split(",")]
    for hop in reversed([part for part in forwarded if part]):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_trusted(address: str, trusted: tuple[Any, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


async def form_of(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if key != "_csrf_token"}
