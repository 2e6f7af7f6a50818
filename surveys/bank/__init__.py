"""The program's question bank: the ready needs-assessment survey, in Italian and English.

`needs_assessment.json` holds three things: the need `areas` (the conciliation areas of
the program, with their labels), the `ready` survey built around them, and the `blank`
survey a new empty survey starts from (one open question, since a survey always has
one). Every question of the ready survey is a bank question, listed by area, and says
which of its answers mean a need (`need`): 1–2 on "how are you?", none of the ways of
coming to work.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from surveys.definition import Definition, Question, Texts, answer_keys, decode, questions

BANK_FILE = Path(__file__).with_name("needs_assessment.json")
# Answers that say "no need", left out where a question does not say its needs.
OPT_OUT = frozenset({"nothing", "none", "no_answer", "dont_know", "not_relevant"})
SCALE_NEED = ("4", "5")


class BankArea(msgspec.Struct):
    key: str
    title: Texts
    questions: list[Question]


@cache
def _raw() -> dict[str, Any]:
    return json.loads(BANK_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def areas() -> dict[str, Texts]:
    """The need areas by key, with their labels by language."""
    return dict(_raw()["areas"])


def ready_survey() -> Definition:
    """A fresh copy of the ready needs-assessment survey."""
    return decode(_raw()["ready"])


def blank_survey() -> Definition:
    """A fresh copy of the survey a new empty survey starts from."""
    return decode(_raw()["blank"])


def question_bank() -> list[BankArea]:
    """The bank's questions grouped by area, in the order of the areas."""
    by_area: dict[str, list[Question]] = {key: [] for key in areas()}
    for question in questions(ready_survey()):
        by_area[question.area].append(question)
    return [BankArea(key, areas()[key], found) for key, found in by_area.items() if found]


def bank_question(key: str) -> Question | None:
    """A fresh copy of the bank question with this key, if there is one."""
    return next((q for q in questions(ready_survey()) if q.key == key), None)


def need_answers(question: Question) -> tuple[str, ...]:
    """The answers of `question` that mean a need, in the order of its answers.

    Its own rule when it has one; a survey saved before the rules existed takes the bank
    question's rule (same key and answers); else, for a question written in the editor,
    every option of a multiple choice but the opt-outs, and 4–5 on a 1–5 scale.
    """
    rule = question.need
    if rule is None:
        known = _bank_rules().get(question.key)
        if known is not None and set(known) <= set(answer_keys(question)):
            rule = list(known)
    if rule is None:
        if question.type == "multiple":
            rule = [key for key in answer_keys(question) if key not in OPT_OUT]
        elif question.type == "scale":
            rule = list(SCALE_NEED)
        else:
            rule = []
    return tuple(key for key in answer_keys(question) if key in rule)


@cache
def _bank_rules() -> dict[str, tuple[str, ...]]:
    return {q.key: tuple(q.need) for q in questions(ready_survey()) if q.need is not None}
