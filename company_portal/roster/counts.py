"""Counts over the roster for other domains (the program dashboard): they call this
service instead of reading the roster table."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from app.values import as_uuid
from company_portal.tables import RosterEntry


async def active_workers(company_ids: list[UUID], until: datetime | None) -> dict[UUID, int]:
    """People on each company's roster (active entries), as they were before `until`."""
    if not company_ids:
        return {}
    query = RosterEntry.select(RosterEntry.company, Count(alias="n")).where(
        RosterEntry.active.eq(True) & RosterEntry.company.is_in(company_ids)
    ).group_by(RosterEntry.company)
    if until is not None:
        query = query.where(RosterEntry.created_at < until)
    return {as_uuid(r["company"]): int(r["n"]) for r in await query}
