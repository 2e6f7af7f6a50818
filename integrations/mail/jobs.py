"""Mail jobs: a queued mail, and the sign-in link, whose token the job itself makes."""

from __future__ import annotations

from typing import Any

from app.auth.links import SIGNIN_JOB, issue_link
from app.jobs import job
from app.mail import MAIL_JOB
from integrations.mail.render import render
from integrations.mail.sender import deliver


@job(MAIL_JOB)
async def send(outbox_id: int, payload: dict[str, Any]) -> None:
    """Render the queued mail in the recipient's language and deliver it."""
    subject, text, html = render(payload["template"], payload["language"], payload["context"])
    await deliver(outbox_id, payload["to"], subject, text, html)


@job(SIGNIN_JOB)
async def send_signin_link(outbox_id: int, payload: dict[str, Any]) -> None:
    """Make the person's sign-in link and mail it (the token never sits in the outbox)."""
    issued = await issue_link(outbox_id, payload)
    if issued is None:
        return
    subject, text, html = render(
        "signin_link", payload.get("language", "it"),
        {"name": issued.name, "link": issued.link, "minutes": issued.minutes},
    )
    await deliver(outbox_id, issued.email, subject, text, html)
