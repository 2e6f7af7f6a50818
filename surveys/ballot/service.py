"""The ballot box: sealed responses move into `responses` in shuffled batches.

A ballot holds, in a box sealed with a key kept outside the database
(`surveys.sealing`), the company, the day, the reporting groups and the answers: the
database shows only that a response of the wave waits.

A sealed response is written in the transaction that marks its invitation answered, so
on PostgreSQL the two rows share a transaction id, and rows inserted one by one keep the
order of submission. Moving the sealed responses of a wave only once at least
`MIN_BATCH` wait (or when the wave has closed), in a transaction of their own, in a
random order and under new random ids, leaves the stored response nothing in common
with its invitation: not an id, not a transaction, not an insertion order or a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from app.db import is_sqlite, transaction
from app.outbox import enqueue
from app.values import json_value
from surveys.results import tally
from surveys.sealing import unseal
from surveys.tables import (
    Answer,
    Ballot,
    Invitation,
    Response,
    ResponseDraft,
    SealedResponse,
    Wave,
)
from surveys.waves.state import moment_in_italy, seconds_until, wave_state

log = logging.getLogger("legami.ballot")

MIN_BATCH = 5  # sealed responses of a wave moved together, unless the wave has closed
FLUSH_JOB = "surveys.flush_ballot"
CHUNK = 1000  # rows per INSERT
FLUSH_PAUSE_SECONDS = 1  # at most one flush per wave in this time, run at its end
BALLOT_PURPOSE = "ballot"  # what `surveys.sealing` binds a sealed response's box to


class _TooFew(Exception):
    """Another flush took part of the batch: roll back rather than store fewer than 5."""


async def enqueue_flush(wave_id: UUID, after: date | None = None,
                        delay_seconds: int = 0) -> None:
    """Queue a flush of the wave's ballot box (in the caller's transaction, if any).

    With `after` (the wave's last day), it runs in the first minutes of the next day,
    when everything waiting moves and unsent drafts are deleted: opening a wave should
    queue that one, closing it one without delay.
    """
    if after is not None:
        # A minute into the day after the last one, when wave_state() calls it closed.
        delay_seconds = seconds_until(moment_in_italy(after + timedelta(days=1), hour=0)) + 60
    await enqueue(FLUSH_JOB, {"wave_id": str(wave_id)}, delay_seconds=delay_seconds)


async def flush_wave(wave_id: UUID) -> int:
    """Move the wave's sealed responses into responses and answers; return how many.

    Nothing moves while fewer than `MIN_BATCH` wait and the wave is open. Once the wave
    is closed everything waiting moves, and the drafts nobody sent are deleted.
    """
    wave = await Wave.select(Wave.status, Wave.opens_on, Wave.closes_on).where(
        Wave.id == wave_id).first()
    if wave is None:
        return 0  # deleted: its sealed responses went with it
    closed = wave_state(wave).state == "closed"
    if not closed and await _waiting(wave_id) < MIN_BATCH:
        return 0
    try:
        async with transaction():
            moved = await _move(wave_id, closed)
            await _delete_drafts(wave_id, closed)
    except _TooFew:
        return 0
    log.info("ballot: %d responses of wave %s stored", moved, wave_id)  # counts, no content
    return moved


async def _waiting(wave_id: UUID) -> int:
    return (await Ballot.count().where(Ballot.wave == wave_id)
            + await SealedResponse.count().where(SealedResponse.wave == wave_id))


async def _move(wave_id: UUID, closed: bool) -> int:
    """Open the boxes (the key is outside the database, so this runs in Python), shuffle,
    store under new random ids. Flushes of one wave take turns: on PostgreSQL each holds
    a lock and counts what the one before left, so none moves fewer than MIN_BATCH from
    an open wave (SQLite's write transactions queue by themselves)."""
    if not is_sqlite():
        key = int.from_bytes(hashlib.sha256(f"ballot:{wave_id}".encode()).digest()[:8], "big",
                             signed=True)
        await Ballot.raw("SELECT pg_advisory_xact_lock({})", key)
    boxes = await Ballot.delete().where(Ballot.wave == wave_id).returning(Ballot.box)
    sealed = [_opened(row["box"]) for row in boxes]
    sealed += await SealedResponse.delete().where(SealedResponse.wave == wave_id).returning(
        SealedResponse.company, SealedResponse.submitted_on, SealedResponse.group_values,
        SealedResponse.answers)  # sealed, readable, before issue 11
    if not closed and len(sealed) < MIN_BATCH:
        raise _TooFew
    secrets.SystemRandom().shuffle(sealed)
    responses, answers = [], []
    for row in sealed:
        response = {"id": uuid4(), "wave": wave_id, "company": row["company"],
                    "submitted_on": row["submitted_on"],
                    "group_values": json_value(row["group_values"]) or {}}
        responses.append(response)
        answers += [{**ANSWER_DEFAULTS, **value, "response": response["id"]}
                    for value in json_value(row["answers"])]
    await _store(responses, answers)
    await tally.fold(wave_id, responses, answers)
    return len(responses)


ANSWER_DEFAULTS = {"row_key": "", "option_key": "", "number": None, "text": ""}
ANSWER_COLUMNS = ["response", "question", "row_key", "option_key", "number", "text"]
RESPONSE_COLUMNS = ["id", "wave", "company", "submitted_on", "group_values"]
INSERT_RESPONSE = ("INSERT INTO responses (id, wave, company, submitted_on, group_values) "
                   "VALUES (?, ?, ?, ?, ?)")
INSERT_ANSWER = ("INSERT INTO answers (response, question, row_key, option_key, number, text) "
                 "VALUES (?, ?, ?, ?, ?, ?)")


async def _store(responses: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
    """Insert the moved responses and their answers, in this (shuffled) order: on
    PostgreSQL by COPY, on SQLite by one prepared statement run for every row, as a close
    moves thousands of responses at once (building a statement of a thousand rows costs
    more than sending it)."""
    current = Response._meta.db.current_transaction.get()
    if current is None:
        for start in range(0, len(responses), CHUNK):  # a statement takes 32767 values
            await Response.insert(*[Response(**r) for r in responses[start:start + CHUNK]])
        for start in range(0, len(answers), CHUNK):
            await Answer.insert(*[Answer(**a) for a in answers[start:start + CHUNK]])
        return
    response_rows = [(*(r[c] for c in RESPONSE_COLUMNS[:-1]), json.dumps(r["group_values"]))
                     for r in responses]
    answer_rows = [tuple(a[c] for c in ANSWER_COLUMNS) for a in answers]
    if is_sqlite():
        # The values go through the adapters piccolo registers with sqlite3 (a UUID and
        # a date as text), so they are stored as piccolo stores them.
        await current.connection.executemany(INSERT_RESPONSE, response_rows)
        await current.connection.executemany(INSERT_ANSWER, answer_rows)
        return
    await current.connection.copy_records_to_table(
        "responses", columns=RESPONSE_COLUMNS, records=response_rows)
    await current.connection.copy_records_to_table(
        "answers", columns=ANSWER_COLUMNS, records=answer_rows)


def _opened(box: str) -> dict[str, Any]:
    """A ballot's content; a box no configured key opens stops the flush, losing nothing."""
    content = unseal(box, BALLOT_PURPOSE)
    if not isinstance(content, dict):
        raise RuntimeError("ballot: a sealed response opens with none of BALLOT_KEY's keys")
    return {**content, "company": UUID(content["company"]),
            "submitted_on": date.fromisoformat(content["submitted_on"])}


async def _delete_drafts(wave_id: UUID, closed: bool) -> None:
    """Drafts hold answers next to an invitation: unsent ones go when the wave closes.

    Sending deletes the draft; but on PostgreSQL a first draft saved in another tab at
    the very moment of sending is committed after the sending statement's snapshot, and
    survives it. Every flush sweeps such drafts of answered invitations.
    """
    which: Any = Invitation.wave == wave_id
    if not closed:
        which &= Invitation.answered.eq(True)
    await ResponseDraft.delete().where(
        ResponseDraft.invitation.is_in(Invitation.select(Invitation.id).where(which)))


