"""The shape of a survey version: sections of questions, with translations.

Stored as JSON in `SurveyVersion.definition` and validated with msgspec on every
write. Texts are dictionaries by language code; a missing translation falls back to
Italian (`text_in`), never to a blank.
"""

from __future__ import annotations

from typing import Literal

import msgspec

QuestionType = Literal["single", "multiple", "scale", "number", "text", "grid"]
Texts = dict[str, str]


class Option(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    text: Texts


class Condition(msgspec.Struct, forbid_unknown_fields=True):
    """Show the question only when an earlier question's answer includes one of `any_of`."""

    question: str
    any_of: list[str]


class Question(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    type: QuestionType
    text: Texts
    required: bool = False
    help: Texts = msgspec.field(default_factory=dict)
    options: list[Option] = msgspec.field(default_factory=list)  # single, multiple, grid columns
    rows: list[Option] = msgspec.field(default_factory=list)  # grid rows
    minimum: int | None = None  # number
    maximum: int | None = None  # number
    max_length: int = 500  # text
    area: str = ""  # need area (DOMAIN.md), links questions to the needs taxonomy
    show_if: Condition | None = None
    # A self-reported attribute ("has children under 14") usable as a reporting group.
    reporting_attribute: bool = False


class Section(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    title: Texts
    questions: list[Question]
    intro: Texts = msgspec.field(default_factory=dict)


class Definition(msgspec.Struct, forbid_unknown_fields=True):
    title: Texts
    sections: list[Section]
    intro: Texts = msgspec.field(default_factory=dict)
    languages: list[str] = msgspec.field(default_factory=lambda: ["it", "en"])


def text_in(texts: Texts, language: str) -> str:
    """The text in `language`, else Italian, else any language there is."""
    return texts.get(language) or texts.get("it") or next(iter(texts.values()), "")


def questions(definition: Definition) -> list[Question]:
    return [q for section in definition.sections for q in section.questions]


def decode(raw: bytes | str | dict) -> Definition:  # type: ignore[type-arg]
    if isinstance(raw, dict):
        return msgspec.convert(raw, Definition)
    return msgspec.json.decode(raw, type=Definition)


def encode(definition: Definition) -> dict:  # type: ignore[type-arg]
    return msgspec.to_builtins(definition)  # type: ignore[no-any-return]
