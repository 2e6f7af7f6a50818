"""An activity's sessions as an iCalendar file (RFC 5545) for the enrolment confirmation.

One VEVENT repeats weekly on the activity's days over its period (RRULE with BYDAY and
UNTIL), in local Italian time: DTSTART/DTEND carry TZID=Europe/Rome and the file holds
that zone's VTIMEZONE, so calendars show the right hour on both sides of a clock change.
Lines end with CRLF and are folded at 75 octets without splitting a UTF-8 character;
text values are escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.clock import ITALY

TZID = "Europe/Rome"
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LINE_OCTETS = 75
PRODID = "-//FareLegami//Legami//IT"

# The zone's rules since 1996 (EU summer time): last Sunday of March and of October.
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Sessions:
    """What the calendar needs of an activity: when, where, and what to call it."""

    uid: str
    summary: str
    starts_on: date
    ends_on: date | None
    days: tuple[int, ...]  # 0 = Monday
    start_time: str = ""  # "HH:MM"; empty: all-day sessions
    end_time: str = ""
    location: str = ""
    description: str = ""


def calendar(sessions: Sessions, stamp: datetime) -> bytes:
    """The .ics file of `sessions`; `stamp` (the time it is made) becomes DTSTAMP."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    if sessions.start_time:
        lines += VTIMEZONE
    lines += ["BEGIN:VEVENT", f"UID:{escape(sessions.uid)}", f"DTSTAMP:{_utc(stamp)}"]
    lines += _when(sessions)
    lines.append(f"SUMMARY:{escape(sessions.summary)}")
    if sessions.location:
        lines.append(f"LOCATION:{escape(sessions.location)}")
    if sessions.description:
        lines.append(f"DESCRIPTION:{escape(sessions.description)}")
    lines += ["TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines).encode()


def first_session(starts_on: date, days: tuple[int, ...]) -> date:
    """The first day on or after `starts_on` that falls on one of `days`."""
    if not days:
        return starts_on
    return min(starts_on + timedelta(days=(day - starts_on.weekday()) % 7) for day in days)


def _when(sessions: Sessions) -> list[str]:
    days = tuple(sorted({day for day in sessions.days if 0 <= day <= 6}))
    first = first_session(sessions.starts_on, days)
    if not sessions.start_time:
        return _all_day(sessions, days, first)
    start = datetime.combine(first, _clock(sessions.start_time))
    end = (datetime.combine(first, _clock(sessions.end_time)) if sessions.end_time
           else start + timedelta(hours=1))
    if end <= start:
        end = start + timedelta(hours=1)
    lines = [f"DTSTART;TZID={TZID}:{_local(start)}", f"DTEND;TZID={TZID}:{_local(end)}"]
    if days:
        rule = f"RRULE:FREQ=WEEKLY;BYDAY={','.join(BYDAY[day] for day in days)}"
        if sessions.ends_on:
            # With a TZID start, UNTIL must be in UTC: the end of the last day in Rome.
            last = datetime.combine(sessions.ends_on, time(23, 59, 59), tzinfo=ITALY)
            rule += f";UNTIL={_utc(last)}"
        lines.append(rule)
    return lines


def _all_day(sessions: Sessions, days: tuple[int, ...], first: date) -> list[str]:
    if not days:  # one block over the whole period (a camp with no weekly pattern)
        last = sessions.ends_on or sessions.starts_on
        return [f"DTSTART;VALUE=DATE:{_day(sessions.starts_on)}",
                f"DTEND;VALUE=DATE:{_day(last + timedelta(days=1))}"]
    lines = [f"DTSTART;VALUE=DATE:{_day(first)}",
             f"DTEND;VALUE=DATE:{_day(first + timedelta(days=1))}"]
    rule = f"RRULE:FREQ=WEEKLY;BYDAY={','.join(BYDAY[day] for day in days)}"
    if sessions.ends_on:
        rule += f";UNTIL={_day(sessions.ends_on)}"
    return [*lines, rule]


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets (RFC 5545 3.1).

    A continuation starts with one space, which counts in its 75 octets; a piece never
    ends inside a UTF-8 character.
    """
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _clock(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
