"""A section whose conditions hide every question is skipped, going forward and back."""

from __future__ import annotations

import copy
from typing import Any

from tests.surveys.answering.test_answering import DEFINITION, build_wave, invite, post_section

KIDS = {"key": "kids", "title": {"it": "I tuoi figli", "en": "Your children"}, "questions": [
    {"key": "school", "type": "single", "show_if": {"question": "children", "any_of": ["yes"]},
     "text": {"it": "Vanno a scuola vicino al lavoro?", "en": "Is their school near work?"},
     "options": [{"key": "yes", "text": {"it": "Sì", "en": "Yes"}},
                 {"key": "no", "text": {"it": "No", "en": "No"}}]}]}
WITHOUT_CHILDREN = {"a_children": "no", "a_household": "2"}


async def _wave_with_a_section_for_parents() -> str:
    definition = copy.deepcopy(DEFINITION)
    definition["sections"].insert(1, KIDS)
    invited = await invite(await build_wave(definition=definition))
    return str(invited["path"])


async def test_a_section_with_nothing_to_ask_is_skipped_forward_and_back(client: Any) -> None:
    path = await _wave_with_a_section_for_parents()
    forward = await post_section(client, path, 1, WITHOUT_CHILDREN)
    assert forward.status_code == 303
    assert forward.headers["location"].startswith(f"{path}/3?")

    back = await post_section(client, path, 3, {}, action="back")
    assert back.status_code == 303 and back.headers["location"].startswith(f"{path}/1?")


async def test_the_section_shows_when_its_questions_apply(client: Any) -> None:
    path = await _wave_with_a_section_for_parents()
    first = await post_section(client, path, 1, {**WITHOUT_CHILDREN, "a_children": "yes"})
    if first.headers["location"].startswith(f"{path}/1?"):  # a question opened on that page
        first = await post_section(client, path, 1, {
            **WITHOUT_CHILDREN, "a_children": "yes", "a_ages": ["0_3"]})
    assert first.headers["location"].startswith(f"{path}/2?")
