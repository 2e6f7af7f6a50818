"""Running tallies: a wave's counts added up as its ballot box empties, sealed.

Counting a closed wave from `answers` reads every answer again: at a million responses
× 30 questions, grouped by company and by every reporting group's value, that took
minutes, far longer than a plain GROUP BY of the same answers. But every response
already passes through Python once, when the ballot box's flush opens it
(`surveys.ballot.service`, in batches of at least 5 while the wave is open, the rest at
the close): `fold` adds the batch up there, in the transaction that stores it, into one
tally per company of the wave: the counts per (reporting group or cross-tabulation
attribute, value) × question × grid row × option exactly as `cache.count` makes them,
and a uniform random sample (reservoir) of at most `MAX_COMMENTS` of its comments. At
the freeze, `load` reads the tallies instead of the answers: the close costs what
the last batch costs, plus reading a row per company.

Anonymity. A tally is sealed like a ballot (AES-256-GCM under `BALLOT_KEY`, kept outside
the database, and bound to its wave and company), so the database shows only which
companies of a wave have stored responses and roughly how much a box holds, which the
stored `responses` show anyway; no table holds counts in the clear, let alone a block
of counts for a few respondents. The release deletes the wave's tallies.

Trust. `load` uses the tallies only when they add up exactly the wave's stored
responses: the same number for every company (a response stored, or deleted, outside
the flush makes them disagree) and the same questions, reporting groups and
cross-tabulations (`Plan.signature`: a wave whose reporting groups changed while it
ran). Otherwise, or when a box no configured key opens, the freeze counts from the
answers (`cache.count`), as before: a tally can make the close fast, never wrong.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import secrets
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from app.db import begun
from app.values import as_uuid, json_value
from surveys.definition import questions
from surveys.editor.service import load_definition
from surveys.results.cache import Folded
from surveys.results.queries import buckets
from surveys.results.release import WaveContext, dimensions_of
from surveys.results.tables import ResultTally
from surveys.sealing import seal_bytes, unseal_bytes
from surveys.tables import Response, Wave

log = logging.getLogger("legami.results")

MAX_COMMENTS = 300  # per company: enough to read, few enough for a page
# The sealed form's version is in its purpose: a box of another form opens nothing, so
# its wave is counted from the answers at the close (`load`), never misread.
PURPOSE = "tally:msgpack"
CHUNK = 500  # tallies per INSERT

Key = tuple[str, str | None]  # grid row, option


@dataclass(frozen=True)
class Plan:
    """What a wave's tallies add up, from its survey and reporting groups."""

    dimensions: tuple[str, ...]  # reporting groups kept on the response
    kinds: Mapping[str, tuple[str, int, int]]  # counted question -> kind, low, width
    multiple: frozenset[str]
    crosstabs: tuple[tuple[str, frozenset[str]], ...]  # attribute, its questions
    texts: frozenset[str]
    signature: str


def plan(ctx: WaveContext) -> Plan:
    """The counts `cache.count` makes for the wave (`release.count`), as a plan."""
    kinds = {}
    for question in ctx.counted:
        found = buckets(question)
        kinds[question.key] = ({"scale": "s", "number": "n"}.get(question.type, "o"),
                               found.low, found.width)
    multiple = frozenset(q.key for q in ctx.counted if q.type == "multiple")
    crosstabs = tuple((d.key, frozenset(q.key for q in asked))
                      for d, asked in ctx.split_by() if d.from_answers)
    texts = frozenset(q.key for q in questions(ctx.definition) if q.type == "text")
    dimensions = tuple(d.key for d in ctx.dimensions if not d.from_answers)
    signature = hashlib.sha256(json.dumps([
        dimensions, sorted(kinds.items()), sorted(multiple),
        [[a, sorted(t)] for a, t in crosstabs], sorted(texts), MAX_COMMENTS]).encode()
    ).hexdigest()
    return Plan(dimensions, kinds, multiple, crosstabs, texts, signature)


async def plan_of(wave_id: UUID) -> Plan | None:
    wave = await Wave.select().where(Wave.id == wave_id).first()
    if wave is None:
        return None
    return plan(WaveContext(wave=wave, definition=await load_definition(wave["version"]),
                            towns={}, names={}, dimensions=dimensions_of(wave)))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build millions of small objects (tuples, dicts) without the cyclic garbage
    collector walking them all again at every few hundred allocations: decoding a wave's
    tallies took four times as long with it. What it would collect waits for the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Sealed form -------------------------------------------------------------------------


class _Cell(msgspec.Struct, array_like=True):
    dimension: str
    value: str
    respondents: int
    multiple: dict[str, int]
    # MessagePack keeps the (grid row, option) keys as tuples: decoding builds the
    # mappings `cache.Folded` holds, in C.
    counts: dict[str, dict[Key, tuple[int, int]]]


class _Tally(msgspec.Struct, array_like=True):
    plan: str
    responses: int
    seen: int  # comments offered to the sample
    texts: list[tuple[str, str]]
    cells: list[_Cell]


_DECODER = msgspec.msgpack.Decoder(_Tally)


def _binding(wave_id: UUID, company: UUID) -> bytes:
    return f"{wave_id}:{company}".encode()


def _open(box: str, wave_id: UUID, company: UUID) -> _Tally | None:
    plain = unseal_bytes(box, PURPOSE, _binding(wave_id, company))
    return None if plain is None else _DECODER.decode(plain)


# Adding up ---------------------------------------------------------------------------


class _Counts:
    """One cell's counts while adding up: answers per (question, grid row, option), the
    sum of their numbers, respondents, respondents of each multiple choice."""

    __slots__ = ("multiple", "n", "respondents", "total")

    def __init__(self) -> None:
        self.respondents = 0
        self.multiple: Counter[str] = Counter()
        self.n: Counter[tuple[str, str, str | None]] = Counter()
        self.total: Counter[tuple[str, str, str | None]] = Counter()


class _Working:
    """A company's tally while a batch is added to it."""

    def __init__(self, plan: Plan, sealed: _Tally | None = None) -> None:
        self.plan = plan
        self.responses = 0
        self.seen = 0
        self.texts: list[tuple[str, str]] = []
        self.cells: dict[tuple[str, str], _Counts] = {}
        if sealed is not None:
            self.responses, self.seen, self.texts = sealed.responses, sealed.seen, [
                tuple(t) for t in sealed.texts]  # type: ignore[misc]
            for cell in sealed.cells:
                counts = self.cell(cell.dimension, cell.value)
                counts.respondents = cell.respondents
                counts.multiple.update(cell.multiple)
                for question, pairs in cell.counts.items():
                    for (row, option), (n, total) in pairs.items():
                        counts.n[question, row, option] = n
                        if total:
                            counts.total[question, row, option] = total

    def cell(self, dimension: str, value: str) -> _Counts:
        found = self.cells.get((dimension, value))
        if found is None:
            found = self.cells[dimension, value] = _Counts()
        return found

    def add(self, group_values: Mapping[str, Any], answers: list[Mapping[str, Any]],
            draw: secrets.SystemRandom) -> None:
        """One response: what `cache.count` would count of it, and its comments."""
        plan, self.responses = self.plan, self.responses + 1
        whole = [self.cell("", "")] + [self.cell(key, _value(group_values.get(key)))
                                       for key in plan.dimensions]
        keys, numbers, chosen = [], [], set()
        first: dict[str, str] = {}
        for answer in answers:
            question = answer["question"]
            first.setdefault(question, answer.get("option_key") or "")
            kind = plan.kinds.get(question)
            if kind is None:
                text = answer.get("text") or ""
                if text and question in plan.texts:
                    self._offer(question, text, draw)
                continue
            number = answer.get("number")
            key = (question, answer.get("row_key") or "", _option(kind, answer, number))
            keys.append(key)
            if number:
                numbers.append((key, number))
            if question in plan.multiple:
                chosen.add(question)
        for counts in whole:
            counts.respondents += 1
            counts.n.update(keys)
            counts.multiple.update(chosen)
            total = counts.total
            for key, number in numbers:
                total[key] += number
        for attribute, targets in plan.crosstabs:
            counts = self.cell(attribute, first.get(attribute, ""))
            counts.respondents += 1
            counts.n.update(key for key in keys if key[0] in targets)
            counts.multiple.update(chosen & targets)
            total = counts.total
            for key, number in numbers:
                if key[0] in targets:
                    total[key] += number

    def _offer(self, question: str, text: str, draw: secrets.SystemRandom) -> None:
        """Keep a uniform random sample of the company's comments (Algorithm R)."""
        self.seen += 1
        if len(self.texts) < MAX_COMMENTS:
            self.texts.append((question, text))
        else:
            place = draw.randrange(self.seen)
            if place < MAX_COMMENTS:
                self.texts[place] = (question, text)

    def sealed(self, wave_id: UUID, company: UUID) -> str:
        cells = []
        for (dimension, value), counts in self.cells.items():
            by_question: dict[str, dict[Key, tuple[int, int]]] = defaultdict(dict)
            total = counts.total
            for key, n in counts.n.items():
                by_question[key[0]][key[1], key[2]] = (n, total.get(key, 0))
            cells.append(_Cell(dimension, value, counts.respondents,
                               {q: n for q, n in counts.multiple.items() if n}, by_question))
        tally = _Tally(self.plan.signature, self.responses, self.seen, self.texts, cells)
        return seal_bytes(msgspec.msgpack.encode(tally), PURPOSE, _binding(wave_id, company))


def _value(value: Any) -> str:
    """A reporting group's value as `queries.value_sql` reads it ('' when unset)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _option(kind: tuple[str, int, int], answer: Mapping[str, Any], number: Any
            ) -> str | None:
    """The option an answer counts under, as `queries.OPTION` folds it."""
    if kind[0] == "o":
        return answer.get("option_key") or ""
    if number is None:
        return None
    if kind[0] == "s":
        return str(number)
    low, width = kind[1], kind[2]
    shifted = number - low  # SQL's integer division truncates towards zero
    return str(shifted // width if shifted >= 0 else -(-shifted // width))


async def fold(wave_id: UUID, responses: Iterable[Mapping[str, Any]],
               answers: Iterable[Mapping[str, Any]]) -> None:
    """Add stored responses (`id`, `company`, `group_values`) and their answers to the
    wave's tallies, inside the caller's transaction (the one storing them). A tally no
    key opens, or made for other questions, starts again: it then adds up fewer
    responses than the wave stores, and `load` will not use it."""
    responses = list(responses)
    if not responses:
        return
    plan = await plan_of(wave_id)
    if plan is None:
        return
    own: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for answer in answers:
        own[answer["response"]].append(answer)
    companies = {response["company"] for response in responses}
    rows = await ResultTally.select(ResultTally.id, ResultTally.company, ResultTally.box).where(
        (ResultTally.wave == wave_id) & ResultTally.company.is_in(list(companies)))
    try:
        with paused_gc():
            boxes = _added(wave_id, plan, rows, responses, own)
    except Exception as fault:  # it must not hold up the ballot box: set the tallies aside
        # Its kind and place, never its message or values: they could quote an answer.
        where = traceback.extract_tb(fault.__traceback__)[-1]
        log.error("tally: wave %s counted from its answers at the close (%s at %s:%s)",
                  wave_id, type(fault).__name__, Path(where.filename).name, where.lineno)
        await clear(wave_id)
        return
    if rows:
        await ResultTally.delete().where(ResultTally.id.is_in([row["id"] for row in rows]))
    for start in range(0, len(boxes), CHUNK):
        await ResultTally.insert(*boxes[start:start + CHUNK])


def _added(wave_id: UUID, plan: Plan, rows: list[dict[str, Any]],
           responses: list[Mapping[str, Any]], own: Mapping[Any, list[Mapping[str, Any]]]
           ) -> list[ResultTally]:
    """The tallies of `rows` (the wave's, for the companies of `responses`) with
    `responses` added, sealed again."""
    working: dict[UUID, _Working] = {}
    for row in rows:
        company = as_uuid(row["company"])
        sealed = _open(row["box"], wave_id, company)
        if sealed is not None and sealed.plan == plan.signature:
            working[company] = _Working(plan, sealed)
    draw = secrets.SystemRandom()
    for response in responses:
        company = as_uuid(response["company"])
        tally = working.get(company)
        if tally is None:
            tally = working[company] = _Working(plan)
        tally.add(json_value(response["group_values"]) or {}, own[response["id"]], draw)
    return [ResultTally(wave=wave_id, company=company, box=tally.sealed(wave_id, company))
            for company, tally in working.items()]


# Reading at the freeze -----------------------------------------------------------------


async def load(ctx: WaveContext) -> tuple[Folded, dict[UUID, list[tuple[str, str]]]] | None:
    """The wave's counts, as `cache.count` makes them, and each company's comment
    sample, from its tallies; None unless they add up exactly the wave's stored
    responses for the wave's present questions and reporting groups."""
    rows = await ResultTally.select(ResultTally.company, ResultTally.box).where(
        ResultTally.wave == ctx.id)
    if not rows:
        return None
    # The database counts the stored responses while the tallies are opened.
    stored = begun(lambda: _stored(ctx.id))
    with paused_gc():
        found = _loaded(ctx.id, plan(ctx).signature, rows)
    counted = await stored
    return None if found is None or found[2] != counted else (found[0], found[1])


async def _stored(wave_id: UUID) -> dict[UUID, int]:
    """The wave's stored responses per company."""
    return {as_uuid(row["company"]): int(row["n"]) for row in await Response.raw(
        "SELECT company, COUNT(*) AS n FROM responses WHERE wave = {} GROUP BY company",
        wave_id)}


def _loaded(wave_id: UUID, signature: str, rows: list[dict[str, Any]]
            ) -> tuple[Folded, dict[UUID, list[tuple[str, str]]], dict[UUID, int]] | None:
    """The tallies opened: counts, comments and responses added up per company."""
    found, comments, responses = Folded(), {}, {}
    for row in rows:
        company = as_uuid(row["company"])
        tally = _open(row["box"], wave_id, company)
        if tally is None or tally.plan != signature:
            return None
        responses[company] = tally.responses
        for cell in tally.cells:
            key = (company, cell.dimension, cell.value)
            found.respondents[key] = cell.respondents
            if cell.dimension:
                found.values[company, cell.dimension][cell.value] = cell.respondents
            if cell.multiple:
                found.multiple[key].update(cell.multiple)
            if cell.counts:
                found.counts[key] = cell.counts  # type: ignore[assignment]
        comments[company] = [tuple(t) for t in tally.texts]
    return found, comments, responses  # type: ignore[return-value]


async def clear(wave_id: UUID) -> None:
    """Forget the wave's tallies (the freeze, once it has released the wave)."""
    await ResultTally.delete().where(ResultTally.wave == wave_id)
