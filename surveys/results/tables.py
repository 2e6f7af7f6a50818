"""The results' own tables: the thresholds, the tallies, the releases, the folds of old.

A wave's counts are added up, sealed, as its ballot box empties (`result_tallies`,
`surveys.results.tally`), and released once, at its close; `result_counts`,
`result_folded` and `result_states` held the plain folds of an earlier version and stay
empty (the freeze empties them for the wave it releases).
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


class ResultTally(Table, tablename="result_tallies"):
    """A company's running counts and comment sample in an open wave, sealed.

    `box` is sealed with a key kept outside the database (`surveys.sealing`, bound to
    the wave and the company), so the table shows only which companies of a wave have
    stored responses, which `responses` shows too. Written by the ballot box's flush in
    the transaction that stores the responses it adds up (`tally.fold`), read and
    deleted by the freeze (`tally.load`).
    """

    id = BigSerial(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    company = UUID(index=True)
    box = Text(default="")


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
