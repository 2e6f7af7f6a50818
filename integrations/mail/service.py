"""Queue mail through the outbox, and read the development mailbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from app.outbox import enqueue
from app.tables import DevMail
from integrations.mail.render import TEMPLATES


class StoredMail(msgspec.Struct):
    id: int
    to: str
    subject: str
    text: str
    html: str
    created_at: datetime


async def send_mail(to: str, template: str, language: str, context: dict[str, Any]) -> int:
    """Queue the job "mail.send" and return its outbox id.

    Call it inside the caller's transaction: a rolled-back change sends nothing. The
    payload is stored in the outbox and passes through the broker, so `context` must be
    JSON-serialisable and must never hold a secret such as a sign-in token or a link
    carrying one: a job that needs a secret creates it in its own handler, renders the
    mail there and calls `integrations.mail.sender.deliver` directly.
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown mail template {template!r}")
    payload = {"to": to, "template": template, "language": language, "context": context}
    return await enqueue("mail.send", payload)


async def stored_mails(limit: int = 100) -> list[StoredMail]:
    """The development mailbox, newest first."""
    rows = await DevMail.select().order_by(DevMail.id, ascending=False).limit(limit)
    return [
        StoredMail(
            id=row["id"],
            to=row["to_address"],
            subject=row["subject"],
            text=row["text"],
            html=row["html"],
            created_at=row["created_at"],
        )
        for row in rows
    ]
