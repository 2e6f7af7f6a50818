"""The attendance register of an activity: who came to each session.

The operator marks the enrolled pupils present or absent, session by session, from a
phone (a plain form: no script). Sessions are the activity's weekdays over its period,
but the national and school holidays (`civic.activities.holidays`);
a session still to come cannot be marked. Marking again replaces the earlier marks of
the pupils sent. Attendance is about running the activity: operators of the activity's
Civic Center and program staff reach it, nobody else (404). It goes with the pupil
(retention, erasure) and with the activity.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from app import audit, places
from app.auth.caller import Caller
from app.clock import ITALY, now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.values import as_uuid
from civic.activities import holidays
from civic.activities.schemas import AttendanceMark, AttendanceRegister
from civic.activities.service import managed_row
from civic.tables import Attendance, Pupil

PUPIL = "pupil"
MAX_SESSIONS = 400  # more than a school year of weekdays


def session_days(row: dict[str, Any]) -> list[date]:
    """Every session day of the activity (its weekdays from first to last day)."""
    first, last, days = row["starts_on"], row["ends_on"], set(row["days"] or [])
    if first is None or not days:
        return []
    last = last or first + timedelta(days=366)
    found: list[date] = []
    day = first
    while day <= last and len(found) < MAX_SESSIONS:
        if day.weekday() in days:
            found.append(day)
        day += timedelta(days=1)
    return found


async def open_sessions(row: dict[str, Any]) -> list[date]:
    """The session days without the holidays the sessions skip, as the families'
    calendar files say (`civic.activities.holidays`)."""
    days = session_days(row)
    if not days:
        return days
    closed = await holidays.closed_days(days[0], days[-1], row["category"])
    return [day for day in days if day not in closed]


def _today() -> date:
    return now().astimezone(ITALY).date()


def default_session(sessions: list[date]) -> date | None:
    """Today's session, else the latest one past, else the first one."""
    past = [day for day in sessions if day <= _today()]
    return past[-1] if past else (sessions[0] if sessions else None)


async def _enrolled(row: dict[str, Any]) -> list[dict[str, Any]]:
    if not row["pool"]:
        return []
    seats = await places.roster(as_uuid(row["pool"]), ("enrolled",))
    ids = [seat.holder_id for seat in seats if seat.holder_kind == PUPIL]
    if not ids:
        return []
    pupils = await Pupil.select(Pupil.id, Pupil.first_name, Pupil.last_name,
                                Pupil.class_name).where(Pupil.id.is_in(ids))
    return sorted(pupils, key=lambda p: (p["first_name"].casefold(),
                                         (p["last_name"] or "").casefold()))


async def register(caller: Caller, activity_id: UUID, on: date | None = None
                   ) -> AttendanceRegister:
    """The register of one session (the default one when `on` is not a session)."""
    row = await managed_row(caller, activity_id)
    sessions = await open_sessions(row)
    session = on if on in sessions else default_session(sessions)
    pupils = await _enrolled(row)
    marks: dict[UUID, bool] = {}
    if session is not None and pupils:
        for mark in await Attendance.select(Attendance.pupil, Attendance.present).where(
                (Attendance.activity == activity_id) & (Attendance.session_on == session)):
            marks[as_uuid(mark["pupil"])] = bool(mark["present"])
    items = [AttendanceMark(
        pupil_id=as_uuid(p["id"]), full_name=f"{p['first_name']} {p['last_name'] or ''}".strip(),
        class_name=p["class_name"], present=marks.get(as_uuid(p["id"]))) for p in pupils]
    return AttendanceRegister(
        activity_id=activity_id, title=row["title"], session_on=session, sessions=sessions,
        marks=items, present=sum(m.present is True for m in items),
        absent=sum(m.present is False for m in items))


async def record(caller: Caller, activity_id: UUID, on: date | None,
                 marks: dict[UUID, bool]) -> AttendanceRegister:
    """Mark enrolled pupils present (True) or absent (False) at the session `on`."""
    row = await managed_row(caller, activity_id)
    if on is None or on not in await open_sessions(row):
        raise InvalidInput({"on": _("Choose one of the activity's sessions.")})
    if on > _today():
        raise InvalidInput({"on": _("This session has not taken place yet.")})
    enrolled = {as_uuid(p["id"]) for p in await _enrolled(row)}
    if not marks or not set(marks) <= enrolled:
        raise InvalidInput({"session": _("Mark each pupil present or absent.")})
    async with transaction():
        await Attendance.delete().where(
            (Attendance.activity == activity_id) & (Attendance.session_on == on)
            & Attendance.pupil.is_in(list(marks)))
        await Attendance.insert(*[
            Attendance(activity=activity_id, pupil=pupil, session_on=on, present=present,
                       recorded_by=caller.user_id, recorded_at=now())
            for pupil, present in marks.items()])
        await audit.record("civic.attendance.recorded", caller.user_id,
                           as_uuid(row["civic_center"]), activity_id=str(activity_id),
                           session_on=on.isoformat(), pupils=len(marks))
    return await register(caller, activity_id, on)
