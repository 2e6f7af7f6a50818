"""The survey editor's pages: list and create, the draft editor, translations, preview.

Everything works without JavaScript: each action is a small form (edit, move up, move
down, delete), a question has a form per type, and each language has a form showing the
Italian beside every field. Editors write in Italian; other languages are translations.
Form fields are named after the definition's paths (`text.it`, `options[2].key`), so
the service's messages land beside their field.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import program_admin, roles
from app.errors import InvalidInput
from app.i18n import _, current_language, ngettext, use_language
from app.roles import HR_MANAGER
from app.web.context import caller_of
from surveys import bank
from surveys.definition import (
    CHOICE_TYPES,
    SCALE_KEYS,
    SURVEY_LANGUAGES,
    Condition,
    Definition,
    Option,
    Question,
    Texts,
    all_texts,
    language_direction,
    questions,
    text_in,
)
from surveys.editor import service as surveys_service
from surveys.editor.service import SurveyCreate

Req = Request[Any, Any, Any]
survey_editor = roles(HR_MANAGER, *PROGRAM_STAFF)
QUESTION_TYPES = ("single", "multiple", "scale", "number", "text", "grid")
BLANK_ROWS = 3  # empty option or row lines offered for adding, as there is no script


def type_label(kind: str) -> str:
    return {
        "single": _("Single choice"),
        "multiple": _("Multiple choice"),
        "scale": _("1–5 scale"),
        "number": _("Number"),
        "text": _("Short text"),
        "grid": _("Grid"),
    }[kind]


def text_kind(stable: str) -> str:
    """What a text of `definition.all_texts` is, from its stable path."""
    parts = stable.split(".")
    if parts[0] == "sections":
        return _("Section title") if parts[2] == "title" else _("Section introduction")
    if parts[0] == "questions":
        return {"text": _("Question"), "help": _("Help text"), "options": _("Answer"),
                "rows": _("Grid row")}[parts[2]]
    return _("Survey title") if stable == "title" else _("Introduction")




def _helpers() -> dict[str, Any]:
    return {"type_label": type_label, "text_in": text_in, "types": QUESTION_TYPES,
            "areas": bank.areas(), "language_names": SURVEY_LANGUAGES,
            "ui_language": current_language(), "direction": language_direction}


def _lookup(definition: Definition, language: str) -> dict[str, Any]:
    """`condition_text(condition)`: a condition in words, for the editor and the preview."""
    labels = {q.key: text_in(q.text, language) for q in questions(definition)}
    answers = {q.key: {o.key: text_in(o.text, language) for o in q.options}
               for q in questions(definition)}

    def condition_text(condition: Condition) -> str:
        chosen = answers.get(condition.question, {})
        return _("Shown only if the answer to “{question}” is: {answers}").format(
            question=labels.get(condition.question, condition.question),
            answers=", ".join(chosen.get(key, key) for key in condition.any_of))

    return {"condition_text": condition_text}


def _to(survey_id: UUID, anchor: str = "") -> Redirect:
    return Redirect(f"/surveys/{survey_id}{'#' + anchor if anchor else ''}", status_code=303)


async def _form(request: Req) -> FormMultiDict:
    return await request.form()  # type: ignore[no-any-return]


class SurveyEditorPages(Controller):
    path = "/surveys"
    guards = [survey_editor]
    include_in_schema = False

    @get("/")
    async def list_page(self, request: Req) -> Template:
        return await self._list(request, {}, {})

    @post("/")
    async def create(self, request: Req) -> Any:
        form = await _form(request)
        owner = form.get("owner_id") or None
        data = SurveyCreate(source="empty" if form.get("source") == "empty" else "ready",
                            title=form.get("title", ""), owner_id=_uuid(owner))
        try:
            created = await surveys_service.create_survey(caller_of(request), data)
        except InvalidInput as invalid:
            errors = {"title" if key.startswith("title.") else key: message
                      for key, message in invalid.errors.items()}
            return await self._list(request, dict(form), errors)
        return _to(created.id)

    @get("/{survey_id:uuid}")
    async def editor(self, request: Req, survey_id: UUID) -> Template:
        return await self._editor(request, survey_id, {}, {})

    @post("/{survey_id:uuid}/details")
    async def details(self, request: Req, survey_id: UUID) -> Any:
        form = await _form(request)
        return await self._act(request, survey_id, form, "details", surveys_service.update_details(
            caller_of(request), survey_id, form.get("title.it", ""), form.get("intro.it", "")))

    @post("/{survey_id:uuid}/sections")
    async def section_add(self, request: Req, survey_id: UUID) -> Any:
        form = await _form(request)
        try:
            draft = await surveys_service.add_section(caller_of(request), survey_id,
                                                      form.get("new_section", ""))
        except InvalidInput as invalid:
            errors = {"new_section" if key.startswith("sections[") else key: message
                      for key, message in invalid.errors.items()}
            return await self._editor(request, survey_id, dict(form), errors)
        return _to(survey_id, f"s-{draft.definition.sections[-1].key}")

    @get("/{survey_id:uuid}/sections/{key:str}")
    async def section_page(self, request: Req, survey_id: UUID, key: str) -> Template:
        detail = await surveys_service.get_survey(caller_of(request), survey_id)
        section = _find_section(detail.latest.definition, key)
        values = {"title.it": section.title.get("it", ""), "intro.it": section.intro.get("it", "")}
        return _section_page(detail, key, values, {})

    @post("/{survey_id:uuid}/sections/{key:str}")
    async def section_update(self, request: Req, survey_id: UUID, key: str) -> Any:
        form = await _form(request)
        caller = caller_of(request)
        try:
            await surveys_service.update_section(caller, survey_id, key, form.get("title.it", ""),
                                                 form.get("intro.it", ""))
        except InvalidInput as invalid:
            detail = await surveys_service.get_survey(caller, survey_id)
            errors = {re.sub(r"^sections\[\d+\]\.", "", k): v for k, v in invalid.errors.items()}
            return _section_page(detail, key, dict(form), errors)
        return _to(survey_id, f"s-{key}")

    @post("/{survey_id:uuid}/sections/{key:str}/move")
    async def section_move(self, request: Req, survey_id: UUID, key: str) -> Any:
        form = await _form(request)
        return await self._act(request, survey_id, form, f"s-{key}", surveys_service.move_section(
            caller_of(request), survey_id, key, _offset(form)))

    @post("/{survey_id:uuid}/sections/{key:str}/delete")
    async def section_delete(self, request: Req, survey_id: UUID, key: str) -> Any:
        form = await _form(request)
        if form.get("confirm") != "yes":
            detail = await surveys_service.get_survey(caller_of(request), survey_id)
            section = _find_section(detail.latest.definition, key)
            return _confirm(detail, f"/surveys/{survey_id}/sections/{key}/delete",
                            ngettext("Delete the section “{title}” and its {count} question?",
                                     "Delete the section “{title}” and its {count} questions?",
                                     len(section.questions)).format(
                                title=text_in(section.title, "it"),
                                count=len(section.questions)), f"s-{key}")
        return await self._act(request, survey_id, form, "sections", surveys_service.remove_section(
            caller_of(request), survey_id, key))

    @get("/{survey_id:uuid}/sections/{key:str}/new")
    async def question_new(self, request: Req, survey_id: UUID, key: str,
                           kind: str = Parameter(query="type", default="single")) -> Template:
        if kind not in QUESTION_TYPES:
            raise NotFoundException()
        detail = await surveys_service.get_survey(caller_of(request), survey_id)
        _find_section(detail.latest.definition, key)
        return _question_page(detail, _blank_values(kind), {}, kind, section=key)

    @post("/{survey_id:uuid}/sections/{key:str}/new")
    async def question_add(self, request: Req, survey_id: UUID, key: str) -> Any:
        form = await _form(request)
        caller = caller_of(request)
        kind = form.get("type", "")
        if kind not in QUESTION_TYPES:
            raise NotFoundException()
        detail = await surveys_service.get_survey(caller, survey_id)
        definition = detail.latest.definition
        try:
            question = question_from_form(form, kind, None)
            await surveys_service.add_question(caller, survey_id, key, question)
        except InvalidInput as invalid:
            where = f"sections[{_section_index(definition, key)}].questions[" \
                    f"{len(_find_section(definition, key).questions)}]"
            return _question_page(detail, _values(form), _relative(invalid.errors, where), kind,
                                  section=key)
        return _to(survey_id, f"q-{question.key}")

    @post("/{survey_id:uuid}/bank")
    async def bank_add(self, request: Req, survey_id: UUID) -> Any:
        form = await _form(request)
        return await self._act(request, survey_id, form, f"q-{form.get('question', '')}",
                               surveys_service.add_bank_question(
                                   caller_of(request), survey_id, form.get("section", ""),
                                   form.get("question", "")))

    @get("/{survey_id:uuid}/questions/{key:str}")
    async def question_page(self, request: Req, survey_id: UUID, key: str) -> Template:
        detail = await surveys_service.get_survey(caller_of(request), survey_id)
        question = _find_question(detail.latest.definition, key)
        return _question_page(detail, flatten(question), {}, question.type, key=key)

    @post("/{survey_id:uuid}/questions/{key:str}")
    async def question_update(self, request: Req, survey_id: UUID, key: str) -> Any:
        form = await _form(request)
        caller = caller_of(request)
        detail = await surveys_service.get_survey(caller, survey_id)
        current = _find_question(detail.latest.definition, key)
        try:
            question = question_from_form(form, current.type, current)
            await surveys_service.update_question(caller, survey_id, key, question)
        except InvalidInput as invalid:
            where = _question_path(detail.latest.definition, key)
            return _question_page(detail, _values(form), _relative(invalid.errors, where),
                                  current.type, key=key)
        return _to(survey_id, f"q-{question.key}")

    @post("/{survey_id:uuid}/questions/{key:str}/move")
    async def question_move(self, request: Req, survey_id: UUID, key: str) -> Any:
        form = await _form(request)
        return await self._act(request, survey_id, form, f"q-{key}", surveys_service.move_question(
            caller_of(request), survey_id, key, _offset(form)))

    @post("/{survey_id:uuid}/questions/{key:str}/delete")
    async def question_delete(self, request: Req, survey_id: UUID, key: str) -> Any:
        form = await _form(request)
        if form.get("confirm") != "yes":
            detail = await surveys_service.get_survey(caller_of(request), survey_id)
            question = _find_question(detail.latest.definition, key)
            return _confirm(detail, f"/surveys/{survey_id}/questions/{key}/delete",
                            _("Delete the question “{text}”?").format(
                                text=text_in(question.text, "it")), f"q-{key}")
        return await self._act(request, survey_id, form, "sections",
                               surveys_service.remove_question(caller_of(request), survey_id, key))

    @get("/{survey_id:uuid}/translations/{language:str}")
    async def translations_page(self, request: Req, survey_id: UUID, language: str) -> Template:
        detail = await surveys_service.get_survey(caller_of(request), survey_id)
        return _translations_page(detail, language, None, {},
                                  saved="saved" in request.query_params)

    @post("/{survey_id:uuid}/translations/{language:str}")
    async def translations_save(self, request: Req, survey_id: UUID, language: str) -> Any:
        form = await _form(request)
        caller = caller_of(request)
        values = {k: str(v) for k, v in form.items() if k != "_csrf_token"}
        try:
            await surveys_service.update_translations(caller, survey_id, language, values)
        except InvalidInput as invalid:
            detail = await surveys_service.get_survey(caller, survey_id)
            return _translations_page(detail, language, values, invalid.errors)
        return Redirect(f"/surveys/{survey_id}/translations/{language}?saved=1", status_code=303)

    @post("/{survey_id:uuid}/languages", guards=[program_admin])
    async def language_add(self, request: Req, survey_id: UUID) -> Any:
        form = await _form(request)
        return await self._act(request, survey_id, form, "languages", surveys_service.add_language(
            caller_of(request), survey_id, form.get("language", "")))

    @get("/{survey_id:uuid}/versions/{number:int}")
    async def preview(self, request: Req, survey_id: UUID, number: int,
                      language: str = "") -> Template:
        caller = caller_of(request)
        detail = await surveys_service.get_survey(caller, survey_id)
        version = await surveys_service.get_version(caller, survey_id, number)
        definition = version.definition
        chosen = language if language in definition.languages else (
            current_language() if current_language() in definition.languages else "it")
        rendered = surveys_service.render_survey(definition, chosen)
        return Template("surveys/survey_preview.html", context={
            **_helpers(), **_lookup(definition, chosen), "survey": detail, "version": version,
            "rendered": rendered, "languages": definition.languages})

    async def _act(self, request: Req, survey_id: UUID, form: FormMultiDict, anchor: str,
                   action: Any) -> Any:
        """Run a service call; on a refusal show the editor again with the messages."""
        try:
            await action
        except InvalidInput as invalid:
            return await self._editor(request, survey_id, dict(form), invalid.errors)
        return _to(survey_id, anchor)

    async def _list(self, request: Req, form: dict[str, Any], errors: dict[str, str]) -> Template:
        caller = caller_of(request)
        found = await surveys_service.list_surveys(caller)
        return Template("surveys/survey_list.html", status_code=422 if errors else 200, context={
            **_helpers(), "surveys": found, "owners": surveys_service.creatable_owners(caller),
            "form": form, "errors": errors})

    async def _editor(self, request: Req, survey_id: UUID, form: dict[str, Any],
                      errors: dict[str, str]) -> Template:
        caller = caller_of(request)
        detail = await surveys_service.get_survey(caller, survey_id)
        definition = detail.latest.definition
        return Template("surveys/survey_editor.html", status_code=422 if errors else 200, context={
            **_helpers(), **_lookup(definition, "it"), "survey": detail,
            "definition": definition, "form": form,
            "errors": errors, "bank": bank.question_bank(),
            "in_survey": {q.key for q in questions(definition)},
            "can_add_language": caller.is_program_admin,
            "addable_languages": [c for c in SURVEY_LANGUAGES if c not in definition.languages]})


# --- Pages built from a survey -------------------------------------------------------------


def _section_page(detail: Any, key: str, values: dict[str, Any],
                  errors: dict[str, str]) -> Template:
    return Template("surveys/survey_section.html", status_code=422 if errors else 200, context={
        **_helpers(), "survey": detail, "key": key, "values": values, "errors": errors})


def _question_page(detail: Any, values: dict[str, Any], errors: dict[str, str], kind: str,
                   key: str = "", section: str = "") -> Template:
    definition = detail.latest.definition
    stop = key or None
    return Template("surveys/survey_question.html", status_code=422 if errors else 200, context={
        **_helpers(), "survey": detail, "values": values, "errors": errors, "kind": kind,
        "key": key, "section": section, "sources": _condition_sources(definition, stop, section),
        "option_rows": _count(values, "options") + BLANK_ROWS,
        "grid_rows": _count(values, "rows") + BLANK_ROWS, "scale_keys": SCALE_KEYS})


def _translations_page(detail: Any, language: str, values: dict[str, str] | None,
                       errors: dict[str, str], saved: bool = False) -> Template:
    definition = detail.latest.definition
    if language not in definition.languages:
        raise NotFoundException()
    fields = [{"name": stable, "italian": texts["it"], "kind": text_kind(stable),
               "value": values.get(stable, "") if values is not None else texts.get(language, ""),
               "error": errors.get(f"{path}.{language}", "")}
              for stable, path, texts in all_texts(definition) if texts.get("it")]
    shown_errors = {field["name"]: field["error"] for field in fields if field["error"]}
    return Template("surveys/survey_translations.html", status_code=422 if errors else 200,
                    context={**_helpers(), "survey": detail, "language": language,
                             "fields": fields, "errors": shown_errors or errors,
                             "saved": saved})


def _confirm(detail: Any, action: str, question: str, anchor: str) -> Template:
    return Template("surveys/survey_confirm.html", context={
        "survey": detail, "action": action, "question": question, "anchor": anchor})


def _condition_sources(definition: Definition, stop: str | None,
                       section: str) -> list[Question]:
    """The questions a condition may look at: choice questions before the edited one (or
    up to the end of `section` for a new question)."""
    found: list[Question] = []
    for s in definition.sections:
        for question in s.questions:
            if question.key == stop:
                return found
            if question.type in CHOICE_TYPES:
                found.append(question)
        if s.key == section:
            break
    return found


# --- Forms -----------------------------------------------------------------------------


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def _offset(form: FormMultiDict) -> int:
    return -1 if form.get("direction") == "up" else 1


def _values(form: FormMultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "_csrf_token"}
    values["show_if"] = form.getall("show_if", [])
    return values


def _count(values: dict[str, Any], name: str) -> int:
    return len({m.group(1) for k in values if (m := re.match(rf"{name}\[(\d+)\]", k))})


def _blank_values(kind: str) -> dict[str, Any]:
    """A new question's form; a scale starts with the usual labels of its five points, in
    Italian whatever the editor's language, as they fill the Italian fields."""
    values: dict[str, Any] = {"show_if": []}
    if kind == "scale":
        with use_language("it"):
            labels = [_("Not at all"), _("A little"), _("Somewhat"), _("A lot"), _("Very much")]
        values.update({f"options[{i}].text.it": label for i, label in enumerate(labels)})
    return values


def flatten(question: Question) -> dict[str, Any]:
    """A question as the values of its form."""
    values: dict[str, Any] = {
        "key": question.key, "text.it": question.text.get("it", ""),
        "help.it": question.help.get("it", ""), "area": question.area,
        "minimum": "" if question.minimum is None else str(question.minimum),
        "maximum": "" if question.maximum is None else str(question.maximum),
        "max_length": str(question.max_length),
        "show_if": [f"{question.show_if.question}:{k}" for k in question.show_if.any_of]
        if question.show_if else [],
    }
    if question.required:
        values["required"] = "on"
    if question.reporting_attribute:
        values["reporting_attribute"] = "on"
    for name, choices in (("options", question.options), ("rows", question.rows)):
        for i, choice in enumerate(choices):
            values[f"{name}[{i}].key"] = choice.key
            values[f"{name}[{i}].text.it"] = choice.text.get("it", "")
    return values


def question_from_form(form: FormMultiDict, kind: str, base: Question | None) -> Question:
    """The question a form describes; texts in other languages are kept from `base`."""
    errors: dict[str, str] = {}
    numbers = {name: _integer(form, name, errors) for name in ("minimum", "maximum", "max_length")}
    show_if = _condition(form, errors)
    if errors:
        raise InvalidInput(errors)
    options = _choices(form, "options", base.options if base else [])
    max_length = numbers["max_length"]
    return Question(
        key=form.get("key", base.key if base else "").strip(), type=kind,  # type: ignore[arg-type]
        text=_merge(base.text if base else {}, form.get("text.it", "")),
        help=_merge(base.help if base else {}, form.get("help.it", ""), optional=True),
        required=form.get("required") == "on", area=form.get("area", ""),
        options=options if kind in ("single", "multiple", "grid", "scale") else [],
        rows=_choices(form, "rows", base.rows if base else []) if kind == "grid" else [],
        minimum=numbers["minimum"] if kind == "number" else None,
        maximum=numbers["maximum"] if kind == "number" else None,
        max_length=500 if kind != "text" or max_length is None else max_length,
        show_if=show_if, reporting_attribute=form.get("reporting_attribute") == "on")


def _merge(base: Texts, italian: str, optional: bool = False) -> Texts:
    if optional and not italian.strip():
        return {}
    texts = dict(base)
    texts["it"] = italian.strip()
    return texts


def _choices(form: FormMultiDict, name: str, base: list[Option]) -> list[Option]:
    """Options or rows from numbered fields; blank lines are dropped."""
    known = {choice.key: choice for choice in base}
    found: list[Option] = []
    for i in range(_count(dict(form), name)):
        key = form.get(f"{name}[{i}].key", "").strip()
        label = form.get(f"{name}[{i}].text.it", "").strip()
        if key or label:
            texts = dict(known[key].text) if key in known else {}
            found.append(Option(key, {**texts, "it": label}))
    return found


def _integer(form: FormMultiDict, name: str, errors: dict[str, str]) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        errors[name] = _("Enter a whole number, like 10.")
        return None


def _condition(form: FormMultiDict, errors: dict[str, str]) -> Condition | None:
    pairs = [value.split(":", 1) for value in form.getall("show_if", []) if ":" in value]
    sources = {source for source, _answer in pairs}
    if len(sources) > 1:
        errors["show_if"] = _("Choose answers of one question only.")
        return None
    if not sources:
        return None
    return Condition(question=sources.pop(), any_of=[answer for _source, answer in pairs])


def _relative(errors: dict[str, str], prefix: str) -> dict[str, str]:
    """Messages about the edited question named as its form's fields (`text.it`)."""
    return {k[len(prefix) + 1:] if k.startswith(prefix + ".") else k: v
            for k, v in errors.items()}


# --- Finding things ----------------------------------------------------------------------


def _find_section(definition: Definition, key: str) -> Any:
    for section in definition.sections:
        if section.key == key:
            return section
    raise NotFoundException()


def _section_index(definition: Definition, key: str) -> int:
    return definition.sections.index(_find_section(definition, key))


def _find_question(definition: Definition, key: str) -> Question:
    for question in questions(definition):
        if question.key == key:
            return question
    raise NotFoundException()


def _question_path(definition: Definition, key: str) -> str:
    for s, section in enumerate(definition.sections):
        for q, question in enumerate(section.questions):
            if question.key == key:
                return f"sections[{s}].questions[{q}]"
    raise NotFoundException()
