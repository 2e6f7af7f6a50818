"""The daily retention job: each run anonymises what has expired and schedules the
next run, so one chain runs however it was started (a closure, the demo seed)."""

from __future__ import annotations

from typing import Any

from app.db import transaction
from app.jobs import job
from pacts.retention.service import DAY_SECONDS, JOB, anonymise_expired, schedule_retention


@job(JOB)
async def run_retention(outbox_id: int, payload: dict[str, Any]) -> None:
    await anonymise_expired()
    async with transaction():
        await schedule_retention(DAY_SECONDS, running=outbox_id)
