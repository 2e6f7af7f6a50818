"""The development mailbox: the mails stored instead of sent (shown at /dev/mail).

Mail is queued with `app.mail.send_mail`."""

from __future__ import annotations

from datetime import datetime

import msgspec

from app.tables import DevMail


class StoredMail(msgspec.Struct):
    id: int
    to: str
    subject: str
    text: str
    html: str
    created_at: datetime


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
