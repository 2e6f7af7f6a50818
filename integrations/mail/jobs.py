"""Mail jobs."""

from __future__ import annotations

from typing import Any

from integrations.mail.render import render
from integrations.mail.sender import deliver
from worker.registry import job


@job("mail.send")
async def send(outbox_id: int, payload: dict[str, Any]) -> None:
    """Render the queued mail in the recipient's language and deliver it."""
    subject, text, html = render(payload["template"], payload["language"], payload["context"])
    await deliver(outbox_id, payload["to"], subject, text, html)
