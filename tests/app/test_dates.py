"""Dates read one way everywhere: "2 marzo 2026", and moments in Italian time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.dates import day, moment
from app.i18n import use_language
from tests.factories import sign_in
from tests.surveys.results.test_results import answered, make_company, make_program, make_wave


def test_a_day_and_a_moment_read_as_people_read_them() -> None:
    late_evening = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Italy
    with use_language("it"):
        assert day(date(2026, 3, 2)) == "2 marzo 2026"
        assert day(late_evening) == "2 marzo 2026"
        assert day("2026-12-20") == "20 dicembre 2026"
        assert moment(late_evening) == "2 marzo 2026, 00:30"
        assert day(None) == "" and moment(None) == ""
    with use_language("en"):
        assert day(date(2026, 3, 2)) == "March 2, 2026"


async def test_the_results_lists_give_wave_dates_in_words_not_iso(client) -> None:
    program = await make_program()
    company = await make_company(program, "Officine Rossi", "Crema")
    wave = await make_wave(program, [company], opens_on=date(2026, 3, 2))
    await answered(wave, company, 6)

    await sign_in(client, program.hr[company])
    hr = await client.get(f"/portal/{company}/results")
    await sign_in(client, program.staff)
    staff = await client.get("/results")

    for page in (hr, staff):
        assert page.status_code == 200
        shown = page.text.replace("Ondata 2026-03-02", "")  # the fixture's wave title
        assert "2 marzo 2026 – 16 marzo 2026" in shown and "2026-03-02" not in shown
