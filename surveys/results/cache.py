"""A closed wave's answers counted per company and reporting group, in a few statements.

`count` runs inside the freezing transaction (`surveys.results.frozen.freeze`): it fixes
the wave's responses first (a temporary table of their companies and reporting-group
values, so every statement counts the same ones), then adds up, in one set-based
aggregate, the answers of every company as a whole and in every reporting group (on
PostgreSQL one pass per company and every group's value, then a GROUP BY per reporting
group over it; one UNION ALL of GROUP BYs on SQLite), and in one more per
cross-tabulation attribute, for that attribute's questions only. Nothing is written:
the counts go straight to the suppression rules, and only what they let be shown is
kept (`frozen`).
"""
# ruff: noqa: S608  (statements built from placeholders and checked identifiers only)

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

import msgspec

from app.db import engine, is_sqlite
from app.values import as_uuid
from surveys.definition import Question
from surveys.results.queries import OPTION, Dimension, question_table, value_sql
from surveys.tables import Answer

BY_RESPONSE = 20_000  # below this many responses, read their answers by response
WORK_MEM = "1GB"  # a million responses add up into millions of groups: keep them in memory
CountsByQuestion = dict[str, dict[tuple[str, str], tuple[int, int]]]
Cell = tuple[UUID, str, str]  # company, dimension ("" for the whole company), value


@dataclass
class Folded:
    """Counts read back, per (company, dimension, value)."""

    respondents: dict[Cell, int] = field(default_factory=dict)
    counts: dict[Cell, CountsByQuestion] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    multiple: dict[Cell, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    # (company, dimension) -> respondents per value: a company's groups without a scan
    values: dict[tuple[UUID, str], dict[str, int]] = field(
        default_factory=lambda: defaultdict(dict))


async def _raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await Answer.raw(sql, *args)  # type: ignore[no-any-return]


def _literal(value: UUID) -> str:
    # A UUID's text is hex digits and dashes: safe to write into the statement, and it
    # spares typing a bound parameter in an INSERT … SELECT list on both databases.
    return f"'{UUID(str(value))}'"


async def _rows(sql: str) -> list[Any]:
    """A statement's rows: on PostgreSQL the driver's records as they come (a wave's
    counts are hundreds of thousands of rows, too many to turn into dicts first)."""
    if is_sqlite():
        return await _raw(sql)
    current = engine().current_transaction.get()
    assert current is not None, "cache.count runs inside the freezing transaction"
    return await current.connection.fetch(sql)  # type: ignore[no-any-return]


async def clear(wave_id: UUID) -> None:
    """Forget any counts an earlier version of Legami folded for the wave."""
    await _raw("DELETE FROM result_counts WHERE wave = {}", wave_id)
    await _raw("DELETE FROM result_folded WHERE wave = {}", wave_id)


# Counting ------------------------------------------------------------------------------


async def count(wave_id: UUID, dimensions: Sequence[Dimension], questions: list[Question],
                crosstabs: Sequence[tuple[Dimension, list[Question]]] = (),
                by_cell: bool | None = None) -> Folded:
    """Every company's counts in the wave, as a whole and in each of `dimensions` (all
    `questions`), and in each cross-tabulation attribute of `crosstabs` (its questions
    only). Runs inside the caller's transaction, which must be open. `by_cell`: fold the
    count rows into cells on the server (`BY_CELL`; the default on PostgreSQL), else
    read them one by one (SQLite)."""
    by_cell = not is_sqlite() if by_cell is None else by_cell
    if is_sqlite():
        await _raw("DROP TABLE IF EXISTS temp.result_batch")
    # The responses with their company and their value in each reporting group kept on
    # the response (the same expressions the counts used to compute on the fly), so the
    # planner, once the table is analysed, knows how many there are and builds its hash
    # on the responses rather than on their answers.
    kept = [d for d in dimensions if not d.from_answers]
    values = "".join(f", {value_sql(d, lookup=False)[0]} AS v{i}" for i, d in enumerate(kept))
    await _raw("CREATE TEMP TABLE result_batch "
               f"{'' if is_sqlite() else 'ON COMMIT DROP '}AS SELECT r.id AS id, "
               f"r.company AS company{values} "
               f"FROM responses r WHERE r.wave = {_literal(wave_id)}")
    batch = int((await _raw("SELECT COUNT(*) AS n FROM result_batch"))[0]["n"])
    if not is_sqlite():
        await _raw("ANALYZE result_batch")  # a fresh table: let the planner see its size
        # The groups are added up in memory (the planner, overestimating them, would sort
        # every answer once per grouping set) and the query is not compiled.
        await _raw(f"SET LOCAL work_mem = '{WORK_MEM}'")
        await _raw("SET LOCAL enable_sort = off")
        await _raw("SET LOCAL jit = off")
    chosen = "SELECT r.id AS id, r.company AS company FROM result_batch r "
    stored = {d.key: f"r.v{i}" for i, d in enumerate(kept)}
    by_response = batch < BY_RESPONSE
    rows = []
    for dims, asked, whole in [(list(dimensions), questions, True),
                               *(([d], targets, False) for d, targets in crosstabs)]:
        ctes, union = _aggregates(chosen, dims, asked, whole, by_response, stored)
        if by_cell:
            rows += await _rows(f"WITH {ctes}, counted AS ({union}) {BY_CELL}")
        else:
            rows += await _rows(f"WITH {ctes} {union}")
    if is_sqlite():
        await _raw("DROP TABLE temp.result_batch")
    else:
        await _raw("DROP TABLE result_batch")
    return _collect_cells(rows) if by_cell else _collect(rows)


def _answers_of_r(by_response: bool, keys: str = "") -> str:
    """The answers of the responses `r` (to the questions `keys` lists, if any): read by
    response through the index when they are few (PostgreSQL would otherwise scan every
    answer; OFFSET 0 keeps it from flattening the lookup into one), else joined in bulk."""
    among = f" WHERE a1.question IN ({keys})" if keys else ""
    if by_response and not is_sqlite():
        # The questions are filtered outside the OFFSET 0: inside, PostgreSQL would AND
        # the response's index with the question's, reading every answer to it.
        return ("r CROSS JOIN LATERAL (SELECT * FROM (SELECT a0.question, a0.row_key, "
                "a0.option_key, a0.number FROM answers a0 WHERE a0.response = r.id "
                f"OFFSET 0) a1{among}) a")
    return f"answers a JOIN r ON r.id = a.response{among.replace(' WHERE a1.', ' AND a.')}"


def _aggregates(chosen: str, dimensions: list[Dimension], questions: list[Question],
                whole: bool, by_response: bool, stored: dict[str, str] | None = None
                ) -> tuple[str, str]:
    """CTEs and a UNION ALL of the counts of the responses `chosen` selects (id,
    company and the dimensions' joins), for the whole company (`whole`) and for each
    dimension: answers per option, respondents, respondents of multiple choices.
    `stored`: the columns of `chosen`'s table already holding a dimension's value.

    Rows: c0 company, c1 dimension, c2 value, k0 question, k1 row_key, k2 option, n, total.
    """
    values = []
    for index, dimension in enumerate(dimensions):
        if dimension.key in (stored or {}) and not dimension.from_answers:
            value, join = (stored or {})[dimension.key], ""
        else:
            value, join = value_sql(dimension, f"b{index}", lookup=False)
        values.append(f"{value} AS d{index}")
        chosen = chosen.replace(" FROM result_batch r ", f" FROM result_batch r{join} ", 1)
    columns = "".join(f", {v}" for v in values)
    # Read straight from the analysed table (not materialised again, which would hide
    # its size from the planner) unless a value needs a join of the answers.
    inline = "" if is_sqlite() or " JOIN " in chosen else "NOT MATERIALIZED "
    ctes = [f"r AS {inline}("
            f"{chosen.replace('r.company AS company', 'r.company AS company' + columns, 1)})"]
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
    names = ([("''", "''")] if whole else []) + [
        (f"'{d.key}'", c) for c, d in zip(columns, dimensions, strict=True)]
    if is_sqlite() or len(sets) == 1:
        return " UNION ALL ".join(
            f"SELECT x.company AS c0, {name} AS c1, {value} AS c2{selected}, {measure} "
            f"FROM ({source}) x GROUP BY {', '.join(by)}"
            for (name, value), by in zip(names, sets, strict=True))
    # PostgreSQL: one pass over the answers adds them up per company and every
    # dimension's value at once (a plain GROUP BY, hashed, spilling if it must), then a
    # GROUP BY per set over those rows. Not GROUPING SETS: misjudging how many groups
    # there are (the option is computed), PostgreSQL will not hash them and sorts every
    # answer instead: 250 s of the 320 s of counting a million responses.
    inner = ", ".join(["x.company", *columns, *grouped])
    step = (f"SELECT {inner}, {measures[0]} AS n, {measures[1]} AS total FROM ({source}) x "
            f"GROUP BY {inner}")
    return (f"SELECT * FROM (WITH step AS MATERIALIZED ({step}) " + " UNION ALL ".join(
        f"SELECT x.company AS c0, {name} AS c1, {value} AS c2{selected}, "
        f"SUM(x.n) AS n, SUM(x.total) AS total FROM step x GROUP BY {', '.join(by)}"
        for (name, value), by in zip(names, sets, strict=True)) + ") grouped")


# On PostgreSQL the count rows (company, dimension, value, question, row, option) are
# folded on the server into one row per cell (company, dimension, value): its respondents,
# its multiple choices' respondents and its counts, as JSON that msgspec decodes in C.
# A wave of 1,000 companies has 1.5 to 2 million count rows but 12,000 cells: turning
# each count row into Python objects took longer than counting them.
_STAR = "(COALESCE(k2, '') = '*' AND COALESCE(k1, '') = '')"  # a multiple's respondents
BY_CELL = (
    "SELECT c0, c1, c2, MAX(single) FILTER (WHERE k0 = '') AS respondents, "
    "json_object_agg(k0, single) FILTER (WHERE k0 <> '' AND single IS NOT NULL) AS multiple, "
    "json_object_agg(k0, cells) FILTER (WHERE cells IS NOT NULL) AS counts "
    "FROM (SELECT c0, c1, c2, k0, "
    f"SUM(CASE WHEN k0 = '' OR {_STAR} THEN n END) AS single, "
    "json_agg(json_build_array(json_build_array(k1, k2), json_build_array(n, total))) "
    f"FILTER (WHERE k0 <> '' AND NOT {_STAR}) AS cells "
    "FROM counted GROUP BY c0, c1, c2, k0) x GROUP BY c0, c1, c2")
_MULTIPLE = msgspec.json.Decoder(dict[str, int])
_COUNTS = msgspec.json.Decoder(
    dict[str, list[tuple[tuple[str | None, str | None], tuple[int, int]]]])


def _collect_cells(rows: Iterable[Any]) -> Folded:
    """`BY_CELL` rows (records of c0, c1, c2, respondents, multiple, counts) into
    `Folded`: the same as `_collect` of the count rows they fold."""
    found = Folded()
    for raw, dimension, value, respondents, multiple, counts in rows:
        company = as_uuid(raw)
        cell = (company, dimension, value)
        if respondents is not None:
            found.respondents[cell] = int(respondents)
            if dimension:
                found.values[company, dimension][value] = int(respondents)
        if multiple is not None:
            found.multiple[cell].update(_MULTIPLE.decode(multiple))
        if counts is not None:
            mine = found.counts[cell]
            for question, cells in _COUNTS.decode(counts).items():
                mine[question].update(cast(Any, cells))  # options are None only if NULL
    return found


def _collect(rows: Iterable[Any]) -> Folded:
    """Rows (mappings or records of c0 … total, in that order) into `Folded`."""
    found = Folded()
    respondents, counts, multiple, values = (found.respondents, found.counts, found.multiple,
                                             found.values)
    companies: dict[Any, UUID] = {}
    for row in rows:
        raw, dimension, value, question, row_key, option, n, total = row.values()
        company = companies.get(raw)
        if company is None:
            company = companies[raw] = as_uuid(raw)
        cell = (company, dimension, value)
        if not question:
            respondents[cell] = int(n)
            if dimension:
                values[company, dimension][value] = int(n)
        elif option == "*" and not row_key:
            multiple[cell][question] = int(n)
        else:
            counts[cell][question][(row_key, option)] = (int(n), int(total or 0))
    return found
