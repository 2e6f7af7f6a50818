"""The shape of a survey version: sections of questions, with translations.

Stored as JSON in `SurveyVersion.definition`, decoded with msgspec and checked with
`problems` on every write. Texts are dictionaries by language code; the survey's
languages are listed in the definition; a missing translation falls back to Italian
(`text_in`), never to a blank.

Per type: `single` and `multiple` have two or more `options`; `scale` has exactly the
options 1 to 5 (their texts label the points); `grid` has `rows` answered on the
`options` as columns; `number` has `minimum` and `maximum`; `text` has `max_length`.
A `show_if` looks at an earlier single, multiple or scale question.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from app.i18n import _

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
    # The answers that mean a need (option keys; on a 1–5 scale its points): [] when no
    # answer does ("how do you come to work?"), None when not said (surveys.bank.need_answers).
    need: list[str] | None = None


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


def conditions_of(definition: Definition, key: str) -> set[str]:
    """The questions `key` is asked only given an answer of: its condition's question,
    that question's condition, and so on."""
    by_key = {q.key: q for q in questions(definition)}
    found: set[str] = set()
    current = by_key.get(key)
    while current is not None and current.show_if is not None:
        source = current.show_if.question
        if source in found:
            break
        found.add(source)
        current = by_key.get(source)
    return found


def linked(definition: Definition, one: str, other: str) -> bool:
    """Whether one of two questions is asked only given an answer of the other: split
    by the other, it is empty by construction outside the answers that ask it."""
    return other in conditions_of(definition, one) or one in conditions_of(definition, other)


def decode(raw: bytes | str | dict) -> Definition:  # type: ignore[type-arg]
    if isinstance(raw, dict):
        return msgspec.convert(raw, Definition)
    return msgspec.json.decode(raw, type=Definition)


def encode(definition: Definition) -> dict:  # type: ignore[type-arg]
    return msgspec.to_builtins(definition)  # type: ignore[no-any-return]


# --- Validation -----------------------------------------------------------------------
# Paths name fields as msgspec does, without the leading `$.`: `sections[0].questions[2]
# .text.it`. Messages are in the caller's language (gettext).

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
OPTION_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")  # a scale's options are 1 to 5
SCALE_KEYS = ["1", "2", "3", "4", "5"]
CHOICE_TYPES = ("single", "multiple", "scale")  # the types a condition can look at
TEXT_LIMITS = {"title": 300, "intro": 2000, "text": 500, "help": 500, "option": 200}
NUMBER_LIMIT = 1_000_000
MAX_TEXT_LENGTH = 2000

# Languages a program admin may add, with their own names; `ar` and `ur` are written
# right to left.
SURVEY_LANGUAGES = {
    "it": "Italiano", "en": "English", "ro": "Română", "sq": "Shqip", "ar": "العربية",
    "pa": "ਪੰਜਾਬੀ", "hi": "हिन्दी", "ur": "اردو", "bn": "বাংলা", "zh": "中文",
    "uk": "Українська", "ru": "Русский", "es": "Español", "fr": "Français", "pl": "Polski",
    "wo": "Wolof",
}
RIGHT_TO_LEFT = frozenset({"ar", "ur"})


def language_direction(language: str) -> str:
    """`rtl` or `ltr`, for the `dir` attribute of what is shown in `language`."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def answer_keys(question: Question) -> list[str]:
    """The option keys a condition may name for `question`."""
    return [option.key for option in question.options]


def problems(definition: Definition, final: bool = False) -> dict[str, str]:
    """Everything wrong with `definition`, by field path; `final` also refuses empty
    sections (a draft may hold one while it is being written, a frozen version may not)."""
    found: dict[str, str] = {}
    _check_languages(definition.languages, found)
    langs = set(definition.languages)
    _check_texts(definition.title, "title", langs, "title", found, required=True)
    _check_texts(definition.intro, "intro", langs, "intro", found)
    earlier: dict[str, Question] = {}
    section_keys: set[str] = set()
    for s, section in enumerate(definition.sections):
        path = f"sections[{s}]"
        _check_key(section.key, f"{path}.key", section_keys, found)
        _check_texts(section.title, f"{path}.title", langs, "title", found, required=True)
        _check_texts(section.intro, f"{path}.intro", langs, "intro", found)
        if final and not section.questions:
            found[f"{path}.questions"] = _("This section has no questions: add one or "
                                           "delete the section.")
        for q, question in enumerate(section.questions):
            _check_question(question, f"{path}.questions[{q}]", earlier, langs, found)
            earlier.setdefault(question.key, question)
    if not earlier:
        found["sections"] = _("Add at least one question.")
    return found


def _check_languages(languages: list[str], found: dict[str, str]) -> None:
    if "it" not in languages:
        found["languages"] = _("Italian must be among the survey's languages.")
    elif len(set(languages)) != len(languages):
        found["languages"] = _("A language is listed twice.")
    elif unknown := [code for code in languages if code not in SURVEY_LANGUAGES]:
        found["languages"] = _("Not an available language: {codes}").format(
            codes=", ".join(unknown))


def _check_texts(texts: Texts, path: str, languages: set[str], kind: str,
                 found: dict[str, str], required: bool = False) -> None:
    if (required or texts) and not texts.get("it", "").strip():
        found[f"{path}.it"] = _("Enter the Italian text: it is shown when a translation "
                                "is missing.")
    for language, text in texts.items():
        if language not in languages:
            found[f"{path}.{language}"] = _("This language is not among the survey's "
                                            "languages.")
        elif len(text) > TEXT_LIMITS[kind]:
            found[f"{path}.{language}"] = _("At most {count} characters.").format(
                count=TEXT_LIMITS[kind])


def _check_key(key: str, path: str, seen: set[str], found: dict[str, str],
               pattern: re.Pattern[str] = KEY_RE) -> None:
    if not pattern.match(key):
        found[path] = _("Use lowercase letters, digits and _ (at most 64), starting with "
                        "a letter.") if pattern is KEY_RE else _(
                        "Use lowercase letters, digits and _ (at most 64).")
    elif key in seen:
        found[path] = _("This key is already used.")
    seen.add(key)


def _check_question(question: Question, path: str, earlier: dict[str, Question],
                    languages: set[str], found: dict[str, str]) -> None:
    if question.key in earlier:
        found[f"{path}.key"] = _("This key is already used.")
    else:
        _check_key(question.key, f"{path}.key", set(), found)
    _check_texts(question.text, f"{path}.text", languages, "text", found, required=True)
    _check_texts(question.help, f"{path}.help", languages, "help", found)
    _check_choices(question.options, f"{path}.options", languages, found)
    _check_choices(question.rows, f"{path}.rows", languages, found)
    _check_shape(question, path, found)
    if question.reporting_attribute and question.type != "single":
        found[f"{path}.reporting_attribute"] = _(
            "Only a single-choice question can be a reporting group: each person "
            "must fall in one group.")
    if question.show_if is not None:
        _check_condition(question, f"{path}.show_if", earlier, found)


def _check_choices(choices: list[Option], path: str, languages: set[str],
                   found: dict[str, str]) -> None:
    seen: set[str] = set()
    for i, option in enumerate(choices):
        _check_key(option.key, f"{path}[{i}].key", seen, found, OPTION_KEY_RE)
        _check_texts(option.text, f"{path}[{i}].text", languages, "option", found,
                     required=True)


def _check_shape(question: Question, path: str, found: dict[str, str]) -> None:
    """What each type needs: options, rows, bounds or a length."""
    kind = question.type
    if kind in ("single", "multiple", "grid") and len(question.options) < 2:
        found[f"{path}.options"] = _("Add at least two options.")
    if kind == "scale" and answer_keys(question) != SCALE_KEYS:
        found[f"{path}.options"] = _("A 1–5 scale has five options with the keys 1, 2, 3, "
                                     "4 and 5, in this order.")
    if kind in ("number", "text") and question.options:
        found[f"{path}.options"] = _("This type of question has no options.")
    if kind == "grid" and not question.rows:
        found[f"{path}.rows"] = _("Add at least one row.")
    if kind != "grid" and question.rows:
        found[f"{path}.rows"] = _("Only a grid has rows.")
    if kind == "number":
        _check_bounds(question, path, found)
    if question.need and (kind not in ("single", "multiple", "scale")
                          or not set(question.need) <= set(answer_keys(question))):
        found[f"{path}.need"] = _("A need is one of the question's answers.")
    if kind == "text" and not 1 <= question.max_length <= MAX_TEXT_LENGTH:
        found[f"{path}.max_length"] = _("Between 1 and {count} characters.").format(
            count=MAX_TEXT_LENGTH)


def _check_bounds(question: Question, path: str, found: dict[str, str]) -> None:
    low, high = question.minimum, question.maximum
    if low is None or high is None:
        found[f"{path}.minimum"] = _("Enter the smallest and the largest number allowed.")
    elif max(abs(low), abs(high)) > NUMBER_LIMIT:
        found[f"{path}.maximum"] = _("Numbers can be at most {limit} in size.").format(
            limit=NUMBER_LIMIT)
    elif low > high:
        found[f"{path}.maximum"] = _("The largest number cannot be smaller than the "
                                     "smallest.")


def _check_condition(question: Question, path: str, earlier: dict[str, Question],
                     found: dict[str, str]) -> None:
    condition = question.show_if
    assert condition is not None
    source = earlier.get(condition.question)
    if source is None:
        found[path] = _("“{key}”: a condition can only refer to an earlier question.").format(
            key=question.key)
    elif source.type not in CHOICE_TYPES:
        found[path] = _("“{key}”: a condition can only look at a single-choice, "
                        "multiple-choice or 1–5 scale question.").format(key=question.key)
    elif not condition.any_of:
        found[path] = _("“{key}”: choose at least one answer that shows the question.").format(
            key=question.key)
    elif unknown := [k for k in condition.any_of if k not in answer_keys(source)]:
        found[path] = _("“{key}”: not an answer of “{source}”: {answers}").format(
            key=question.key, source=source.key, answers=", ".join(unknown))


def all_texts(definition: Definition) -> list[tuple[str, str, Texts]]:
    """Every text of the survey, as (stable path, validation path, texts by language).

    The stable path names things by key (`questions.care_hours.options.weekly`), so a
    translation form still lands on the right text if the survey changed meanwhile; the
    validation path is the one `problems` uses, without the language.
    """
    found = [("title", "title", definition.title), ("intro", "intro", definition.intro)]
    for s, section in enumerate(definition.sections):
        found += [(f"sections.{section.key}.title", f"sections[{s}].title", section.title),
                  (f"sections.{section.key}.intro", f"sections[{s}].intro", section.intro)]
        for q, question in enumerate(section.questions):
            found += _question_texts(question, f"sections[{s}].questions[{q}]")
    return found


def _question_texts(question: Question, path: str) -> list[tuple[str, str, Texts]]:
    stable = f"questions.{question.key}"
    found = [(f"{stable}.text", f"{path}.text", question.text),
             (f"{stable}.help", f"{path}.help", question.help)]
    for name, choices in (("options", question.options), ("rows", question.rows)):
        found += [(f"{stable}.{name}.{choice.key}", f"{path}.{name}[{i}].text", choice.text)
                  for i, choice in enumerate(choices)]
    return found
