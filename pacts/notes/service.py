"""The team's notes, with a confidentiality level.

`team` notes are read by whoever may open the pact. `sealed` notes (health, violence,
anything the person asked to keep closest) are encrypted at rest with a key derived
from SECRET_KEY (HKDF, purpose "pact-notes"; the key never sits in the database) and
shown only when someone breaks the seal with a reason, which the access log keeps.
"""

from __future__ import annotations

from uuid import UUID

from litestar.exceptions import NotFoundException

from app import crypto
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from pacts.access.service import log_opening, reachable_pact
from pacts.tables import PactNote

LEVELS = ("team", "sealed")
PURPOSE = b"pact-notes"
MIN_REASON = 10


async def add(caller: Caller, pact_id: UUID, level: str, text: str) -> None:
    if level not in LEVELS:
        raise InvalidInput({"level": _("Choose from the list.")})
    if not 1 <= len(text.strip()) <= 4000:
        raise InvalidInput({"note": _("Write the note (up to 4,000 characters).")})
    sealed = level == "sealed"
    async with transaction():
        await reachable_pact(caller, pact_id)
        await PactNote(pact=pact_id, author=caller.user_id, level=level,
                       text="" if sealed else text.strip(),
                       ciphertext=crypto.encrypt(text.strip(), PURPOSE) if sealed else ""
                       ).save()
        await log_opening(caller, pact_id, "pact")


async def break_seal(caller: Caller, pact_id: UUID, note_id: int, reason: str) -> str:
    """The sealed note's text, opened for a reason that the access log keeps."""
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput({"seal_reason": _(
            "Write why you need to open this note: the reason is kept in the access log.")})
    async with transaction():
        await reachable_pact(caller, pact_id)
        note = await PactNote.select(PactNote.ciphertext).where(
            (PactNote.id == note_id) & (PactNote.pact == pact_id)
            & (PactNote.level == "sealed")).first()
        if note is None:
            raise NotFoundException()
        await log_opening(caller, pact_id, "sealed_note", reason.strip())
    return crypto.decrypt(note["ciphertext"], PURPOSE)
