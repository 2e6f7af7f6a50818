"""The ballot box: sealed responses move into `responses` in shuffled batches.

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
from surveys.tables import Answer, Invitation, Response, ResponseDraft, SealedResponse, Wave
from surveys.waves import moment_in_italy, seconds_until, wave_state
from worker.registry import job

log = logging.getLogger("legami.ballot")

MIN_BATCH = 5  # sealed responses of a wave moved together, unless the wave has closed
FLUSH_JOB = "surveys.flush_ballot"
CHUNK = 1000  # rows per INSERT
FLUSH_PAUSE_SECONDS = 1  # at most one flush per wave in this time, run at its end


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


@job(FLUSH_JOB)
async def flush_ballot(outbox_id: int, payload: dict[str, Any]) -> None:
    """Job `surveys.flush_ballot` ({"wave_id"}): idempotent, as the box empties itself.
    Once the wave has closed it also releases the wave's figures (the whole box first)."""
    from surveys.results.service import release_wave  # the results read the ballot

    await flush_wave(UUID(payload["wave_id"]))
    await release_wave(UUID(payload["wave_id"]))


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
    waiting = await SealedResponse.count().where(SealedResponse.wave == wave_id)
    if not closed and waiting < MIN_BATCH:
        return 0
    move = _move_in_python if is_sqlite() else _move_in_postgres
    try:
        async with transaction():
            moved = await move(wave_id, closed)
            await _delete_drafts(wave_id, closed)
    except _TooFew:
        return 0
    log.info("ballot: %d responses of wave %s stored", moved, wave_id)  # counts, no content
    return moved


async def _move_in_python(wave_id: UUID, closed: bool) -> int:
    """SQLite: its write transactions queue, so nothing else takes rows from the box."""
    sealed = await SealedResponse.delete().where(SealedResponse.wave == wave_id).returning(
        SealedResponse.company, SealedResponse.submitted_on, SealedResponse.group_values,
        SealedResponse.answers,
    )
    if not closed and len(sealed) < MIN_BATCH:
        raise _TooFew
    secrets.SystemRandom().shuffle(sealed)
    responses, answers = [], []
    for row in sealed:
        response = Response(id=uuid4(), wave=wave_id, company=row["company"],
                            submitted_on=row["submitted_on"],
                            group_values=_loaded(row["group_values"]) or {})
        responses.append(response)
        answers += [Answer(response=response.id, **value) for value in _loaded(row["answers"])]
    for start in range(0, len(responses), CHUNK):  # a statement takes at most 32767 values
        await Response.insert(*responses[start:start + CHUNK])
    for start in range(0, len(answers), CHUNK):
        await Answer.insert(*answers[start:start + CHUNK])
    return len(responses)


# PostgreSQL moves the box in one statement, without sending the answers through Python
# (a busy wave's flush would otherwise hold the web process for seconds). The order comes
# from gen_random_uuid(), a strong random source, as do the new ids.
MOVE_SQL = """
WITH moved AS (
    DELETE FROM sealed_responses
    WHERE wave = {} AND ({} OR (SELECT count(*) FROM sealed_responses WHERE wave = {}) >= {})
    RETURNING company, submitted_on, group_values, answers
), shuffled AS (
    SELECT gen_random_uuid() AS id, company, submitted_on, group_values, answers,
           row_number() OVER (ORDER BY gen_random_uuid()) AS place
    FROM moved
), stored AS (
    INSERT INTO responses (id, wave, company, submitted_on, group_values)
    SELECT id, {}, company, submitted_on, group_values FROM shuffled ORDER BY place
), answered AS (
    INSERT INTO answers (response, question, row_key, option_key, number, text)
    SELECT s.id, e.value ->> 'question', coalesce(e.value ->> 'row_key', ''),
           coalesce(e.value ->> 'option_key', ''), (e.value ->> 'number')::integer,
           coalesce(e.value ->> 'text', '')
    FROM shuffled s, json_array_elements(s.answers) WITH ORDINALITY AS e(value, n)
    ORDER BY s.place, e.n
)
SELECT count(*) AS moved FROM shuffled
"""


async def _move_in_postgres(wave_id: UUID, closed: bool) -> int:
    # Flushes of one wave take turns: each counts what is left after the one before, so
    # none can move fewer than MIN_BATCH from an open wave.
    key = int.from_bytes(hashlib.sha256(f"ballot:{wave_id}".encode()).digest()[:8], "big",
                         signed=True)
    await SealedResponse.raw("SELECT pg_advisory_xact_lock({})", key)
    rows = await SealedResponse.raw(MOVE_SQL, wave_id, closed, wave_id, MIN_BATCH, wave_id)
    return int(rows[0]["moved"])


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


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
