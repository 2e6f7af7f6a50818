"""The pacts' figures for the program and the funder: counts only, computed in the
database, each shown only from 5 up (a count from 1 to 4 is None: "fewer than 5") and in
steps of 5 (rounded down), so two looks at any figure, a day or a report apart, differ
by 0 or by 5 and more: a pact accepted, closed or reviewed between them is never
singled out. No name, no pact id, no team leaves this module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar.exceptions import PermissionDeniedException
from piccolo.query.functions.aggregate import Count

from app.auth.caller import Caller
from pacts.tables import Pact, PactReview

MIN_COUNT = 5


def shown(count: int) -> int | None:
    """None for 1 to 4, otherwise the count rounded down to a multiple of 5."""
    return None if 0 < count < MIN_COUNT else count // MIN_COUNT * MIN_COUNT


class PactFigures(msgspec.Struct):
    beneficiaries: int | None  # pacts accepted by the family (the program's target)
    active: int | None
    closed: int | None
    by_source: dict[str, int | None]
    by_outcome: dict[str, int | None]
    reviews_held: int | None
    ladder_improved: int | None  # held reviews whose ladder rose from before to after


async def _grouped(column: Any, where: Any) -> dict[str, int | None]:
    rows = await Pact.select(column.as_alias("key"), Count(alias="n")).where(
        where).group_by(column)
    return {row["key"]: shown(row["n"]) for row in rows if row["key"]}


async def beneficiaries(start: datetime | None = None,
                        end: datetime | None = None) -> int | None:
    """Pacts accepted by the family (in the period when given), with the threshold."""
    where: Any = Pact.accepted_at.is_not_null()
    if start is not None:
        where = where & (Pact.accepted_at >= start)
    if end is not None:
        where = where & (Pact.accepted_at < end)
    return shown(await Pact.count().where(where))


async def pact_figures(caller: Caller, start: datetime | None = None,
                       end: datetime | None = None) -> PactFigures:
    """Program staff only; pacts accepted in the period (all to date when None)."""
    if not caller.is_program_staff:
        raise PermissionDeniedException()
    where: Any = Pact.accepted_at.is_not_null()
    review_where: Any = PactReview.held_at.is_not_null()
    if start is not None:
        where = where & (Pact.accepted_at >= start)
        review_where = review_where & (PactReview.held_at >= start)
    if end is not None:
        where = where & (Pact.accepted_at < end)
        review_where = review_where & (PactReview.held_at < end)
    return PactFigures(
        beneficiaries=shown(await Pact.count().where(where)),
        active=shown(await Pact.count().where(where & (Pact.status == "active"))),
        closed=shown(await Pact.count().where(where & (Pact.status == "closed"))),
        by_source=await _grouped(Pact.source, where),
        by_outcome=await _grouped(Pact.outcome, where & (Pact.status == "closed")),
        reviews_held=shown(await PactReview.count().where(review_where)),
        ladder_improved=shown(await PactReview.count().where(
            review_where & PactReview.ladder_after.is_not_null()
            & PactReview.ladder_before.is_not_null()
            & (PactReview.ladder_after > PactReview.ladder_before))))
