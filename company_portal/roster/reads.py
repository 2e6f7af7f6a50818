"""What other domains read of the roster (a wave's invitations, the comment scrubber):
they call these functions instead of reading the roster table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from company_portal.tables import RosterEntry


async def active_people(companies: list[UUID], groups: Iterable[str] = ()
                        ) -> list[dict[str, Any]]:
    """The companies' active entries in roster order: id, company, e-mail and the
    values of the roster fields `groups` (department, site)."""
    if not companies:
        return []
    columns = [getattr(RosterEntry, key) for key in groups]
    return await RosterEntry.select(  # type: ignore[no-any-return]
        RosterEntry.id, RosterEntry.company, RosterEntry.email, *columns
    ).where(RosterEntry.company.is_in(companies) & RosterEntry.active.eq(True)).order_by(
        RosterEntry.id)


async def active_person(email: str, companies: Iterable[UUID]) -> dict[str, Any] | None:
    """The first active entry with this address in one of the companies, or None."""
    return await RosterEntry.select().where(  # type: ignore[no-any-return]
        RosterEntry.company.is_in(list(companies)) & RosterEntry.active.eq(True)
        & (RosterEntry.email == email.strip().lower())).order_by(RosterEntry.id).first()


async def names_and_refs(companies: list[UUID]) -> tuple[list[str], list[str]]:
    """The names and employee numbers on the companies' rosters (left and active alike)."""
    rows = await RosterEntry.select(RosterEntry.name, RosterEntry.employee_ref).where(
        RosterEntry.company.is_in(companies or [None]))
    return ([row["name"] for row in rows if row["name"]],
            [row["employee_ref"] for row in rows if row["employee_ref"]])
