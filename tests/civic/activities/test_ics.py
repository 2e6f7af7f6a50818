"""The calendar file of an activity's sessions (RFC 5545): weekly rule, local time with
its zone, CRLF lines folded at 75 octets, escaped text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from civic.activities.ics import Sessions, calendar, escape, first_session, fold

STAMP = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def sessions(**changes) -> Sessions:
    values = {"uid": "referral-1@legami.example", "summary": "Doposcuola · Civic Center",
              "starts_on": date(2026, 9, 15), "ends_on": date(2027, 6, 11), "days": (0, 2),
              "start_time": "16:30", "end_time": "18:30", "location": "Via Mercato 12, Crema"}
    values.update(changes)
    return Sessions(**values)


def text(data: bytes) -> str:
    return data.decode("utf-8")


def event(ics: str) -> dict[str, str]:
    unfolded = ics.replace("\r\n ", "")
    body = unfolded.split("BEGIN:VEVENT\r\n", 1)[1].split("\r\nEND:VEVENT", 1)[0]
    return dict(line.split(":", 1) for line in body.split("\r\n"))


def test_one_weekly_event_in_rome_time_from_the_first_session_to_the_last_day():
    ics = text(calendar(sessions(), STAMP))
    found = event(ics)
    # 15 September 2026 is a Tuesday: the first session is Wednesday the 16th.
    assert found["DTSTART;TZID=Europe/Rome"] == "20260916T163000"
    assert found["DTEND;TZID=Europe/Rome"] == "20260916T183000"
    # 11 June 2027, 23:59:59 in Rome (summer time, UTC+2) is 21:59:59 UTC.
    assert found["RRULE"] == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270611T215959Z"
    assert found["UID"] == "referral-1@legami.example"
    assert found["DTSTAMP"] == "20261122T093000Z"
    assert found["SUMMARY"] == "Doposcuola · Civic Center"
    assert found["LOCATION"] == "Via Mercato 12\\, Crema"
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert ics.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_the_zone_is_described_with_its_summer_and_winter_rules():
    ics = text(calendar(sessions(), STAMP))
    zone = ics.split("BEGIN:VTIMEZONE\r\n", 1)[1].split("END:VTIMEZONE", 1)[0]
    assert zone.startswith("TZID:Europe/Rome\r\n")
    assert "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200" in zone
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in zone
    assert "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100" in zone
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in zone


def test_a_winter_end_is_one_hour_from_utc():
    found = event(text(calendar(sessions(ends_on=date(2027, 1, 15)), STAMP)))
    assert found["RRULE"].endswith("UNTIL=20270115T225959Z")


def test_every_line_ends_with_crlf_and_is_at_most_75_octets():
    long_title = "Laboratorio di ceramica, pittura e teatro per bambine e bambini " * 3 + "è€"
    data = calendar(sessions(summary=long_title, description="Perché no?\nPortare " * 20),
                    STAMP)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # never cut inside a character
    found = event(text(data))
    assert found["SUMMARY"] == escape(long_title)


def test_fold_counts_octets_and_continues_with_one_space():
    line = "DESCRIPTION:" + "à" * 60  # 12 + 120 octets
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line
    assert fold("SHORT:x") == "SHORT:x"


def test_text_is_escaped():
    assert escape("Arte, musica; teatro\\danza\nSabato") == (
        "Arte\\, musica\\; teatro\\\\danza\\nSabato")
    found = event(text(calendar(sessions(description="Uno; due, tre\r\nquattro"), STAMP)))
    assert found["DESCRIPTION"] == "Uno\\; due\\, tre\\nquattro"


def test_first_session_is_on_one_of_the_days():
    assert first_session(date(2026, 9, 14), (0, 2)) == date(2026, 9, 14)  # a Monday
    assert first_session(date(2026, 9, 17), (0, 2)) == date(2026, 9, 21)
    assert first_session(date(2026, 9, 17), ()) == date(2026, 9, 17)


def test_sessions_without_times_are_all_day_events():
    found = event(text(calendar(sessions(start_time="", end_time=""), STAMP)))
    assert found["DTSTART;VALUE=DATE"] == "20260916"
    assert found["DTEND;VALUE=DATE"] == "20260917"
    assert found["RRULE"] == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270611"
    ics = text(calendar(sessions(start_time="", end_time=""), STAMP))
    assert "VTIMEZONE" not in ics
