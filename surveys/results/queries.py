"""The SQL aggregates behind the results: counts in the database, never rows in Python.

Every query is scoped to one wave, grouped by company (and, for one company, by a
reporting group), and returns counts only. The same SQL runs on SQLite and PostgreSQL
apart from reading a JSON field. Scale points and number ranges are folded into
`option` in SQL, so each figure is a count per (question, row, option). Statements are
built from `{}` placeholders and from keys checked to be identifiers (hence the
`noqa: S608`).
"""
# ruff: noqa: S608  (statements built from placeholders and checked identifiers only)

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app.db import is_sqlite
from app.values import as_uuid
from surveys.definition import Question
from surveys.tables import Answer

# Cross-tabulations the program defined in advance: an attribute question, split by its
# answer, against the questions of these need areas. No other cross-tabulation exists.
# A question asked only given an answer of the attribute (childcare needs, asked of
# parents only) is never one of them: split by the attribute it would be empty by
# construction (`WaveContext.crosstabs`).
CROSSTABS: dict[str, tuple[str, ...]] = {
    "has_children_u14": ("working_time", "time_saving"),
    "cares_for_relative": ("working_time", "time_saving"),
    "work_schedule": ("working_time", "children", "elder_care"),
}
NUMBER_BUCKETS = 5


@dataclass(frozen=True)
class Dimension:
    """A reporting group: a roster field or self-reported attribute kept in the
    response's `group_values`, or (`from_answers`) a cross-tabulation attribute read
    from the answers."""

    key: str
    roster: bool = False
    from_answers: bool = False


@dataclass(frozen=True)
class Bucket:
    low: int
    width: int


def buckets(question: Question) -> Bucket:
    """Five ranges of equal width covering the question's minimum to maximum."""
    low, high = question.minimum or 0, question.maximum or 0
    return Bucket(low, max(1, -(-(high - low + 1) // NUMBER_BUCKETS)))


async def _raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await Answer.raw(sql, *args)  # type: ignore[no-any-return]


def _group_value(key: str, alias: str = "r") -> str:
    """SQL for a response's value of reporting group `key` ('' when unset).

    `key` is a checked identifier (`definition.KEY_RE` or a roster field name), so it
    is written into the statement rather than bound.
    """
    if not key.replace("_", "").isalnum():
        raise ValueError(key)
    if is_sqlite():
        return f"COALESCE(CAST(json_extract({alias}.group_values, '$.{key}') AS TEXT), '')"
    return f"COALESCE({alias}.group_values ->> '{key}', '')"


def question_table(questions: Iterable[Question]) -> str:
    """A VALUES list (question, kind, low, width): how each question's answers fold into
    `option`: the option key (o), the scale point (s) or the range of a number (n)."""
    rows = []
    for q in questions:
        if not q.key.replace("_", "").isalnum():
            raise ValueError(q.key)
        kind, bucket = {"scale": "s", "number": "n"}.get(q.type, "o"), buckets(q)
        rows.append(f"('{q.key}', '{kind}', {bucket.low}, {bucket.width})")
    return "q(question, kind, low, width) AS (VALUES " + ", ".join(rows) + ")"


OPTION = ("CASE q.kind WHEN 's' THEN CAST(a.number AS TEXT) "
          "WHEN 'n' THEN CAST((a.number - q.low) / q.width AS TEXT) ELSE a.option_key END")


def _company_filter(companies: list[UUID] | None, args: list[Any]) -> str:
    if companies is None:
        return ""
    args.extend(companies)
    return " AND r.company IN (" + ", ".join("{}" for _ in companies) + ")"


# Company level ---------------------------------------------------------------------


@dataclass
class Invited:
    """Invited and answered per company, and per company and value of roster fields."""

    companies: dict[UUID, tuple[int, int]]
    groups: dict[str, dict[UUID, dict[str, tuple[int, int]]]]  # field -> company -> value


async def invitations(wave_id: UUID, companies: list[UUID] | None,
                      roster: Iterable[str] = ()) -> Invited:
    """Invited and answered per company (all when None), and per value of each `roster`
    field, in one pass over the wave's invitations (grouped by company and every
    field's value, added up here: a few rows per company)."""
    keys = list(roster)
    args: list[Any] = [wave_id]
    values = "".join(f", {_group_value(key)} AS v{i}" for i, key in enumerate(keys))
    grouped = ", ".join(str(i) for i in range(1, len(keys) + 2))
    sql = (f"SELECT r.company AS company{values}, COUNT(*) AS invited, "
           "SUM(CASE WHEN r.answered THEN 1 ELSE 0 END) AS answered FROM invitations r "
           "WHERE r.wave = {}" + _company_filter(companies, args) + f" GROUP BY {grouped}")
    found = Invited({}, {key: {} for key in keys})
    for row in await _raw(sql, *args):
        company = as_uuid(row["company"])
        invited, answered = int(row["invited"]), int(row["answered"] or 0)
        total = found.companies.get(company, (0, 0))
        found.companies[company] = (total[0] + invited, total[1] + answered)
        for i, key in enumerate(keys):
            mine = found.groups[key].setdefault(company, {})
            value = str(row[f"v{i}"])
            total = mine.get(value, (0, 0))
            mine[value] = (total[0] + invited, total[1] + answered)
    return found


# Reporting groups inside one company ---------------------------------------------------


def value_sql(dimension: Dimension, alias: str = "b", lookup: bool = True
              ) -> tuple[str, str]:
    """The SQL for a response `r`'s value in `dimension`, and the join it needs: with
    `lookup`, for a few responses, a lookup by response on PostgreSQL, which would
    otherwise read every answer to the question (SQLite looks up by itself); without,
    for a whole wave, one join of every answer to the question."""
    if not dimension.from_answers:
        return _group_value(dimension.key), ""
    if not dimension.key.replace("_", "").isalnum() or not alias.isalnum():
        raise ValueError(dimension.key)
    if is_sqlite() or not lookup:
        return (f"COALESCE({alias}.option_key, '')",
                f" LEFT JOIN answers {alias} ON {alias}.response = r.id "
                f"AND {alias}.question = '{dimension.key}'")
    return (f"COALESCE({alias}.option_key, '')",
            f" LEFT JOIN LATERAL (SELECT b.option_key FROM answers b WHERE b.response = r.id "
            f"AND b.question = '{dimension.key}' LIMIT 1) {alias} ON TRUE")


# Free text ---------------------------------------------------------------------------


SAMPLE = 5000  # responses a wave's comments are drawn from


async def texts(wave_id: UUID, keys: list[str], limit: int
                ) -> dict[UUID, list[tuple[str, str]]]:
    """Up to `limit` (question, text) pairs per company, each company's drawn at random
    from at most `SAMPLE` of its responses taken at random: a large wave's comments are
    a random sample, never a scan of every answer."""
    if not keys or not all(k.replace("_", "").isalnum() for k in keys):
        return {}
    listed = ", ".join(f"'{key}'" for key in keys)
    sql = ("SELECT company, question, text FROM (SELECT r.company AS company, "
           "a.question AS question, a.text AS text, row_number() OVER (PARTITION BY "
           "r.company ORDER BY random()) AS place FROM (SELECT r.id, r.company, "
           "row_number() OVER (PARTITION BY r.company ORDER BY random()) AS drawn "
           "FROM responses r WHERE r.wave = {}) r JOIN answers a ON a.response = r.id "
           f"WHERE r.drawn <= {SAMPLE} AND a.question IN ({listed}) AND a.text <> '') x "
           f"WHERE x.place <= {int(limit)}")
    found: dict[UUID, list[tuple[str, str]]] = defaultdict(list)
    for row in await _raw(sql, wave_id):
        found[as_uuid(row["company"])].append((row["question"], row["text"]))
    return found


