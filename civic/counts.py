"""Counts over families, pupils and Civic Center activities, for the program dashboard.

Only totals per school or per Civic Center leave this module, never a person. A pupil
is *reached* when they hold an enrolled place in at least one Civic Center activity;
their family is reached with them. `until` (UTC) keeps what existed before the end of
a period; None counts everything to date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from app import places
from app.tables import Seat
from app.values import as_uuid
from civic.tables import Activity, Attendance, Family, Pupil

PUPIL = "pupil"


@dataclass(frozen=True)
class Registered:
    families: int = 0
    pupils: int = 0


@dataclass(frozen=True)
class Reached:
    pupils: int = 0
    families: int = 0


@dataclass(frozen=True)
class ActivityRef:
    id: UUID
    civic_center_id: UUID
    pool_id: UUID | None


@dataclass
class CenterCount:
    activities: int = 0
    capacity: int = 0
    enrolled: int = 0
    waitlisted: int = 0


async def registered_by_school(until: datetime | None = None) -> dict[UUID, Registered]:
    """Families and pupils registered per school (before `until`)."""
    families = Family.select(Family.school, Count(alias="n")).group_by(Family.school)
    pupils = (Pupil.select(Pupil.family.school.as_alias("school"), Count(alias="n"))
              .group_by(Pupil.family.school))
    if until is not None:
        families = families.where(Family.created_at < until)
        pupils = pupils.where(Pupil.family.created_at < until)
    counts: dict[UUID, dict[str, int]] = defaultdict(dict)
    for row in await families:
        counts[as_uuid(row["school"])]["families"] = int(row["n"])
    for row in await pupils:
        counts[as_uuid(row["school"])]["pupils"] = int(row["n"])
    return {school: Registered(**values) for school, values in counts.items()}


def _runs_in(row: dict[str, Any], starts_on: date | None, ends_on: date | None) -> bool:
    """Whether an activity's dates meet the period (undated activities always do)."""
    if starts_on is None or ends_on is None:
        return True
    begins, ends = row["starts_on"], row["ends_on"]
    return (begins is None or begins <= ends_on) and (ends is None or ends >= starts_on)


async def activities_in(starts_on: date | None = None, ends_on: date | None = None,
                        until: datetime | None = None) -> list[ActivityRef]:
    """Published or closed activities that run in the period (all of them when None)."""
    query = Activity.select(Activity.id, Activity.civic_center, Activity.pool,
                            Activity.starts_on, Activity.ends_on).where(
        Activity.status != "draft")
    if until is not None:
        query = query.where(Activity.created_at < until)
    return [ActivityRef(as_uuid(row["id"]), as_uuid(row["civic_center"]),
                        as_uuid(row["pool"]) if row["pool"] else None)
            for row in await query if _runs_in(row, starts_on, ends_on)]


def _pool_ids(activities: list[ActivityRef]) -> list[UUID]:
    return [a.pool_id for a in activities if a.pool_id is not None]


async def reached_by_school(activities: list[ActivityRef],
                            until: datetime | None = None) -> dict[UUID, Reached]:
    """Pupils enrolled in at least one of `activities`, and their families, per school."""
    pool_ids = _pool_ids(activities)
    if not pool_ids:
        return {}
    seats = Seat.select(Seat.holder_id).where(
        (Seat.holder_kind == PUPIL) & (Seat.status == "enrolled") & Seat.pool.is_in(pool_ids))
    if until is not None:
        seats = seats.where(Seat.created_at < until)
    return await _by_school(seats)


async def _by_school(pupils: Any) -> dict[UUID, Reached]:
    """The pupils of a sub-query (their ids) and their families, counted per school."""
    rows = await (Pupil.select(
        Pupil.family.school.as_alias("school"),
        Count(distinct=[Pupil.id], alias="pupils"),
        Count(distinct=[Pupil.family], alias="families"),
    ).where(Pupil.id.is_in(pupils)).group_by(Pupil.family.school))
    return {as_uuid(row["school"]): Reached(int(row["pupils"]), int(row["families"]))
            for row in rows}


async def by_civic_center(activities: list[ActivityRef]) -> dict[UUID, CenterCount]:
    """Per Civic Center: its activities, their places, places used and waitlists today."""
    states = await places.pool_states(_pool_ids(activities))
    counts: dict[UUID, CenterCount] = defaultdict(CenterCount)
    for activity in activities:
        count = counts[activity.civic_center_id]
        count.activities += 1
        state = states.get(activity.pool_id) if activity.pool_id else None
        if state is not None:
            count.capacity += state.capacity
            count.enrolled += state.enrolled
            count.waitlisted += state.waitlisted
    return dict(counts)


async def attended_by_school(starts_on: date | None, ends_on: date) -> dict[UUID, Reached]:
    """Pupils marked present at least once in a session of the period, and their
    families, per school: who took part, not only who holds a place."""
    present = Attendance.select(Attendance.pupil).where(
        (Attendance.present == True) & (Attendance.session_on <= ends_on))  # noqa: E712
    if starts_on is not None:
        present = present.where(Attendance.session_on >= starts_on)
    return await _by_school(present)
