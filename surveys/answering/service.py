"""Answering a survey: open it by link or code, keep a draft, check answers, submit.

The person is known here only through their invitation (envelope one). Submitting marks
the invitation answered and drops the answers, sealed, into the ballot box (`Ballot`)
with nothing of the person: no invitation, token, user, address, time of day or
language. `surveys.ballot` later moves them into `responses` in shuffled batches.
See docs/privacy.md for the whole argument.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from uuid import UUID, uuid4

from app.clock import now
from app.crypto import token_hash
from app.db import is_sqlite, transaction
from app.errors import InvalidInput
from app.i18n import _, use_language
from app.settings import get_settings
from app.values import as_uuid, json_value
from surveys.ballot.service import BALLOT_PURPOSE, FLUSH_PAUSE_SECONDS, MIN_BATCH, enqueue_flush
from surveys.definition import Definition, Question, Section, decode, questions
from surveys.distribution.tokens import CODE_LENGTH, LINK_PREFIX, normalize_code
from surveys.sealing import seal, unseal
from surveys.tables import Ballot, Invitation, Response, ResponseDraft, SurveyVersion
from surveys.waves.state import State, today, wave_state

# Company sign-in links are signed, not stored: "s." never starts a stored token.
SIGNED_PREFIX = "s."
SIGNED_HOURS = 12

Outcome = Literal["stored", "already_answered", "closed"]


@dataclass(frozen=True)
class Invitee:
    """What a link or a code opens: one invitation, as the answer pages need it."""

    invitation_id: int
    wave_id: UUID
    company_id: UUID
    answered: bool
    by_code: bool = False  # a printed card: its draft needs the resume secret too
    # The roster groups copied when the wave opened: they go into the sealed box.
    group_values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Opening:
    """The wave of an invitation as its person sees it."""

    state: State
    opens_on: date
    closes_on: date
    definition: Definition
    reporting_groups: list[Any]


@dataclass(frozen=True)
class Draft:
    answers: dict[str, Any]
    section: int
    language: str
    # The questions the section showed when it was last posted and kept the person on it
    # (a follow-up appeared, or an error): its page shows what appeared and the errors.
    shown: list[str] | None = None


@dataclass(frozen=True)
class Visit:
    """What an answer page needs about a link: the invitation, its wave, its draft."""

    invitee: Invitee
    wave: Opening
    draft: Draft | None


# Joined by hand: piccolo does not follow the draft's foreign key backwards. The first
# join reads a rate-limit counter in the same round trip (see `look_up`).
VISIT_SQL = (
    "SELECT r.hits AS misses, i.id, i.wave, i.company, i.answered, i.channel, "
    "i.group_values, w.status, w.opens_on, w.closes_on, w.closed_at, w.reporting_groups, "
    "w.version, v.frozen_at, d.answers, d.section, "
    "d.language FROM (SELECT 1 AS one) AS k "
    "LEFT JOIN rate_limits r ON r.bucket = {} "
    "LEFT JOIN invitations i ON {} "
    "LEFT JOIN waves w ON w.id = i.wave "
    "LEFT JOIN survey_versions v ON v.id = w.version "
    "LEFT JOIN response_drafts d ON d.invitation = i.id"
)
# A mailed link: the latest, or one mailed before a reminder (`EarlierLink`).
EARLIER_OR_LATEST = ("(i.token_hash = {} OR i.id = (SELECT e.invitation FROM earlier_links e "
                     "WHERE e.token_hash = {}))")
# Frozen survey versions never change: decoded once per process.
_FROZEN: dict[str, Definition] = {}


async def look_up(token: str, counter: str = "", resume: str = ""
                  ) -> tuple[Visit | None, int]:
    """The invitation a `/r/<token>` path opens, with its wave and draft, in one query,
    and the hits of the rate-limit bucket `counter` (the answer pages' guessing guard).

    The token is a mailed link, a normalized access code or a company sign-in link
    (`start_for_invitation`); the visit is None when it opens nothing. `resume` is the
    browser's resume secret: a draft saved under a code opens only with the same one.
    """
    invitation_id = _signed_invitation(token) if token.startswith(SIGNED_PREFIX) else None
    if invitation_id is not None:
        rows = await Invitation.raw(VISIT_SQL.format("{}", "i.id = {}"), counter, invitation_id)
    else:
        digest = token_hash(token) if token and len(token) <= 64 else ""
        rows = await Invitation.raw(VISIT_SQL.format("{}", EARLIER_OR_LATEST), counter, digest,
                                    digest)
    row = rows[0]
    visit = await _visit(row, resume) if row["id"] is not None else None
    return visit, int(row["misses"] or 0)


async def _visit(row: dict[str, Any], resume: str = "") -> Visit:
    invitee = Invitee(int(row["id"]), as_uuid(row["wave"]), as_uuid(row["company"]),
                      bool(row["answered"]), row["channel"] == "code",
                      json_value(row["group_values"]) or {})
    state = wave_state(row)  # a wave closed early says the day it actually closed
    wave = Opening(
        state=state.state,
        opens_on=state.opens_on,
        closes_on=state.closes_on,
        definition=await _definition(str(row["version"]), row["frozen_at"] is not None),
        reporting_groups=list(json_value(row["reporting_groups"]) or []),
    )
    draft = None
    if row["section"] is not None and not invitee.answered:
        draft = _opened_draft(invitee, json_value(row["answers"]) or {}, row["language"], resume)
    return Visit(invitee, wave, draft)


async def _definition(version_id: str, frozen: bool) -> Definition:
    if version_id in _FROZEN:
        return _FROZEN[version_id]
    row = await SurveyVersion.select(SurveyVersion.definition).where(
        SurveyVersion.id == version_id).output(load_json=True).first()
    definition = decode(row["definition"] if row else {})
    if frozen:
        _FROZEN[version_id] = definition
    return definition


async def resolve_link(token: str) -> Invitee | None:
    """The invitation a `/r/<token>` path opens (see `look_up`), or None."""
    found, _misses = await look_up(token)
    return found.invitee if found else None


async def resolve_code(typed_code: str) -> Invitee | None:
    """The invitation of a printed access code as typed (any case, dashes, O for 0)."""
    code = normalize_code(typed_code)
    if len(code) != CODE_LENGTH:
        return None
    row = await Invitation.select(
        Invitation.id, Invitation.wave, Invitation.company, Invitation.answered,
        Invitation.group_values,
    ).where((Invitation.token_hash == token_hash(code)) & (Invitation.channel == "code")
            ).output(load_json=True).first()
    if row is None:
        return None
    return Invitee(int(row["id"]), row["wave"], row["company"], bool(row["answered"]), True,
                   row["group_values"] or {})


def code_path(typed_code: str) -> str:
    """The answer path of an access code: the code itself, normalized, opens `/r/<code>`."""
    return f"{LINK_PREFIX}{normalize_code(typed_code)}"


async def start_for_invitation(invitation_id: int) -> str:
    """The answer path (`/r/<token>`) for a person who came in through company sign-in.

    The path is signed and works for SIGNED_HOURS; it leaves the invitation's mailed link
    or printed code untouched (one invitation whichever way the person comes in), and the
    draft stays with the invitation, so signing in again resumes it.
    """
    if not await Invitation.exists().where(Invitation.id == invitation_id):
        raise LookupError(f"no invitation #{invitation_id}")
    expires = int(now().timestamp()) + SIGNED_HOURS * 3600
    payload = struct.pack(">QI", invitation_id, expires)
    raw = base64.urlsafe_b64encode(payload + _signature(payload)).rstrip(b"=").decode()
    return f"{LINK_PREFIX}{SIGNED_PREFIX}{raw}"


def _signature(payload: bytes) -> bytes:
    key = hashlib.sha256(b"legami.answer-link:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).digest()[:16]


def _signed_invitation(token: str) -> int | None:
    text = token[len(SIGNED_PREFIX):]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    payload, signature = raw[:12], raw[12:]
    if len(payload) != 12 or not hmac.compare_digest(signature, _signature(payload)):
        return None
    invitation_id, expires = struct.unpack(">QI", payload)
    return int(invitation_id) if expires > now().timestamp() else None


async def opening(invitee: Invitee) -> Opening:
    """The wave's state today, its dates and the frozen survey definition."""
    rows = await Invitation.raw(VISIT_SQL.format("{}", "i.id = {}"), "", invitee.invitation_id)
    if rows[0]["id"] is None:
        raise LookupError("the invitation is gone")
    return (await _visit(rows[0])).wave


# Drafts ------------------------------------------------------------------------------


def _draft_binding(invitation_id: int, resume: str) -> bytes:
    return f"{invitation_id}:{resume}".encode()


def _opened_draft(invitee: Invitee, stored: dict[str, Any], language: str,
                  resume: str) -> Draft | None:
    """The draft as typed, if this visitor can open its box; else None (a fresh form)."""
    secret = resume if invitee.by_code else ""
    opened = unseal(str(stored.get("box", "")), "draft",
                    _draft_binding(invitee.invitation_id, secret))
    if not isinstance(opened, dict):
        return None
    return Draft(opened.get("answers") or {}, int(opened.get("section") or 0), language,
                 opened.get("shown"))


async def save_draft(invitation_id: int, answers: Mapping[str, Any], section: int,
                     language: str, resume: str = "", shown: list[str] | None = None) -> bool:
    """Keep the answers so far (as typed); False, saving nothing, once the invitation is used.

    The answers and the section go into a box (`surveys.sealing`) that the database
    alone does not open; a draft under a printed code is bound to the browser's
    `resume` secret too, so whoever later gets hold of the card opens a fresh form.
    The invitation row is read under a lock, so a save racing a submission can never
    leave a draft behind an answered invitation.
    """
    box = {"box": seal({"answers": dict(answers), "section": section, "shown": shown}, "draft",
                       _draft_binding(invitation_id, resume))}
    async with transaction():
        query = Invitation.select(Invitation.answered).where(Invitation.id == invitation_id)
        row = await (query if is_sqlite() else query.lock_rows()).first()
        if row is None or row["answered"]:
            return False
        values: dict[Any, Any] = {
            ResponseDraft.answers: box, ResponseDraft.section: 0,
            ResponseDraft.language: language[:5], ResponseDraft.updated_at: now(),
        }
        updated = await ResponseDraft.update(values).where(
            ResponseDraft.invitation == invitation_id
        ).returning(ResponseDraft.id)
        if not updated:
            await ResponseDraft.insert(ResponseDraft(
                invitation=invitation_id, answers=box, section=0, language=language[:5]))
    return True


# Reading and checking answers ---------------------------------------------------------


def field_name(question: Question, row: str = "") -> str:
    """The form field of a question (of a grid row): `a_<key>` or `a_<key>__<row>`."""
    return f"a_{question.key}__{row}" if row else f"a_{question.key}"


def read_section(section: Section, form: Any, shown: Sequence[str]) -> dict[str, Any]:
    """The raw answers a section's form carries for the questions it showed.

    `form` is a multi-dict (`getall`); empty answers are left out. Values stay as typed,
    so a page with errors shows them back unchanged.
    """
    answers: dict[str, Any] = {}
    for question in section.questions:
        if question.key not in shown:
            continue
        value = _read_one(question, form)
        if value not in ("", [], {}, None):
            answers[question.key] = value
    return answers


def _read_one(question: Question, form: Any) -> Any:
    if question.type == "multiple":
        return [str(v) for v in form.getall(field_name(question), [])]
    if question.type == "grid":
        return {row.key: str(form.get(field_name(question, row.key)))
                for row in question.rows if form.get(field_name(question, row.key))}
    value = form.get(field_name(question))
    return "" if value is None else str(value)


def merge_section(answers: Mapping[str, Any], section: Section,
                  posted: Mapping[str, Any], shown: Sequence[str]) -> dict[str, Any]:
    """The draft's answers with this section's shown questions replaced by what was posted."""
    merged = {k: v for k, v in answers.items()
              if not any(q.key == k and q.key in shown for q in section.questions)}
    merged.update(posted)
    return merged


def shown_section(definition: Definition, answers: Mapping[str, Any], number: int,
                  step: int) -> int:
    """The section `step` (1 or -1) away from `number` (from 1) that shows a question for
    these answers: a section whose conditions hide all its questions is skipped. 0 is
    before the first section, one more than their count after the last."""
    visible = visible_keys(definition, answers)
    target = number + step
    while 1 <= target <= len(definition.sections) and not any(
            q.key in visible for q in definition.sections[target - 1].questions):
        target += step
    return target


def visible_keys(definition: Definition, answers: Mapping[str, Any]) -> set[str]:
    """Questions shown for these answers; a condition on a hidden question is never met."""
    visible: set[str] = set()
    for question in questions(definition):
        condition = question.show_if
        if condition is None:
            visible.add(question.key)
            continue
        if condition.question not in visible:
            continue
        value = answers.get(condition.question)
        chosen = value if isinstance(value, list) else [value]
        if any(str(v) in condition.any_of for v in chosen if v is not None):
            visible.add(question.key)
    return visible


def check_answer(question: Question, raw: Any) -> tuple[Any, str | None]:
    """The typed answer and no error, or None and the error in the current language.

    An unanswered optional question gives (None, None).
    """
    if raw in (None, "", [], {}):
        return None, (_required_message(question) if question.required else None)
    checker = _CHECKERS[question.type]
    return checker(question, raw)


def _required_message(question: Question) -> str:
    return {
        "single": _("Choose an answer."),
        "scale": _("Choose an answer."),
        "multiple": _("Choose at least one answer."),
        "number": _("Enter a number."),
        "text": _("Write an answer."),
        "grid": _("Choose an answer in each row."),
    }[question.type]


def _not_an_option() -> str:
    return _("This answer is not one of the options: choose again.")


def _check_single(question: Question, raw: Any) -> tuple[Any, str | None]:
    keys = {o.key for o in question.options}
    return (raw, None) if isinstance(raw, str) and raw in keys else (None, _not_an_option())


def _check_multiple(question: Question, raw: Any) -> tuple[Any, str | None]:
    chosen = raw if isinstance(raw, list) else [raw]
    keys = [o.key for o in question.options]
    if any(value not in keys for value in chosen):
        return None, _not_an_option()
    return [key for key in keys if key in chosen], None


def _check_scale(question: Question, raw: Any) -> tuple[Any, str | None]:
    text = str(raw).strip()
    # A scale's options are its points, 1 to 5; their texts label them.
    if text in {o.key for o in question.options} and text.isdigit():
        return int(text), None
    return None, _not_an_option()


def _check_number(question: Question, raw: Any) -> tuple[Any, str | None]:
    text = str(raw).strip().replace(" ", "")
    if not text.lstrip("-").isdigit() or len(text) > 12:
        return None, _("Enter a whole number, in figures (for example 3).")
    number, low, high = int(text), question.minimum, question.maximum
    if low is not None and high is not None and not low <= number <= high:
        return None, _("Enter a number from %(minimum)s to %(maximum)s.") % {
            "minimum": low, "maximum": high}
    if low is not None and number < low:
        return None, _("Enter a number of at least %(minimum)s.") % {"minimum": low}
    if high is not None and number > high:
        return None, _("Enter a number of at most %(maximum)s.") % {"maximum": high}
    return number, None


def _check_text(question: Question, raw: Any) -> tuple[Any, str | None]:
    text = str(raw).replace("\r\n", "\n").strip()
    if not text:
        return None, (_("Write an answer.") if question.required else None)
    if len(text) > question.max_length:
        return None, _("Use at most %(maximum)s characters (you wrote %(length)s).") % {
            "maximum": question.max_length, "length": len(text)}
    return text, None


def _check_grid(question: Question, raw: Any) -> tuple[Any, str | None]:
    if not isinstance(raw, dict):
        return None, _not_an_option()
    rows, columns = [r.key for r in question.rows], {o.key for o in question.options}
    if any(row not in rows or value not in columns for row, value in raw.items()):
        return None, _not_an_option()
    if question.required and any(row not in raw for row in rows):
        return None, _("Choose an answer in each row.")
    return {row: raw[row] for row in rows if row in raw}, None


_CHECKERS = {
    "single": _check_single, "multiple": _check_multiple, "scale": _check_scale,
    "number": _check_number, "text": _check_text, "grid": _check_grid,
}


def section_errors(definition: Definition, index: int, answers: Mapping[str, Any]
                   ) -> dict[str, str]:
    """Errors by question key for the visible questions of section `index` (0-based)."""
    visible = visible_keys(definition, answers)
    errors: dict[str, str] = {}
    for question in definition.sections[index].questions:
        if question.key in visible:
            _, error = check_answer(question, answers.get(question.key))
            if error:
                errors[question.key] = error
    return errors


def first_section_with_errors(definition: Definition, answers: Mapping[str, Any]
                              ) -> tuple[int, dict[str, str]] | None:
    """The first section (0-based) whose answers do not pass, with its errors."""
    for index in range(len(definition.sections)):
        errors = section_errors(definition, index, answers)
        if errors:
            return index, errors
    return None


def clean_answers(definition: Definition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Typed answers of the visible, answered questions; answers to hidden ones are dropped."""
    visible = visible_keys(definition, answers)
    cleaned: dict[str, Any] = {}
    for question in questions(definition):
        if question.key in visible:
            value, _error = check_answer(question, answers.get(question.key))
            if value is not None:
                cleaned[question.key] = value
    return cleaned


def answer_values(definition: Definition, cleaned: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `answers` rows of a response: one per value (an option, a grid row, a number)."""
    values: list[dict[str, Any]] = []
    for question in questions(definition):
        value = cleaned.get(question.key)
        if value is None:
            continue
        key = question.key
        if question.type == "multiple":
            values += [{"question": key, "option_key": option} for option in value]
        elif question.type == "grid":
            values += [{"question": key, "row_key": row, "option_key": column}
                       for row, column in value.items()]
        elif question.type == "single":
            values.append({"question": key, "option_key": value})
        elif question.type == "text":
            values.append({"question": key, "text": value})
        else:
            values.append({"question": key, "number": value})
    return values


def self_reported(opening: Opening, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to the questions the wave chose as reporting groups ("has children")."""
    chosen = {group.get("key") for group in opening.reporting_groups
              if isinstance(group, dict) and group.get("source") == "question"}
    return {q.key: cleaned[q.key] for q in questions(opening.definition)
            if q.reporting_attribute and q.key in chosen and q.key in cleaned}


# Submitting ---------------------------------------------------------------------------


async def submit(invitation: Invitee, answers: Mapping[str, Any], language: str,
                 wave: Opening | None = None) -> Outcome:
    """Store one response for the invitation; a second submission stores nothing.

    At once (one transaction): the invitation goes from not answered to answered (only
    one submission can win), its draft is deleted and a ballot (a random id, the wave,
    and a box sealed with a key outside the database holding the company, date,
    reporting groups and answers) goes into the ballot box; then, at every
    fifth waiting response, a flush is queued. Raises `InvalidInput` (messages in
    `language`) when the answers do not pass. `wave` spares a query when the caller has
    just loaded it.
    """
    wave = wave or await opening(invitation)
    if wave.state != "open":
        return "closed"
    with use_language(language):
        failed = first_section_with_errors(wave.definition, answers)
        if failed:
            raise InvalidInput(failed[1])
    cleaned = clean_answers(wave.definition, answers)
    box = seal({"company": str(invitation.company_id), "submitted_on": today().isoformat(),
                "group_values": {**invitation.group_values, **self_reported(wave, cleaned)},
                "answers": answer_values(wave.definition, cleaned)}, BALLOT_PURPOSE)
    seal_it = _seal_in_a_transaction if is_sqlite() else _seal_in_one_statement
    waiting = await seal_it(invitation.invitation_id, invitation.wave_id, box)
    if waiting is None:
        return "already_answered"
    await _ask_for_flush(invitation, wave, waiting)
    return "stored"


# One statement is one round trip and its own transaction: the submission is the hottest
# write of a wave, and PostgreSQL can do all of it at once. (SQLite cannot modify data in
# a WITH clause, so there it is a transaction of four statements.)
SEAL_SQL = (
    "WITH won AS (UPDATE invitations SET answered = true "
    "WHERE id = {} AND answered = false RETURNING id), "
    "draft AS (DELETE FROM response_drafts WHERE invitation IN (SELECT id FROM won)), "
    "sealed AS (INSERT INTO ballots (id, wave, box) SELECT {}, {}, {} FROM won) "
    "SELECT (SELECT count(*) FROM won) AS won, "
    "(SELECT count(*) FROM ballots WHERE wave = {}) AS waiting"
)


async def _seal_in_one_statement(invitation_id: int, wave_id: UUID, box: str) -> int | None:
    """PostgreSQL: mark, delete the draft, seal; the waiting count includes this one."""
    rows = await Invitation.raw(SEAL_SQL, invitation_id, uuid4(), wave_id, box, wave_id)
    # The count's snapshot is taken before the statement's own insert.
    return int(rows[0]["waiting"]) + 1 if rows[0]["won"] else None


async def _seal_in_a_transaction(invitation_id: int, wave_id: UUID, box: str) -> int | None:
    async with transaction():
        won = await (
            Invitation.update({Invitation.answered: True})
            .where((Invitation.id == invitation_id) & Invitation.answered.eq(False))
            .returning(Invitation.id)
        )
        if not won:
            return None
        await ResponseDraft.delete().where(ResponseDraft.invitation == invitation_id)
        await Ballot.insert(Ballot(id=uuid4(), wave=wave_id, box=box))
        return await Ballot.count().where(Ballot.wave == wave_id)


# When this process last asked for a wave's flush. Kept in memory on purpose: flushes
# are idempotent and take turns, so another process asking as well costs one more
# flush, never a wrong one.
_flush_asked: dict[UUID, float] = {}


async def _ask_for_flush(invitation: Invitee, wave: Opening, waiting: int) -> None:
    wave_id = invitation.wave_id
    if waiting % MIN_BATCH == 0:
        # A flush moves all that wait, so asking at every fifth is enough (a multiple that
        # two concurrent submissions both missed is caught at the next one, or at the
        # close), and one flush per wave per pause, run at its end, takes in the
        # whole burst of a busy moment.
        moment = time.monotonic()
        if moment - _flush_asked.get(wave_id, -FLUSH_PAUSE_SECONDS) >= FLUSH_PAUSE_SECONDS:
            _flush_asked[wave_id] = moment
            await enqueue_flush(wave_id, delay_seconds=FLUSH_PAUSE_SECONDS)
    elif waiting == 1 and not await Response.exists().where(Response.wave == wave_id):
        # The wave's first response: whatever still waits when the wave closes moves then,
        # and unsent drafts go, even if the wave's own closing queues nothing.
        await enqueue_flush(wave_id, after=wave.closes_on)


def _date(value: Any) -> date:
    """SQLite hands dates back as text from raw queries."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
