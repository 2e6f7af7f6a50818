"""The results' own tables: the thresholds, the released results, and the folds of old.

A wave is counted once, at its close, in the freezing transaction's memory
(`surveys.results.cache.count`); `result_counts`, `result_folded` and `result_states`
held the folds of an earlier version and stay empty (the freeze empties them for the
wave it releases).
"""

from piccolo.columns import (
    UUID,
    BigInt,
    BigSerial,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from surveys.tables import Wave


class ResultsSettings(Table, tablename="results_settings"):
    """One row at most; without it the defaults (5 and 10) apply. Never below them."""

    id = BigSerial(primary_key=True)
    min_group = Integer(default=5)
    min_text_group = Integer(default=10)
    updated_by = UUID(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class ResultCount(Table, tablename="result_counts"):
    """Answers of a wave folded into counts per company and reporting group.

    `dimension` "" is the whole company; `question` "" counts the group's respondents;
    `option` "*" counts the respondents of a multiple-choice question. Counts of one fold
    stay separate rows until they are compacted: readers add them up. Never shown as
    such: the results service decides what of it may be seen.
    """

    id = BigSerial(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    company = UUID(null=True, default=None, index=True)
    dimension = Varchar(length=64, default="")
    value = Varchar(length=200, default="")
    question = Varchar(length=64, default="")
    row_key = Varchar(length=64, default="")
    option = Varchar(length=64, default="")
    n = Integer(default=0)
    total = BigInt(default=0)


class FoldedResponse(Table, tablename="result_folded"):
    """Responses already in `result_counts` (no foreign key: a deleted response stays
    listed, and the mismatch with `responses` makes the wave's counts be rebuilt)."""

    response = UUID(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)


class ResultState(Table, tablename="result_states"):
    """How far a wave's counts go: responses folded, in how many folds, and the shape of
    the questions they were folded for (`cache.signature`; a change rebuilds them)."""

    id = BigSerial(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, unique=True)
    signature = Varchar(length=64, default="")
    folded = Integer(default=0)
    folds = Integer(default=0)


class ResultRelease(Table, tablename="result_releases"):
    """A wave's results as released when it closed: decided once, never recomputed.

    `part` "" holds the company-level cells (rates, respondents, per-question bases and
    hidden reasons, the towns and the program, the counts of the cells shown or pooled);
    `part` "<company id>" holds that company's reporting groups, and its own counts and
    comments; `part` "town:<hash>" a town's slice of the first, for its companies' pages
    (`frozen.town_slice`). `data` is JSON made by
    `surveys.results.frozen`. A released figure never changes and never disappears:
    the rows are written once, in the transaction that freezes the wave.
    """

    id = BigSerial(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    part = Varchar(length=64, default="")
    data = Text(default="{}")
    frozen_at = Timestamptz(default=TimestamptzNow())
