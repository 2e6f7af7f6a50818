"""An activity's sessions as an iCalendar file (RFC 5545), written with `icalendar`.

One VEVENT repeats weekly on the activity's days over its period (RRULE with BYDAY and
UNTIL), in local Italian time: DTSTART/DTEND carry TZID=Europe/Rome and the file holds
that zone's VTIMEZONE (its summer and winter rules), so calendars show the right hour on
both sides of a clock change. Sessions that fall on a holiday
(`civic.activities.holidays`) are left out with EXDATE. The library escapes text, ends
lines with CRLF and folds them at 75 octets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from app.clock import ITALY

TZID = "Europe/Rome"
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PRODID = "-//FareLegami//Legami//IT"


@dataclass(frozen=True)
class Sessions:
    """What the calendar needs of an activity: when, where, what to call it, and the
    closed days (holidays) its sessions skip."""

    uid: str
    summary: str
    starts_on: date
    ends_on: date | None
    days: tuple[int, ...]  # 0 = Monday
    start_time: str = ""  # "HH:MM"; empty: all-day sessions
    end_time: str = ""
    location: str = ""
    description: str = ""
    closed: frozenset[date] = field(default_factory=frozenset)


def calendar(sessions: Sessions, stamp: datetime) -> bytes:
    """The .ics file of `sessions`; `stamp` (the time it is made) becomes DTSTAMP."""
    document = Calendar()
    document.add("version", "2.0")
    document.add("prodid", PRODID)
    document.add("calscale", "GREGORIAN")
    document.add("method", "PUBLISH")
    if sessions.start_time:
        document.add_component(_zone())
    event = Event()
    event.add("uid", sessions.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    _when(event, sessions)
    event.add("summary", sessions.summary)
    if sessions.location:
        event.add("location", sessions.location)
    if sessions.description:
        event.add("description", sessions.description)
    event.add("transp", "OPAQUE")
    document.add_component(event)
    return document.to_ical()


def first_session(starts_on: date, days: tuple[int, ...]) -> date:
    """The first day on or after `starts_on` that falls on one of `days`."""
    if not days:
        return starts_on
    return min(starts_on + timedelta(days=(day - starts_on.weekday()) % 7) for day in days)


def session_days(first: date, last: date, days: Iterable[int]) -> list[date]:
    """Every day from `first` to `last` on one of `days`."""
    wanted = set(days)
    count = (last - first).days + 1
    return [first + timedelta(days=n) for n in range(max(count, 0))
            if (first + timedelta(days=n)).weekday() in wanted]


def _zone() -> Timezone:
    """Europe/Rome since 1996 (EU summer time): the last Sunday of March and October."""
    zone = Timezone()
    zone.add("tzid", TZID)
    for part, name, before, after, start, month in (
            (TimezoneDaylight(), "CEST", 1, 2, datetime(1970, 3, 29, 2), 3),
            (TimezoneStandard(), "CET", 2, 1, datetime(1970, 10, 25, 3), 10)):
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=before))
        part.add("tzoffsetto", timedelta(hours=after))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
        zone.add_component(part)
    return zone


def _when(event: Event, sessions: Sessions) -> None:
    days = tuple(sorted({day for day in sessions.days if 0 <= day <= 6}))
    first = first_session(sessions.starts_on, days)
    if not sessions.start_time:
        _all_day(event, sessions, days, first)
        return
    start = datetime.combine(first, _clock(sessions.start_time), tzinfo=ITALY)
    end = (datetime.combine(first, _clock(sessions.end_time), tzinfo=ITALY)
           if sessions.end_time else start + timedelta(hours=1))
    if end <= start:
        end = start + timedelta(hours=1)
    event.add("dtstart", start)
    event.add("dtend", end)
    if not days:
        return
    rule: dict[str, object] = {"freq": "weekly", "byday": [BYDAY[day] for day in days]}
    if sessions.ends_on:
        # With a TZID start, UNTIL must be in UTC: the end of the last day in Rome.
        last = datetime.combine(sessions.ends_on, time(23, 59, 59), tzinfo=ITALY)
        rule["until"] = last.astimezone(UTC)
        skipped = [datetime.combine(day, start.timetz()) for day in
                   session_days(first, sessions.ends_on, days) if day in sessions.closed]
        if skipped:
            event.add("exdate", skipped)
    event.add("rrule", rule)


def _all_day(event: Event, sessions: Sessions, days: tuple[int, ...], first: date) -> None:
    if not days:  # one block over the whole period (a camp with no weekly pattern)
        last = sessions.ends_on or sessions.starts_on
        event.add("dtstart", sessions.starts_on)
        event.add("dtend", last + timedelta(days=1))
        return
    event.add("dtstart", first)
    event.add("dtend", first + timedelta(days=1))
    rule: dict[str, object] = {"freq": "weekly", "byday": [BYDAY[day] for day in days]}
    if sessions.ends_on:
        rule["until"] = sessions.ends_on
        skipped = [day for day in session_days(first, sessions.ends_on, days)
                   if day in sessions.closed]
        if skipped:
            event.add("exdate", skipped)
    event.add("rrule", rule)


def _clock(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))
