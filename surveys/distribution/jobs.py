"""Survey jobs: the invitation mail of a wave and its reminders.

Payloads carry the wave id (and the reminder round) only: links are made by the
handlers, never written to the outbox.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.jobs import job
from surveys.distribution import service as distribution
from surveys.waves.service import MAIL_JOB, REMINDER_JOB


@job(MAIL_JOB)
async def wave_mail(outbox_id: int, payload: dict[str, Any]) -> None:
    """Mail each invited person of the wave their personal link, once."""
    await distribution.send_invitations(UUID(payload["wave_id"]))


@job(REMINDER_JOB)
async def wave_reminder(outbox_id: int, payload: dict[str, Any]) -> None:
    """Mail reminder round `round` to those who have not answered."""
    await distribution.send_reminders(UUID(payload["wave_id"]), int(payload["round"]))
