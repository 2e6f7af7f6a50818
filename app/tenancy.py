"""Tenant scoping: the one helper every service query goes through.

Program staff reach every organization; everyone else reaches only the
organizations they are members of. What is out of reach does not exist: 404.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from litestar.exceptions import NotFoundException
from piccolo.columns import Column
from piccolo.query import Objects, Select

from app.auth.caller import Caller

Q = TypeVar("Q", Select, Objects)  # type: ignore[type-arg]


def reachable(caller: Caller, *roles: str) -> set[UUID] | None:
    """Organization ids the caller may reach with `roles`; None means every one."""
    if caller.is_program_staff:
        return None
    return caller.organization_ids(*roles)


def scoped(query: Q, column: Column, caller: Caller, *roles: str) -> Q:
    """Restrict `query` to rows whose organization `column` the caller may reach."""
    allowed = reachable(caller, *roles)
    if allowed is None:
        return query
    if not allowed:
        return query.where(column.is_null() & column.is_not_null())
    return query.where(column.is_in(list(allowed)))


def reaches(caller: Caller, organization_id: UUID | None, *roles: str) -> bool:
    """Whether the caller reaches the organization with `roles` (program staff reach
    every one, and alone reach what belongs to no organization: None)."""
    allowed = reachable(caller, *roles)
    return allowed is None or organization_id in allowed


def ensure_reachable(caller: Caller, organization_id: UUID, *roles: str) -> None:
    """Out of reach is 404: what the caller may not reach does not exist for them."""
    if not reaches(caller, organization_id, *roles):
        raise NotFoundException()


async def first_or_404(query: Any) -> Any:
    row = await query.first()
    if row is None:
        raise NotFoundException()
    return row
