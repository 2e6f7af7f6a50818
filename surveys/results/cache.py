"""A wave's answers folded into counts per company, so results read thousands of rows.

`sync(wave_id, questions)` folds into `result_counts` the responses stored since the
last fold, in one transaction that one process at a time runs per wave: one SQL
aggregate per company, question, grid row and option. A change of the questions'
shape, or a response that disappeared, rebuilds the wave's counts from scratch.

`read` adds the folds up, and in the same statement (so from the same snapshot) counts
the reporting groups of one company live from its folded responses: the groups of one
company are few rows, those of every company would be millions. Each fold holds whole
ballot-box batches (5 responses or more, except the last of a wave); folds are
compacted once a wave has `MAX_FOLDS` of them.
"""
# ruff: noqa: S608  (statements built from placeholders and checked identifiers only)

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.db import engine, is_sqlite, transaction
from app.values import as_uuid
from surveys.definition import Question
from surveys.results.queries import OPTION, Dimension, question_table, value_sql
from surveys.results.tables import ResultState
from surveys.tables import Answer

MAX_FOLDS = 16
BY_RESPONSE = 20_000  # below this many responses, read their answers by response
WORK_MEM = "128MB"  # a million responses fold into ~150,000 groups: keep them in memory
CountsByQuestion = dict[str, dict[tuple[str, str], tuple[int, int]]]
Cell = tuple[UUID, str, str]  # company, dimension ("" for the whole company), value


@dataclass
class Folded:
    """Counts read back, per (company, dimension, value)."""

    respondents: dict[Cell, int] = field(default_factory=dict)
    counts: dict[Cell, CountsByQuestion] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    multiple: dict[Cell, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))


async def _raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await Answer.raw(sql, *args)  # type: ignore[no-any-return]


def _literal(value: UUID) -> str:
    # A UUID's text is hex digits and dashes: safe to write into the statement, and it
    # spares typing a bound parameter in an INSERT … SELECT list on both databases.
    return f"'{UUID(str(value))}'"


def signature(questions: list[Question]) -> str:
    """What the counts were folded for: a different one means rebuilding them."""
    text = "|".join(f"{q.key}:{q.type}:{q.minimum}:{q.maximum}" for q in questions)
    return hashlib.sha256(text.encode()).hexdigest()


# Folding -------------------------------------------------------------------------------


async def sync(wave_id: UUID, questions: list[Question]) -> None:
    """Bring the wave's counts up to date with its stored responses."""
    wanted = signature(questions)
    if await _up_to_date(wave_id, wanted):
        return
    async with transaction():
        await _lock(wave_id)
        state = await _state(wave_id)
        responses = await _count_responses(wave_id)
        if state["signature"] != wanted or state["folded"] > responses:
            await clear(wave_id)
            state = {**state, "folded": 0, "folds": 0}
        if responses > state["folded"]:
            state["folded"] += await _fold(wave_id, questions)
            state["folds"] += 1
        if state["folds"] > MAX_FOLDS:
            await _compact(wave_id)
            state["folds"] = 1
        await ResultState.update({ResultState.signature: wanted,
                                  ResultState.folded: state["folded"],
                                  ResultState.folds: state["folds"]}).where(
            ResultState.wave == wave_id)


async def _up_to_date(wave_id: UUID, wanted: str) -> bool:
    rows = await _raw(
        "SELECT (SELECT COUNT(*) FROM responses WHERE wave = {}) AS responses, "
        "s.folded AS folded, s.signature AS signature FROM result_states s "
        "WHERE s.wave = {}", wave_id, wave_id)
    return bool(rows) and rows[0]["signature"] == wanted and (
        rows[0]["responses"] == rows[0]["folded"])


async def _lock(wave_id: UUID) -> None:
    # One fold per wave at a time; SQLite's IMMEDIATE transactions already queue.
    if not is_sqlite():
        key = int.from_bytes(hashlib.sha256(f"results:{wave_id}".encode()).digest()[:8], "big",
                             signed=True)
        await _raw("SELECT pg_advisory_xact_lock({})", key)
        await _raw(f"SET LOCAL work_mem = '{WORK_MEM}'")


async def _state(wave_id: UUID) -> dict[str, Any]:
    row = await ResultState.select().where(ResultState.wave == wave_id).first()
    if row is None:
        await ResultState(wave=wave_id).save()
        row = await ResultState.select().where(ResultState.wave == wave_id).first()
    assert row is not None
    return dict(row)


async def _count_responses(wave_id: UUID) -> int:
    rows = await _raw("SELECT COUNT(*) AS n FROM responses WHERE wave = {}", wave_id)
    return int(rows[0]["n"])


async def clear(wave_id: UUID) -> None:
    """Forget the wave's folded counts (its release keeps what may be shown)."""
    await _raw("DELETE FROM result_counts WHERE wave = {}", wave_id)
    await _raw("DELETE FROM result_folded WHERE wave = {}", wave_id)


async def _fold(wave_id: UUID, questions: list[Question]) -> int:
    """Fold the responses not folded yet; return how many."""
    # The batch is fixed first: responses stored meanwhile wait for the next fold.
    wave = _literal(wave_id)
    if is_sqlite():
        await _raw("DROP TABLE IF EXISTS temp.result_batch")
    await _raw("CREATE TEMP TABLE result_batch "
               f"{'' if is_sqlite() else 'ON COMMIT DROP '}AS SELECT r.id AS id, "
               f"r.company AS company FROM responses r WHERE r.wave = {wave} AND NOT EXISTS "
               "(SELECT 1 FROM result_folded f WHERE f.response = r.id)")
    batch = int((await _raw("SELECT COUNT(*) AS n FROM result_batch"))[0]["n"])
    if not is_sqlite():
        await _raw("ANALYZE result_batch")  # a fresh table: let the planner see its size
    await _raw(f"INSERT INTO result_folded (response, wave) SELECT id, {wave} FROM result_batch")
    ctes, union = _aggregates("SELECT r.id AS id, r.company AS company FROM result_batch r", [],
                              questions, whole=True, by_response=batch < BY_RESPONSE)
    await _raw(f"WITH {ctes} INSERT INTO result_counts (wave, company, dimension, value, "
               f"question, row_key, option, n, total) SELECT {wave}, g.c0, g.c1, g.c2, g.k0, "
               f"g.k1, g.k2, g.n, g.total FROM ({union}) g")
    if is_sqlite():
        await _raw("DROP TABLE temp.result_batch")
    return batch


def _answers_of_r(by_response: bool, keys: str = "") -> str:
    """The answers of the responses `r` (to the questions `keys` lists, if any): read by
    response through the index when they are few (PostgreSQL would otherwise scan every
    answer; OFFSET 0 keeps it from flattening the lookup into one), else joined in bulk."""
    among = f" AND a0.question IN ({keys})" if keys else ""
    if by_response and not is_sqlite():
        return ("r CROSS JOIN LATERAL (SELECT a0.question, a0.row_key, a0.option_key, "
                f"a0.number FROM answers a0 WHERE a0.response = r.id{among} OFFSET 0) a")
    return f"answers a JOIN r ON r.id = a.response{among.replace('a0.', 'a.')}"


def _aggregates(chosen: str, dimensions: list[Dimension], questions: list[Question],
                whole: bool, by_response: bool) -> tuple[str, str]:
    """CTEs and a UNION ALL of the counts of the responses `chosen` selects (id,
    company and the dimensions' joins), for the whole company (`whole`) and for each
    dimension: answers per option, respondents, respondents of multiple choices.

    Rows: c0 company, c1 dimension, c2 value, k0 question, k1 row_key, k2 option, n, total.
    """
    values = []
    for index, dimension in enumerate(dimensions):
        value, join = value_sql(dimension, f"b{index}")
        values.append(f"{value} AS d{index}")
        chosen = chosen.replace(" FROM responses r ", f" FROM responses r{join} ", 1)
    columns = "".join(f", {v}" for v in values)
    ctes = [f"r AS ({chosen.replace('r.company AS company', 'r.company AS company' + columns, 1)})"]
    parts = []
    counted = [q for q in questions if q.type != "text"]
    if counted:
        ctes.insert(0, question_table(counted))
        parts.append(_grouping(dimensions, ("x.question", "x.row_key", "x.option"),
                               ("COUNT(*)", "COALESCE(SUM(x.number), 0)"),
                               "SELECT r.*, a.question AS question, a.row_key AS row_key, "
                               f"{OPTION} AS option, a.number AS number "
                               f"FROM {_answers_of_r(by_response)} "
                               "JOIN q ON q.question = a.question", whole))
    parts.append(_grouping(dimensions, ("''", "''", "''"), ("COUNT(*)", "0"),
                           "SELECT * FROM r", whole))
    multiple = [q.key for q in questions if q.type == "multiple"]
    if multiple:
        keys = ", ".join(f"'{key}'" for key in multiple if key.replace("_", "").isalnum())
        parts.append(_grouping(dimensions, ("x.question", "''", "'*'"), ("COUNT(*)", "0"),
                               "SELECT DISTINCT r.*, a.question AS question "
                               f"FROM {_answers_of_r(by_response, keys)}", whole))
    return ", ".join(ctes), " UNION ALL ".join(parts)


def _grouping(dimensions: list[Dimension], keys: tuple[str, str, str],
              measures: tuple[str, str], source: str, whole: bool) -> str:
    """Aggregates of `source` (as x) for the whole company and for each dimension."""
    selected = "".join(f", {key} AS k{i}" for i, key in enumerate(keys))
    measure = f"{measures[0]} AS n, {measures[1]} AS total"
    grouped = [key for key in keys if not key.startswith("'")]
    columns = [f"x.d{i}" for i in range(len(dimensions))]
    sets = ([["x.company", *grouped]] if whole else []) + [
        ["x.company", c, *grouped] for c in columns]
    if is_sqlite() or len(sets) == 1:
        names = ([("''", "''")] if whole else []) + [
            (f"'{d.key}'", c) for c, d in zip(columns, dimensions, strict=True)]
        return " UNION ALL ".join(
            f"SELECT x.company AS c0, {name} AS c1, {value} AS c2{selected}, {measure} "
            f"FROM ({source}) x GROUP BY {', '.join(by)}"
            for (name, value), by in zip(names, sets, strict=True))
    # Two steps: one pass adds up the answers per company, value of every dimension and
    # answer; the grouping sets then work on those few rows (PostgreSQL would otherwise
    # sort all the answers once per set, misjudging how few groups there are).
    inner = ", ".join(["x.company", *columns, *grouped])
    step = (f"SELECT {inner}, {measures[0]} AS n, {measures[1]} AS total FROM ({source}) x "
            f"GROUP BY {inner}")
    name = ("CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN '{d.key}'"
                               for c, d in zip(columns, dimensions, strict=True))
            + " ELSE '' END")
    value = f"COALESCE({', '.join(columns)}, '')"
    return (f"SELECT x.company AS c0, {name} AS c1, {value} AS c2{selected}, "
            f"SUM(x.n) AS n, SUM(x.total) AS total FROM ({step}) x GROUP BY GROUPING SETS ("
            + ", ".join(f"({', '.join(s)})" for s in sets) + ")")


async def _compact(wave_id: UUID) -> None:
    """Add the folds up into one set of counts, then drop the folds."""
    last = (await _raw("SELECT MAX(id) AS id FROM result_counts WHERE wave = {}",
                       wave_id))[0]["id"]
    if last is None:
        return
    columns = "wave, company, dimension, value, question, row_key, option"
    await _raw(f"INSERT INTO result_counts ({columns}, n, total) "
               f"SELECT {columns}, SUM(n), SUM(total) FROM result_counts WHERE wave = {{}} "
               f"GROUP BY {columns}", wave_id)
    await _raw("DELETE FROM result_counts WHERE wave = {} AND id <= {}", wave_id, last)


# Reading -----------------------------------------------------------------------------


async def read(wave_id: UUID, companies: Iterable[UUID] | None = None,
               groups_of: UUID | None = None, dimensions: list[Dimension] | None = None,
               questions: list[Question] | None = None) -> Folded:
    """The folded counts of `companies` (all when None) in the wave and, with
    `groups_of`, that company's reporting groups in `dimensions`, from one snapshot."""
    args: list[Any] = [wave_id]
    where = "wave = {}"
    if companies is not None:
        listed = list(companies)
        if not listed:
            return Folded()
        where += " AND company IN (" + ", ".join("{}" for _ in listed) + ")"
        args += listed
    sql = ("SELECT company AS c0, dimension AS c1, value AS c2, question AS k0, "
           "row_key AS k1, option AS k2, SUM(n) AS n, SUM(total) AS total FROM result_counts "
           f"WHERE {where} GROUP BY company, dimension, value, question, row_key, option")
    if groups_of is not None and dimensions:
        chosen = ("SELECT r.id AS id, r.company AS company FROM responses r "
                  "JOIN result_folded f ON f.response = r.id "
                  f"WHERE f.wave = {_literal(wave_id)} AND r.company = {_literal(groups_of)}")
        ctes, union = _aggregates(chosen, dimensions, questions or [], whole=False,
                                  by_response=True)
        sql = f"WITH {ctes} {sql} UNION ALL {union}"
    if is_sqlite():
        return _collect(await _raw(sql, *args))
    async with engine().transaction():  # SET LOCAL lasts as long as a transaction
        # A large company's groups are hundreds of thousands of answers: add them up in
        # memory (the planner, overestimating the groups, would sort them: three times
        # slower) and skip compiling the query, which costs more than it saves here.
        await _raw(f"SET LOCAL work_mem = '{WORK_MEM}'")
        await _raw("SET LOCAL enable_sort = off")
        await _raw("SET LOCAL jit = off")
        return _collect(await _raw(sql, *args))


def _collect(rows: list[dict[str, Any]]) -> Folded:
    found = Folded()
    for row in rows:
        cell = (as_uuid(row["c0"]), row["c1"], row["c2"])
        n = int(row["n"])
        if not row["k0"]:
            found.respondents[cell] = n
        elif row["k2"] == "*" and not row["k1"]:
            found.multiple[cell][row["k0"]] = n
        else:
            found.counts[cell][row["k0"]][(row["k1"], row["k2"])] = (n, int(row["total"] or 0))
    return found
