"""Surveys: create, list, edit the draft, translate, freeze.

Program staff create surveys for the program and see every survey; an HR manager creates
surveys for their company and sees only that company's. Out of reach answers 404.

A survey has numbered versions; the latest is the one edited. A version is frozen when a
wave opens on it and is never edited again: an edit on a survey whose latest version is
frozen first copies it into a new draft (number + 1), in the same transaction. Every
write runs in one transaction, is validated as a whole (`definition.problems`, the
bank's areas and `content_rules.check`) and is audited.

For the waves and answering pages (no caller: they check access their own way):

- `load_definition(version_id) -> Definition`: a version's definition.
- `freeze_version(version_id, actor_id=None) -> None`: freeze it (idempotent; joins the
  caller's transaction); refuses with InvalidInput a version that could not be answered.
- `render_survey(definition, language) -> RenderedSurvey`: every text resolved in
  `language`, falling back to Italian; each text is a `Shown` that prints as its text
  and carries `lang`, the language it is really in (for `lang=` on fallbacks).
- `render_question(question, language) -> RenderedQuestion` and
  `render_question_text(question, language) -> str`: the same for one question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException

from app import audit
from app.auth.caller import PROGRAM_STAFF, Caller, Grant
from app.clock import now
from app.db import is_sqlite, transaction
from app.errors import InvalidInput
from app.i18n import _
from app.roles import HR_MANAGER
from app.tenancy import first_or_404, scoped
from surveys import bank
from surveys.definition import (
    SURVEY_LANGUAGES,
    Condition,
    Definition,
    Question,
    Section,
    Texts,
    all_texts,
    decode,
    encode,
    language_direction,
    problems,
    questions,
    text_in,
)
from surveys.editor import content_rules
from surveys.tables import Survey, SurveyVersion

EDITOR_ROLE = HR_MANAGER  # with program staff, who reach every organization


class VersionInfo(msgspec.Struct):
    id: UUID
    number: int
    frozen_at: datetime | None
    updated_at: datetime


class VersionDetail(msgspec.Struct):
    id: UUID
    survey_id: UUID
    number: int
    frozen_at: datetime | None
    updated_at: datetime
    definition: Definition


class SurveyInfo(msgspec.Struct):
    id: UUID
    owner_id: UUID
    owner_name: str
    title: str
    status: str
    created_at: datetime
    latest_version: int
    latest_frozen: bool


class SurveyDetail(msgspec.Struct):
    id: UUID
    owner_id: UUID
    owner_name: str
    title: str
    status: str
    created_at: datetime
    versions: list[VersionInfo]
    latest: VersionDetail


class SurveyCreate(msgspec.Struct, forbid_unknown_fields=True):
    source: Literal["ready", "empty"] = "ready"
    title: str = ""
    owner_id: UUID | None = None


# --- Reading -----------------------------------------------------------------------------


def _surveys(caller: Caller) -> Any:
    query = Survey.select(Survey.id, Survey.owner, Survey.owner.name, Survey.title,
                          Survey.status, Survey.created_at)
    return scoped(query, Survey.owner, caller, EDITOR_ROLE)


async def _survey_row(caller: Caller, survey_id: UUID) -> dict[str, Any]:
    return await first_or_404(_surveys(caller).where(Survey.id == survey_id))  # type: ignore[no-any-return]


async def _versions(survey_ids: list[UUID]) -> list[dict[str, Any]]:
    if not survey_ids:
        return []
    return await SurveyVersion.select(  # type: ignore[no-any-return]
        SurveyVersion.id, SurveyVersion.survey, SurveyVersion.number, SurveyVersion.frozen_at,
        SurveyVersion.updated_at,
    ).where(SurveyVersion.survey.is_in(survey_ids)).order_by(SurveyVersion.number)


async def list_surveys(caller: Caller) -> list[SurveyInfo]:
    """The surveys the caller may see and edit, newest first."""
    rows = await _surveys(caller).order_by(Survey.created_at, ascending=False)
    latest: dict[UUID, dict[str, Any]] = {}
    for version in await _versions([row["id"] for row in rows]):
        latest[version["survey"]] = version  # ordered by number: the last one wins
    return [SurveyInfo(row["id"], row["owner"], row["owner.name"], row["title"], row["status"],
                       row["created_at"], latest[row["id"]]["number"],
                       latest[row["id"]]["frozen_at"] is not None)
            for row in rows if row["id"] in latest]


async def get_survey(caller: Caller, survey_id: UUID) -> SurveyDetail:
    """A survey with its versions and the latest version's definition."""
    row = await _survey_row(caller, survey_id)
    versions = [VersionInfo(v["id"], v["number"], v["frozen_at"], v["updated_at"])
                for v in await _versions([survey_id])]
    latest = await get_version(caller, survey_id, versions[-1].number)
    return SurveyDetail(row["id"], row["owner"], row["owner.name"], row["title"], row["status"],
                        row["created_at"], versions, latest)


async def get_version(caller: Caller, survey_id: UUID, number: int) -> VersionDetail:
    """One version of a survey the caller may see."""
    await _survey_row(caller, survey_id)
    row = await first_or_404(SurveyVersion.select().where(
        (SurveyVersion.survey == survey_id) & (SurveyVersion.number == number)))
    return _version_dto(row)


async def load_definition(version_id: UUID) -> Definition:
    """A version's definition, for waves and answering pages (no tenant check here)."""
    row = await first_or_404(SurveyVersion.select(SurveyVersion.definition)
                             .where(SurveyVersion.id == version_id))
    return decode(row["definition"])


def _version_dto(row: dict[str, Any]) -> VersionDetail:
    return VersionDetail(row["id"], row["survey"], row["number"], row["frozen_at"],
                         row["updated_at"], decode(row["definition"]))


def creatable_owners(caller: Caller) -> list[Grant]:
    """Where the caller may create surveys: their program, or the companies they manage."""
    owners: dict[UUID, Grant] = {}
    for grant in caller.grants:
        if (grant.role in PROGRAM_STAFF and grant.organization_kind == "program") or (
                grant.role == EDITOR_ROLE and grant.organization_kind == "company"):
            owners.setdefault(grant.organization_id, grant)
    return list(owners.values())


# --- Creating and freezing ---------------------------------------------------------------


async def create_survey(caller: Caller, data: SurveyCreate) -> SurveyDetail:
    """Create a survey from the ready needs assessment or from a blank one."""
    owner = _owner(caller, data.owner_id)
    definition = bank.ready_survey() if data.source == "ready" else bank.blank_survey()
    if data.title.strip():
        definition.title = {"it": data.title.strip()}
    _validate(definition)
    async with transaction():
        survey = Survey(owner=owner, title=definition.title["it"])
        await survey.save()
        version = SurveyVersion(survey=survey.id, number=1, definition=encode(definition))
        await version.save()
        await audit.record("survey.created", caller.user_id, owner, survey_id=str(survey.id),
                           source=data.source)
    return await get_survey(caller, survey.id)


def _owner(caller: Caller, owner_id: UUID | None) -> UUID:
    allowed = [grant.organization_id for grant in creatable_owners(caller)]
    if owner_id is None and len(allowed) == 1:
        return allowed[0]
    if owner_id is None or owner_id not in allowed:
        raise InvalidInput({"owner_id": _("Choose the organization the survey belongs to.")})
    return owner_id


async def freeze_version(version_id: UUID, actor_id: UUID | None = None) -> None:
    """Freeze a version when a wave opens on it; a frozen version is never edited again."""
    async with transaction():
        found = await first_or_404(SurveyVersion.select(SurveyVersion.survey)
                                   .where(SurveyVersion.id == version_id))
        await _lock(found["survey"])
        row = await first_or_404(SurveyVersion.select(
            SurveyVersion.frozen_at, SurveyVersion.definition, SurveyVersion.number,
            SurveyVersion.survey.owner).where(SurveyVersion.id == version_id))
        if row["frozen_at"] is not None:
            return
        _validate(decode(row["definition"]), final=True)
        await SurveyVersion.update({SurveyVersion.frozen_at: now()}).where(
            SurveyVersion.id == version_id)
        await audit.record("survey.version_frozen", actor_id, row["survey.owner"],
                           survey_id=str(found["survey"]), version=row["number"])


async def _lock(survey_id: UUID) -> None:
    """Serialise writers of one survey, so a wave never freezes a version mid-edit.

    SQLite write transactions are IMMEDIATE and already one at a time.
    """
    if not is_sqlite():
        await Survey.select(Survey.id).where(Survey.id == survey_id).lock_rows()


def _validate(definition: Definition, final: bool = False) -> None:
    errors = problems(definition, final)
    known = bank.areas()
    for s, section in enumerate(definition.sections):
        for q, question in enumerate(section.questions):
            if question.area and question.area not in known:
                errors[f"sections[{s}].questions[{q}].area"] = _(
                    "Not an area of the question bank.")
    errors.update(content_rules.check(definition))
    if errors:
        raise InvalidInput(errors)


# --- Editing the draft -------------------------------------------------------------------

Change = Callable[[Definition], Definition]


async def _edit(caller: Caller, survey_id: UUID, action: str, change: Change,
                **detail: Any) -> VersionDetail:
    """Apply `change` to the draft (a new one if the latest version is frozen), check the
    result as a whole and save it, all in one transaction: a refusal changes nothing."""
    async with transaction():
        survey = await _survey_row(caller, survey_id)
        await _lock(survey_id)
        draft = await _draft(caller, survey)
        definition = change(decode(draft["definition"]))
        _validate(definition)
        saved = await SurveyVersion.update({SurveyVersion.definition: encode(definition),
                                            SurveyVersion.updated_at: now()}).where(
            (SurveyVersion.id == draft["id"]) & SurveyVersion.frozen_at.is_null()
        ).returning(SurveyVersion.id)
        if not saved:  # frozen by someone who did not take the lock: never edit it
            raise InvalidInput({"version": _("A wave has just opened on this version. "
                                             "Try again: your change will make a new version.")})
        await Survey.update({Survey.title: definition.title["it"]}).where(Survey.id == survey_id)
        await audit.record(action, caller.user_id, survey["owner"], survey_id=str(survey_id),
                           version=draft["number"], **detail)
    return await get_version(caller, survey_id, draft["number"])


async def _draft(caller: Caller, survey: dict[str, Any]) -> dict[str, Any]:
    latest: dict[str, Any] = await first_or_404(
        SurveyVersion.select().where(SurveyVersion.survey == survey["id"])
        .order_by(SurveyVersion.number, ascending=False))
    if latest["frozen_at"] is None:
        return latest
    copy = SurveyVersion(survey=survey["id"], number=latest["number"] + 1,
                         definition=encode(decode(latest["definition"])))
    await copy.save()
    await audit.record("survey.version_created", caller.user_id, survey["owner"],
                       survey_id=str(survey["id"]), version=copy.number,
                       copied_from=latest["number"])
    return {"id": copy.id, "number": copy.number, "definition": latest["definition"]}


async def update_details(caller: Caller, survey_id: UUID, title: str,
                         intro: str) -> VersionDetail:
    """Change the Italian title and introduction (other languages: `update_translations`)."""
    def change(definition: Definition) -> Definition:
        _set_text(definition.title, "it", title)
        _set_optional(definition.intro, intro)
        return definition

    return await _edit(caller, survey_id, "survey.details_updated", change)


async def add_section(caller: Caller, survey_id: UUID, title: str) -> VersionDetail:
    """Add an empty section at the end; a version is frozen only once it has questions."""
    def change(definition: Definition) -> Definition:
        taken = {section.key for section in definition.sections}
        key = _unique(slug(title, "section"), taken)
        definition.sections.append(Section(key=key, title=_texts(title), questions=[]))
        return definition

    return await _edit(caller, survey_id, "survey.section_added", change)


async def update_section(caller: Caller, survey_id: UUID, key: str, title: str,
                         intro: str) -> VersionDetail:
    """Change a section's Italian title and introduction."""
    def change(definition: Definition) -> Definition:
        section = _section(definition, key)
        _set_text(section.title, "it", title)
        _set_optional(section.intro, intro)
        return definition

    return await _edit(caller, survey_id, "survey.section_updated", change, section=key)


async def remove_section(caller: Caller, survey_id: UUID, key: str) -> VersionDetail:
    """Delete a section with its questions."""
    def change(definition: Definition) -> Definition:
        definition.sections.remove(_section(definition, key))
        return definition

    return await _edit(caller, survey_id, "survey.section_removed", change, section=key)


async def move_section(caller: Caller, survey_id: UUID, key: str, offset: int) -> VersionDetail:
    """Move a section up (-1) or down (+1)."""
    def change(definition: Definition) -> Definition:
        sections = definition.sections
        i = sections.index(_section(definition, key))
        j = min(max(i + offset, 0), len(sections) - 1)
        sections.insert(j, sections.pop(i))
        return definition

    return await _edit(caller, survey_id, "survey.section_moved", change, section=key)


async def add_question(caller: Caller, survey_id: UUID, section_key: str,
                       question: Question) -> VersionDetail:
    """Add a question at the end of a section; empty keys are made from the Italian text."""
    def change(definition: Definition) -> Definition:
        fill_keys(question, {q.key for q in questions(definition)})
        _section(definition, section_key).questions.append(question)
        return definition

    return await _edit(caller, survey_id, "survey.question_added", change,
                       section=section_key)


async def update_question(caller: Caller, survey_id: UUID, key: str,
                          question: Question) -> VersionDetail:
    """Replace the question `key` (its new key may differ)."""
    def change(definition: Definition) -> Definition:
        section, i = _locate(definition, key)
        fill_keys(question, {q.key for q in questions(definition)} - {key})
        section.questions[i] = question
        return definition

    return await _edit(caller, survey_id, "survey.question_updated", change, question=key)


async def remove_question(caller: Caller, survey_id: UUID, key: str) -> VersionDetail:
    """Delete a question; refused while a later question's condition looks at it."""
    def change(definition: Definition) -> Definition:
        section, i = _locate(definition, key)
        del section.questions[i]
        return definition

    return await _edit(caller, survey_id, "survey.question_removed", change, question=key)


async def move_question(caller: Caller, survey_id: UUID, key: str,
                        offset: int) -> VersionDetail:
    """Move a question up (-1) or down (+1); from the top or the bottom of a section it
    goes to the end of the previous section or the start of the next one."""
    def change(definition: Definition) -> Definition:
        section, i = _locate(definition, key)
        s = definition.sections.index(section)
        question = section.questions.pop(i)
        target = i + offset
        if 0 <= target <= len(section.questions):
            section.questions.insert(target, question)
        elif target < 0 and s > 0:
            definition.sections[s - 1].questions.append(question)
        elif target > 0 and s + 1 < len(definition.sections):
            definition.sections[s + 1].questions.insert(0, question)
        else:
            section.questions.insert(i, question)  # already first or last in the survey
        return definition

    return await _edit(caller, survey_id, "survey.question_moved", change, question=key)


async def add_bank_question(caller: Caller, survey_id: UUID, section_key: str,
                            bank_key: str) -> VersionDetail:
    """Copy a bank question to the end of a section. Its condition comes along only if the
    question it looks at is already earlier in the survey; texts in languages the survey
    does not have are left out."""
    def change(definition: Definition) -> Definition:
        question = bank.bank_question(bank_key)
        if question is None:
            raise InvalidInput({"bank": _("Choose a question of the bank.")})
        section = _section(definition, section_key)
        earlier = [q.key for s in definition.sections[:definition.sections.index(section) + 1]
                   for q in s.questions]
        if question.key in {q.key for q in questions(definition)}:
            raise InvalidInput({"bank": _("This question is already in the survey.")})
        if question.show_if and question.show_if.question not in earlier:
            question.show_if = None
        section.questions.append(_only_languages(question, definition.languages))
        return definition

    return await _edit(caller, survey_id, "survey.bank_question_added", change,
                       question=bank_key)


async def update_translations(caller: Caller, survey_id: UUID, language: str,
                              values: Mapping[str, str]) -> VersionDetail:
    """Set texts in `language`, by stable path (`definition.all_texts`); an empty value
    removes the translation, so that the Italian shows. Paths that no longer exist are
    skipped: the survey may have changed since the form was opened."""
    def change(definition: Definition) -> Definition:
        if language not in definition.languages:
            raise NotFoundException()
        index = {stable: texts for stable, _path, texts in all_texts(definition)}
        for stable, value in values.items():
            texts = index.get(stable)
            if texts is not None and texts.get("it"):
                _set_text(texts, language, value)
        return definition

    return await _edit(caller, survey_id, "survey.translated", change, language=language)


async def add_language(caller: Caller, survey_id: UUID, language: str) -> VersionDetail:
    """Add a language (program admins only); until translated, its texts show in Italian."""
    if not caller.is_program_admin:
        raise PermissionDeniedException()
    code = language.strip().lower()

    def change(definition: Definition) -> Definition:
        if code not in SURVEY_LANGUAGES:
            raise InvalidInput({"language": _("Choose a language from the list.")})
        if code in definition.languages:
            raise InvalidInput({"language": _("The survey already has this language.")})
        definition.languages.append(code)
        return definition

    return await _edit(caller, survey_id, "survey.language_added", change, language=code)


async def replace_definition(caller: Caller, survey_id: UUID,
                             definition: Definition) -> VersionDetail:
    """Replace the draft's whole definition (the API's PUT). Only a program admin may
    change the list of languages."""
    def change(current: Definition) -> Definition:
        if definition.languages != current.languages and not caller.is_program_admin:
            raise InvalidInput({"languages": _(
                "Only a program administrator can change the survey's languages.")})
        return definition

    return await _edit(caller, survey_id, "survey.definition_replaced", change)


# --- Small helpers ---------------------------------------------------------------------


def _section(definition: Definition, key: str) -> Section:
    for section in definition.sections:
        if section.key == key:
            return section
    raise NotFoundException()


def _locate(definition: Definition, key: str) -> tuple[Section, int]:
    for section in definition.sections:
        for i, question in enumerate(section.questions):
            if question.key == key:
                return section, i
    raise NotFoundException()


def _texts(italian: str) -> Texts:
    return {"it": italian.strip()} if italian.strip() else {}


def _set_text(texts: Texts, language: str, value: str) -> None:
    if value.strip():
        texts[language] = value.strip()
    else:
        texts.pop(language, None)


def _set_optional(texts: Texts, italian: str) -> None:
    """An optional text (intro, help) without Italian goes away in every language."""
    if italian.strip():
        texts["it"] = italian.strip()
    else:
        texts.clear()


def _only_languages(question: Question, languages: list[str]) -> Question:
    def keep(texts: Texts) -> Texts:
        return {code: text for code, text in texts.items() if code in languages}

    question.text, question.help = keep(question.text), keep(question.help)
    for choice in [*question.options, *question.rows]:
        choice.text = keep(choice.text)
    return question


def slug(text: str, fallback: str) -> str:
    """A key from the first words of `text`: "Hai figli sotto i 14 anni?" -> hai_figli_sotto_i."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()[:4]
    key = "_".join(words)[:40].strip("_")
    return key if key[:1].isalpha() else f"{fallback}_{key}".strip("_")


def _unique(key: str, taken: set[str]) -> str:
    found, n = key, 2
    while found in taken:
        found, n = f"{key}_{n}", n + 1
    return found


def fill_keys(question: Question, taken: set[str]) -> None:
    """Give keys to a question and its options that have none, from their Italian text."""
    if not question.key:
        question.key = _unique(slug(text_in(question.text, "it"), "question"), taken)
    for choices in (question.options, question.rows):
        used = {choice.key for choice in choices if choice.key}
        for choice in choices:
            if not choice.key:
                choice.key = _unique(slug(text_in(choice.text, "it"), "answer"), used)
                used.add(choice.key)


# --- Rendering for the answering pages and the preview -----------------------------------


class Shown(msgspec.Struct):
    """A text as shown, and the language it is really in (Italian when it fell back)."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text


class RenderedChoice(msgspec.Struct):
    key: str
    label: Shown


class RenderedQuestion(msgspec.Struct):
    key: str
    type: str
    text: Shown
    help: Shown | None
    required: bool
    options: list[RenderedChoice]
    rows: list[RenderedChoice]
    minimum: int | None
    maximum: int | None
    max_length: int
    show_if: Condition | None
    reporting_attribute: bool
    area: str


class RenderedSection(msgspec.Struct):
    key: str
    title: Shown
    intro: Shown | None
    questions: list[RenderedQuestion]


class RenderedSurvey(msgspec.Struct):
    language: str
    direction: str
    title: Shown
    intro: Shown | None
    sections: list[RenderedSection]


def shown(texts: Texts, language: str) -> Shown | None:
    """`texts` in `language`, else in Italian; None when there is no text at all."""
    text = text_in(texts, language)
    if not text:
        return None
    return Shown(text, language if texts.get(language) else "it")


def render_question_text(question: Question, language: str) -> str:
    return text_in(question.text, language)


def render_question(question: Question, language: str) -> RenderedQuestion:
    def choices(items: list[Any]) -> list[RenderedChoice]:
        return [RenderedChoice(c.key, shown(c.text, language) or Shown(c.key, language))
                for c in items]

    return RenderedQuestion(
        question.key, question.type, shown(question.text, language) or Shown("", "it"),
        shown(question.help, language), question.required, choices(question.options),
        choices(question.rows), question.minimum, question.maximum, question.max_length,
        question.show_if, question.reporting_attribute, question.area)


def render_survey(definition: Definition, language: str) -> RenderedSurvey:
    """The whole survey in `language` (Italian if the survey does not have it)."""
    language = language if language in definition.languages else "it"
    sections = [RenderedSection(s.key, shown(s.title, language) or Shown(s.key, language),
                                shown(s.intro, language),
                                [render_question(q, language) for q in s.questions])
                for s in definition.sections]
    return RenderedSurvey(language, language_direction(language),
                          shown(definition.title, language) or Shown("", "it"),
                          shown(definition.intro, language), sections)
