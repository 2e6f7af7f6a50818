"""Route guards: signed in, and holding one of the roles a route needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from app.auth.caller import Caller
from app.roles import PROGRAM_ADMIN

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], Any], None]


def current_caller(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller | None:
    return connection.scope.get("state", {}).get("caller")


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
    if current_caller(connection) is None:
        raise NotAuthorizedException()


def roles(*allowed: str) -> Guard:
    """Allow callers holding any of `allowed` in some organization."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
        caller = current_caller(connection)
        if caller is None:
            raise NotAuthorizedException()
        if not caller.has_role(*allowed):
            raise PermissionDeniedException()

    return guard


program_admin = roles(PROGRAM_ADMIN)
