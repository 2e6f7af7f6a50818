"""Small counts read the same everywhere (issue 17): a count of pupils, families or the
places they hold from 1 to 4 is printed "fewer than 5" in the Civic Center's and the
school's Word reports (read back with python-docx), and is null in the school report's
API; never an exact 1, 2, 3 or 4. Activities and places offered are not people: the
world below has five activities of five places each, so any 1 to 4 left is a person
count."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app import places
from tests.civic.activities.test_activities import _docx_text as docx_text
from tests.civic.families.test_families import (
    add_family,
    give_consent,
    make_activity,
    make_schools,
)
from tests.factories import sign_in

TITLES = ("Doposcuola", "Calcio", "Musica", "Teatro", "Scacchi")
# Dates as the reports write them: "Dec 6, 2026", "December 6, 2026", "6 dic 2026".
DATES = re.compile(r"\b[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}\b|\b\d{1,2} \w+\.? \d{4}\b")
SMALL = re.compile(r"(?<![\w/])[1-4](?![\w/])")


def exact_small_counts(text: str) -> list[str]:
    """The lines still printing a count from 1 to 4 (dates left aside)."""
    return [line for line in text.splitlines() if SMALL.search(DATES.sub("", line))]


def small_numbers(value: Any, path: str = "") -> list[str]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [path] if 1 <= value <= 4 else []
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in small_numbers(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in small_numbers(item, f"{path}[{i}]")]
    return []


@pytest.fixture
async def world() -> Any:
    world = await make_schools()
    _first, first = await add_family(world.a, "FAM-1", "Sara Bonetti", (
        ("Luca", 2017, "3A"), ("Emma", 2016, "3A"), ("Nina", 2017, "3A")))
    _second, second = await add_family(world.a, "FAM-2", "Ion Popescu", (
        ("Andrei", 2016, "3A"), ("Mara", 2017, "3A"), ("Ilie", 2016, "3A")))
    pupils = first + second
    for pupil in pupils:
        await give_consent(world, world.a, pupil, photo_release=pupil == pupils[0])
    activities = [await make_activity(world, title, capacity=5) for title in TITLES]
    for pupil in pupils:  # five enrolled, the sixth waitlisted
        await places.request_place(activities[0].pool_id, "pupil", pupil, world.a)
    await places.request_place(activities[1].pool_id, "pupil", pupils[0], world.a)
    await places.request_place(activities[2].pool_id, "pupil", pupils[1], world.a)
    return world


@pytest.mark.parametrize("lang", ["en", "it"])
async def test_no_word_report_prints_an_exact_count_from_one_to_four(client, world,
                                                                       lang) -> None:
    """Before: the Civic Center report printed "1 / 5" places and "Pupils reached: 6,
    from 2 families"; the school report "Families registered 2", "Places used 1"."""
    await sign_in(client, world.operator)
    center = await client.get(f"/civic/centers/{world.center}/report.docx?lang={lang}")
    assert center.status_code == 200
    await sign_in(client, world.coord_a)
    school = await client.get(f"/schools/{world.a}/report.docx?lang={lang}")
    assert school.status_code == 200
    few = "fewer than 5" if lang == "en" else "meno di 5"
    for name, response in (("Civic Center report", center), ("school report", school)):
        text = docx_text(response.content)
        assert few in text and "Doposcuola" in text, name
        assert exact_small_counts(text) == [], name
    center_text = docx_text(center.content)
    assert "Scacchi | " in center_text  # an activity nobody joined: its zeros are printed
    if lang == "en":
        assert f"Pupils reached: 5. Families reached: {few}." in center_text
        assert f"IC Lungo Serio | 5 | {few}" in center_text


async def test_the_school_report_api_gives_no_exact_count_from_one_to_four(client,
                                                                          world) -> None:
    await sign_in(client, world.coord_a)
    report = (await client.get(f"/api/v1/schools/{world.a}/report")).json()
    assert small_numbers(report) == []
    assert (report["pupils"], report["families"], report["pupils_reached"],
            report["places_used"], report["waitlisted"]) == (6, None, 5, 7, None)
    by_title = {a["title"]: a for a in report["activities"]}
    assert by_title["Doposcuola"]["places_used"] == 5
    assert by_title["Calcio"]["places_used"] is None
