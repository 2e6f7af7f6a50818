"""The calendar file of an activity's sessions (RFC 5545), read back with `icalendar`:
weekly rule, local time with its zone, sessions on holidays left out (EXDATE), CRLF
lines folded at 75 octets, escaped text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from civic.activities.ics import Sessions, calendar, first_session, session_days

STAMP = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")


def sessions(**changes) -> Sessions:
    values = {"uid": "referral-1@legami.example", "summary": "Doposcuola · Civic Center",
              "starts_on": date(2026, 9, 15), "ends_on": date(2027, 6, 11), "days": (0, 2),
              "start_time": "16:30", "end_time": "18:30", "location": "Via Mercato 12, Crema"}
    values.update(changes)
    return Sessions(**values)


def parsed(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def skipped(event) -> list:
    found = event.get("exdate")
    lists = found if isinstance(found, list) else [found] if found is not None else []
    return [item.dt for dates in lists for item in dates.dts]


def test_one_weekly_event_in_rome_time_from_the_first_session_to_the_last_day():
    document = parsed(calendar(sessions(), STAMP))
    (event,) = document.events
    # 15 September 2026 is a Tuesday: the first session is Wednesday the 16th.
    assert event.start == datetime(2026, 9, 16, 16, 30, tzinfo=ROME)
    assert event.end == datetime(2026, 9, 16, 18, 30, tzinfo=ROME)
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO", "WE"]
    # 11 June 2027, 23:59:59 in Rome (summer time, UTC+2) is 21:59:59 UTC.
    assert rule["UNTIL"] == [datetime(2027, 6, 11, 21, 59, 59, tzinfo=UTC)]
    assert str(event["UID"]) == "referral-1@legami.example"
    assert event["DTSTAMP"].dt == STAMP
    assert str(event["SUMMARY"]) == "Doposcuola · Civic Center"
    assert str(event["LOCATION"]) == "Via Mercato 12, Crema"
    assert skipped(event) == []
    assert str(document["VERSION"]) == "2.0"


def test_the_zone_is_described_with_its_summer_and_winter_rules():
    document = parsed(calendar(sessions(), STAMP))
    (zone,) = document.timezones
    assert str(zone["TZID"]) == "Europe/Rome"
    parts = {part.name: part for part in zone.subcomponents}
    summer, winter = parts["DAYLIGHT"], parts["STANDARD"]
    assert (summer["TZOFFSETFROM"].td.total_seconds(),
            summer["TZOFFSETTO"].td.total_seconds()) == (3600, 7200)
    assert summer["RRULE"]["BYMONTH"] == [3] and summer["RRULE"]["BYDAY"] == ["-1SU"]
    assert (winter["TZOFFSETFROM"].td.total_seconds(),
            winter["TZOFFSETTO"].td.total_seconds()) == (7200, 3600)
    assert winter["RRULE"]["BYMONTH"] == [10]


def test_a_winter_end_is_one_hour_from_utc():
    (event,) = parsed(calendar(sessions(ends_on=date(2027, 1, 15)), STAMP)).events
    assert event["RRULE"]["UNTIL"] == [datetime(2027, 1, 15, 22, 59, 59, tzinfo=UTC)]


def test_sessions_on_closed_days_are_left_out_at_their_local_hour():
    closed = frozenset({date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 28),
                        date(2027, 4, 25), date(2027, 6, 30)})
    (event,) = parsed(calendar(sessions(closed=closed), STAMP)).events
    # Wednesday 23 and Monday 28 December are session days; Thursday the 24th is not,
    # 25 April 2027 is a Sunday and 30 June is after the last day.
    assert skipped(event) == [datetime(2026, 12, 23, 16, 30, tzinfo=ROME),
                              datetime(2026, 12, 28, 16, 30, tzinfo=ROME)]


def test_every_line_ends_with_crlf_and_is_at_most_75_octets():
    long_title = "Laboratorio di ceramica, pittura e teatro per bambine e bambini " * 3 + "è€"
    description = "Perché no?\nPortare; una merenda, " * 20
    data = calendar(sessions(summary=long_title, description=description), STAMP)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # never cut inside a character
    (event,) = parsed(data).events
    assert str(event["SUMMARY"]) == long_title
    assert str(event["DESCRIPTION"]) == description
    assert b"Portare\\; una merenda\\, " in data.replace(b"\r\n ", b"")


def test_first_session_is_on_one_of_the_days():
    assert first_session(date(2026, 9, 14), (0, 2)) == date(2026, 9, 14)  # a Monday
    assert first_session(date(2026, 9, 17), (0, 2)) == date(2026, 9, 21)
    assert first_session(date(2026, 9, 17), ()) == date(2026, 9, 17)
    assert session_days(date(2026, 9, 14), date(2026, 9, 21), (0, 2)) == [
        date(2026, 9, 14), date(2026, 9, 16), date(2026, 9, 21)]


def test_sessions_without_times_are_all_day_events():
    data = calendar(sessions(start_time="", end_time="",
                             closed=frozenset({date(2026, 12, 7), date(2026, 12, 8)})), STAMP)
    document = parsed(data)
    (event,) = document.events
    assert event.start == date(2026, 9, 16) and event.end == date(2026, 9, 17)
    assert event["RRULE"]["UNTIL"] == [date(2027, 6, 11)]
    assert skipped(event) == [date(2026, 12, 7)]  # Tuesday the 8th is no session day
    assert not document.timezones
