"""The employee's answer pages: `/r/<token>` and the access-code page `/codice`.

Plain HTML forms, no script: one page per section, each button a form submission. The
pages hold no session; the link or the code is the key, and a draft keeps what was
typed so the same link or code resumes it. Handlers stay thin: the rules live in
surveys.answering.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any
from urllib.parse import quote

from babel import UnknownLocaleError
from babel.dates import format_date
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template

from app.i18n import LANGUAGE_NAMES, _, current_language, set_language
from app.ratelimit import allow, bucket, hits
from app.settings import LANGUAGES, get_settings
from app.web.context import client_ip
from app.web.errors import error_response
from surveys.answering.service import (
    Draft,
    Invitee,
    Opening,
    code_path,
    field_name,
    first_section_with_errors,
    look_up,
    merge_section,
    read_section,
    resolve_code,
    save_draft,
    section_errors,
    shown_section,
    submit,
    visible_keys,
)
from surveys.definition import (
    SURVEY_LANGUAGES,
    Definition,
    Question,
    language_direction,
    text_in,
)
from surveys.distribution.tokens import LINK_PREFIX

# An answer link is a credential, and the section and query after it depend on the
# answers; a code (`?c=`) is a credential too. The logs write them `/r/…` and `c=…`.
LOG_PATTERNS = [r"(/r/)[^\s\"']+|([?&]c=)[^&\s\"']+"]

WINDOW_SECONDS = 15 * 60
# Unknown links or codes per address and window, then every lookup from it waits: high
# enough for a canteen of people mistyping codes behind one address, far too low to guess.
MISS_LIMIT = 50
CODE_LIMIT = 100  # codes typed per address and window (a canteen kiosk shares one address)
# A draft saved under a printed code opens only in the browser that saved it: the card
# alone (in someone else's hands) opens a fresh form. Mailed links need no cookie.
RESUME_COOKIE = "legami_resume"
RESUME_SECONDS = 120 * 24 * 3600


class AnswerPages(Controller):
    include_in_schema = False

    @get("/r/{token:str}")
    async def entry(self, request: Request[Any, Any, Any], token: str) -> Response[Any]:
        """The privacy notice (or where a draft left off), else thank-you or the wave's dates."""
        found = await _open(request, token)
        if isinstance(found, Response):
            return found
        invitee, wave, draft, language = found
        if invitee.answered or wave.state != "open":
            return _closing_page(token, wave, language, invitee.answered)
        return Template("answer/notice.html", context={
            **frame(token, wave, language, request.url.path),
            "intro": text_in(wave.definition.intro, language) if wave.definition.intro else "",
            "resume": min(draft.section + 1, len(wave.definition.sections)) if draft else None,
            "saved": bool(request.query_params.get("saved")),
            "groups": group_names(wave, language),
            "closes_on": long_date(wave.closes_on),
        })

    @get("/r/{token:str}/{number:int}")
    async def section_page(self, request: Request[Any, Any, Any], token: str,
                           number: int) -> Response[Any]:
        found = await _open(request, token)
        if isinstance(found, Response):
            return found
        invitee, wave, draft, language = found
        if invitee.answered or wave.state != "open":
            return _redirect(token, language)
        if not 1 <= number <= len(wave.definition.sections):
            return error_response(request, 404)
        answers = draft.answers if draft else {}
        appeared: list[str] = []
        errors: dict[str, str] = {}
        if draft and draft.shown is not None and draft.section == number - 1:
            appeared, errors = _review(wave.definition, number, answers, draft.shown)
        return _section(token, wave, language, number, answers, errors, appeared)

    @post("/r/{token:str}/{number:int}")
    async def section_post(self, request: Request[Any, Any, Any], token: str,
                           number: int) -> Response[Any]:
        found = await _open(request, token)
        if isinstance(found, Response):
            return found
        invitee, wave, draft, language = found
        if invitee.answered or wave.state != "open":
            return _redirect(token, language)
        if not 1 <= number <= len(wave.definition.sections):
            return error_response(request, 404)
        resume = request.cookies.get(RESUME_COOKIE) or ""
        if invitee.by_code and not resume:
            resume = secrets.token_urlsafe(16)
            response = await _handle_section(request, token, invitee, wave, draft, language,
                                             number, resume)
            response.set_cookie(RESUME_COOKIE, resume, path=LINK_PREFIX, max_age=RESUME_SECONDS,
                                httponly=True, samesite="lax",
                                secure=get_settings().secure_cookies)
            return response
        return await _handle_section(request, token, invitee, wave, draft, language, number,
                                     resume if invitee.by_code else "")

    @get("/codice")
    async def code_form(self, request: Request[Any, Any, Any], c: str = "") -> Response[Any]:
        """The page where a printed code is typed; `?c=` (the sheet's QR code) fills it in."""
        if c:
            return await _use_code(request, c)
        return _code_page("", None)

    @post("/codice")
    async def code_submit(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await request.form()
        return await _use_code(request, str(form.get("code", "")))


# Opening a link ------------------------------------------------------------------------


async def _open(request: Request[Any, Any, Any], token: str
                ) -> tuple[Invitee, Opening, Draft | None, str] | Response[Any]:
    """The invitation, its wave, its draft and the page language, or the page to show."""
    address = _address_key(request)
    found, misses = await look_up(token, bucket(_miss_key(address), WINDOW_SECONDS),
                                  request.cookies.get(RESUME_COOKIE) or "")
    if misses >= MISS_LIMIT:  # refused whatever the link: guessing learns nothing
        return error_response(request, 429)
    if found is None:
        await allow(_miss_key(address), MISS_LIMIT, WINDOW_SECONDS)
        return Template("answer/invalid.html", status_code=404, context={
            "languages": interface_languages(request.url.path, current_language()),
            "ui_lang": current_language()})
    language = _language(request, found.wave, found.draft)
    return found.invitee, found.wave, found.draft, language


def _address_key(request: Request[Any, Any, Any]) -> str:
    # Counters are kept in the database: keep the address itself out of it.
    return hashlib.sha256(client_ip(request).encode()).hexdigest()[:20]


def _miss_key(address: str) -> str:
    """The rate-limit key counting this address's unknown links and codes.

    Read (not counted) with every link, so a person's own pages never count, only links
    that open nothing, and an address over the limit is refused before any answer.
    """
    return f"answer:miss:{address}"


async def _blocked(address: str) -> bool:
    return await hits(_miss_key(address), WINDOW_SECONDS) >= MISS_LIMIT


def _language(request: Request[Any, Any, Any], wave: Opening, draft: Draft | None) -> str:
    """`?lang=` among the survey's languages, else the draft's, else the negotiated one."""
    offered = wave.definition.languages or ["it"]
    asked = request.query_params.get("lang")
    interface = current_language()
    for candidate in (asked, draft.language if draft else None, interface):
        if candidate in offered:
            language = str(candidate)
            break
    else:
        language = "it" if "it" in offered else offered[0]
    if language in LANGUAGES:
        set_language(language)  # the interface follows the survey's language when it can
    return language


def _redirect(token: str, language: str, suffix: str = "", query: str = "") -> Redirect:
    path = f"{LINK_PREFIX}{quote(token)}{suffix}?lang={quote(language)}{query}"
    return Redirect(path, status_code=303)


def _closing_page(token: str, wave: Opening, language: str, answered: bool) -> Template:
    context = {
        **frame(token, wave, language, f"{LINK_PREFIX}{token}"),
        "opens_on": long_date(wave.opens_on),
        "closes_on": long_date(wave.closes_on),
    }
    if answered:
        return Template("answer/thanks.html", context=context)
    return Template("answer/wave_state.html", context={**context, "state": wave.state})


# Sections ------------------------------------------------------------------------------


def _section(token: str, wave: Opening, language: str, number: int, answers: dict[str, Any],
             errors: dict[str, str], appeared: list[str]) -> Template:
    # Always 200, errors or not: the access log must not tell how someone answered.
    view = section_view(wave.definition, number, language, answers, errors)
    if appeared and not errors:
        _focus_the_answer_that_opened(wave.definition, appeared[0], view["questions"])
    return Template("answer/section.html", context={
        **frame(token, wave, language, f"{LINK_PREFIX}{token}/{number}"),
        **view,
        "appeared": appeared or [],
    })


def _focus_the_answer_that_opened(definition: Definition, appeared: str,
                                  items: list[dict[str, Any]]) -> None:
    """Keyboard focus comes back to the answer that opened a question, without a script
    (`autofocus`): the next Tab reaches the new question, which follows it."""
    opened = next(q for part in definition.sections for q in part.questions
                  if q.key == appeared)
    if opened.show_if is None:
        return
    trigger = next((item for item in items
                    if item["name"] == field_name_of(definition, opened.show_if.question)),
                   None)
    if trigger is None:
        return
    options = trigger.get("options") or []
    chosen = next((option for option in options if option["checked"]), None)
    (chosen if chosen is not None else trigger)["autofocus"] = True


async def _handle_section(request: Request[Any, Any, Any], token: str, invitee: Invitee,
                          wave: Opening, draft: Draft | None, language: str,
                          number: int, resume: str) -> Response[Any]:
    form = await request.form()
    section = wave.definition.sections[number - 1]
    own = {q.key for q in section.questions}
    shown = [key for key in str(form.get("shown", "")).split(",") if key in own]
    answers = merge_section(draft.answers if draft else {}, section,
                            read_section(section, form, shown), shown)
    action = str(form.get("action", "next"))
    if action in ("back", "save"):
        back = shown_section(wave.definition, answers, number, -1)
        back_to = back - 1 if action == "back" else number - 1
        if not await save_draft(invitee.invitation_id, answers, max(back_to, 0), language,
                                resume):
            return _redirect(token, language)  # sent meanwhile (another tab, a double tap)
        if action == "save":
            return _redirect(token, language, query="&saved=1")
        return _redirect(token, language, f"/{back}" if back >= 1 else "")
    return await _forward(token, invitee, wave, language, number, answers, shown, resume)


async def _forward(token: str, invitee: Invitee, wave: Opening, language: str, number: int,
                   answers: dict[str, Any], shown: list[str], resume: str) -> Response[Any]:
    """Next or send: always a 303, whatever was answered, so the access log tells nothing.

    It leads to the same section again (new questions its answers opened, or errors: the
    draft remembers what the page showed, so its page shows them), the next section, or,
    from the last one, the thank-you page once the response is sent.
    """
    definition = wave.definition
    appeared, errors = _review(definition, number, answers, shown)
    target, again = ((number, shown) if appeared or errors
                     else (shown_section(definition, answers, number, 1), None))
    if target > len(definition.sections):
        failed = first_section_with_errors(definition, answers)  # a section skipped by URL
        if failed is None:
            await submit(invitee, answers, language, wave)  # a used invitation stores nothing
            return _redirect(token, language)
        visible = visible_keys(definition, answers)
        target, again = failed[0] + 1, [q.key for q in definition.sections[failed[0]].questions
                                        if q.key in visible]
    if not await save_draft(invitee.invitation_id, answers, target - 1, language, resume,
                            again):
        return _redirect(token, language)  # sent meanwhile (another tab, a double tap)
    return _redirect(token, language, f"/{target}")


def _review(definition: Definition, number: int, answers: dict[str, Any], shown: list[str]
            ) -> tuple[list[str], dict[str, str]]:
    """The questions these answers opened beyond those `shown`, and the errors of those."""
    visible = visible_keys(definition, answers)
    appeared = [q.key for q in definition.sections[number - 1].questions
                if q.key in visible and q.key not in shown]
    errors = {key: message for key, message in
              section_errors(definition, number - 1, answers).items() if key in shown}
    return appeared, errors


# Access codes ---------------------------------------------------------------------------


async def _use_code(request: Request[Any, Any, Any], typed: str) -> Response[Any]:
    address = _address_key(request)
    if await _blocked(address) or not await allow(f"answer:code:{address}", CODE_LIMIT,
                                                  WINDOW_SECONDS):
        return _code_page(typed, _("Too many attempts. Wait 15 minutes and try again."), 429)
    invitee = await resolve_code(typed)
    if invitee is None:
        await allow(_miss_key(address), MISS_LIMIT, WINDOW_SECONDS)
        message = (_("Type your code: it has 10 letters and numbers, like ABCDE-12345.")
                   if not typed.strip() else
                   _("This code does not work. Check it on your sheet and type it again."))
        return _code_page(typed, message, 422)
    return Redirect(code_path(typed), status_code=303)


def _code_page(typed: str, error: str | None, status: int = 200) -> Template:
    return Template("answer/code.html", status_code=status, context={
        "code": typed[:20], "errors": {"code": error} if error else {},
        "languages": interface_languages("/codice", current_language()),
        "ui_lang": current_language(),
    })


# What the templates show -----------------------------------------------------------------


def frame(token: str, wave: Opening, language: str, path: str) -> dict[str, Any]:
    """What every answer page shows: the survey's title, its languages, the link's base."""
    definition = wave.definition
    offered = definition.languages or ["it"]
    return {
        "title": text_in(definition.title, language),
        "base": f"{LINK_PREFIX}{quote(token)}",
        "lang": language,
        "ui_lang": current_language(),
        "content_lang": language,
        "content_dir": language_direction(language),
        "languages": [{"code": code, "name": language_name(code), "current": code == language,
                       "dir": language_direction(code), "href": f"{path}?lang={quote(code)}"}
                      for code in offered]
        if len(offered) > 1 else [],
    }


def interface_languages(path: str, language: str) -> list[dict[str, Any]]:
    return [{"code": code, "name": name, "current": code == language, "dir": "ltr",
             "href": f"{path}?lang={code}"} for code, name in LANGUAGE_NAMES.items()]


def language_name(code: str) -> str:
    """A language's name in itself (Română, ਪੰਜਾਬੀ), so everyone finds their own."""
    return SURVEY_LANGUAGES.get(code) or LANGUAGE_NAMES.get(code) or code


def long_date(day: Any) -> str:
    """A date in the words of the page around it (the interface's language)."""
    try:
        return format_date(day, format="long", locale=current_language())
    except (ValueError, UnknownLocaleError):
        return format_date(day, format="long", locale="it")


def group_names(wave: Opening, language: str) -> list[str]:
    """The reporting groups the response carries, named for the notice."""
    names = {"department": _("your department"), "site": _("your site")}
    texts = {q.key: q.text for s in wave.definition.sections for q in s.questions}
    shown: list[str] = []
    for group in wave.reporting_groups:
        key = group.get("key") if isinstance(group, dict) else str(group)
        if key in names:
            shown.append(names[key])
        elif key in texts:
            shown.append(_("your answer to “%(question)s”") % {
                "question": text_in(texts[key], language)})
        elif isinstance(group, dict) and group.get("label"):
            shown.append(_("your “%(column)s” on the company's roster") % {
                "column": group["label"]})
    return shown


def field_name_of(definition: Definition, key: str) -> str:
    """The form field of question `key` of the survey."""
    return next(field_name(q) for part in definition.sections for q in part.questions
                if q.key == key)


def section_view(definition: Definition, number: int, language: str,
                 answers: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """A section's page: its questions as shown for these answers, errors and progress."""
    part = definition.sections[number - 1]
    visible = visible_keys(definition, answers)
    shown = [q for q in part.questions if q.key in visible]
    items = [question_view(q, language, answers.get(q.key), errors.get(q.key)) for q in shown]
    return {
        "number": number,
        "total": len(definition.sections),
        "heading": text_in(part.title, language),
        "intro": text_in(part.intro, language) if part.intro else "",
        "questions": items,
        "summary": [{"anchor": item["anchor"], "text": item["text"], "error": item["error"]}
                    for item in items if item["error"]],
        "shown": ",".join(q.key for q in shown),
    }


def question_view(question: Question, language: str, value: Any, error: str | None
                  ) -> dict[str, Any]:
    """One question for the template: texts in `language`, ids, choices marked as answered."""
    name = field_name(question)
    view: dict[str, Any] = {
        "type": question.type, "name": name, "anchor": name, "error": error or "",
        "text": text_in(question.text, language), "required": question.required,
        "help": text_in(question.help, language) if question.help else "",
        "value": value if isinstance(value, str) else "",
        "max_length": question.max_length,
        "numeric": question.minimum is None or question.minimum >= 0,
    }
    if question.type == "grid":
        chosen = value if isinstance(value, dict) else {}
        view["rows"] = [{"label": text_in(row.text, language),
                         "options": _choices(question, language, field_name(question, row.key),
                                             [chosen.get(row.key)])}
                        for row in question.rows]
        view["anchor"] = view["rows"][0]["options"][0]["id"] if view["rows"] else name
    elif question.type in ("single", "multiple", "scale"):
        view["options"] = _choices(question, language, name,
                                   value if isinstance(value, list) else [value])
        view["anchor"] = view["options"][0]["id"] if view["options"] else name
    view["describedby"] = " ".join(
        part for part, present in ((f"{name}-hint", view["help"]), (f"{name}-error", error),
                                   (f"{name}-limit", question.type == "text"))
        if present)
    return view


def _choices(question: Question, language: str, name: str, chosen: list[Any]
             ) -> list[dict[str, Any]]:
    picked = {str(v) for v in chosen if v is not None}
    return [{"id": f"{name}-{index}", "name": name, "value": option.key,
             "label": text_in(option.text, language), "checked": option.key in picked}
            for index, option in enumerate(question.options, start=1)]


def _protect_logs() -> None:
    """Keep what links a person to an answer out of the logs, whatever their level.

    The access log names each answer link; SQLite's driver, at DEBUG, writes every
    query with its parameters, so an invitation id and the answers sealed a moment
    later would sit on neighbouring lines.
    """
    # An answer link's path is a credential that leads to one invitation; so is a code:
    # the kernel's scrubber (app/web/log_scrub.py) writes them as `/r/…` and `c=…`. The
    # rest of the path goes too: which section follows a post depends on the answers.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


_protect_logs()
