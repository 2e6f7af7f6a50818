"""What other domains read of waves (the program dashboard, a lab's pulse): they call
these functions instead of reading the surveys tables. Counts only, never a response."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from app.values import as_uuid
from surveys.tables import Invitation, Response, Wave


async def wave_row(wave_id: UUID) -> dict[str, Any] | None:
    """One wave's row, as `waves.service.wave_state` reads it."""
    return await Wave.select().where(Wave.id == wave_id).first()  # type: ignore[no-any-return]


async def wave_counts(closed_from: date | None, closed_until: date | None
                      ) -> tuple[int, int, int]:
    """Waves closed (between the two dates, when given), waves open, and the responses
    the closed waves gathered."""
    closed = Wave.select(Wave.id).where(Wave.status == "closed")
    if closed_from is not None and closed_until is not None:
        closed = closed.where((Wave.closes_on >= closed_from) & (Wave.closes_on <= closed_until))
    ids = [row["id"] for row in await closed]
    responses = int(await Response.count().where(Response.wave.is_in(ids))) if ids else 0
    waves_open = int(await Wave.count().where(Wave.status == "open"))
    return len(ids), waves_open, responses


async def turnout(closed_from: date | None, closed_until: date
                  ) -> tuple[dict[UUID, int], list[tuple[UUID, str]]]:
    """Invitations of the waves closed in the period per company, and who answered them:
    one (company, person) pair per answered invitation, the person being their account
    ("user:<id>") or their roster entry ("roster:<id>"). Envelope one only: never a
    response, for counts of the distinct people who took part."""
    waves = Wave.select(Wave.id).where(
        (Wave.status == "closed") & (Wave.closes_on <= closed_until))
    if closed_from is not None:
        waves = waves.where(Wave.closes_on >= closed_from)
    ids = [row["id"] for row in await waves]
    if not ids:
        return {}, []
    invited = {as_uuid(row["company"]): int(row["n"]) for row in await Invitation.select(
        Invitation.company, Count(alias="n")).where(Invitation.wave.is_in(ids)).group_by(
        Invitation.company)}
    rows = await Invitation.select(Invitation.company, Invitation.user,
                                   Invitation.roster_entry).where(
        Invitation.wave.is_in(ids) & (Invitation.answered == True))  # noqa: E712
    return invited, [(as_uuid(row["company"]), f"user:{as_uuid(row['user'])}" if row["user"]
                      else f"roster:{row['roster_entry']}") for row in rows]
