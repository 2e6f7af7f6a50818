"""The ballot box's job: empty a wave's box, and release its figures once it has closed.

It calls both the ballot and the results, which read the ballot: the job sits above
the two so that neither imports the other back.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.jobs import job
from surveys.ballot.service import FLUSH_JOB, flush_wave
from surveys.results.service import release_wave


@job(FLUSH_JOB)
async def flush_ballot(outbox_id: int, payload: dict[str, Any]) -> None:
    """Job `surveys.flush_ballot` ({"wave_id"}): idempotent, as the box empties itself.
    Once the wave has closed it also releases the wave's figures (the whole box first)."""
    await flush_wave(UUID(payload["wave_id"]))
    await release_wave(UUID(payload["wave_id"]))
