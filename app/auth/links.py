"""One-time sign-in links by mail, for people whose organization has no identity provider.

The link's token is made by the job that sends it, so it never sits in the outbox;
only its hash is stored. A link works once, for 15 minutes, for one person.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, NamedTuple
from urllib.parse import quote
from uuid import UUID

from app.clock import now
from app.db import transaction
from app.outbox import enqueue
from app.ratelimit import allow
from app.settings import get_settings
from app.tables import SignInToken, User

# Links mailed to one person in a window, whoever asks: their mailbox is not flooded, and
# they are never locked out, as the links already sent still work.
LINKS_PER_PERSON = 5
LINKS_WINDOW_SECONDS = 15 * 60
SIGNIN_JOB = "auth.signin_link"


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def request_link(email: str, language: str, next_path: str = "/") -> bool:
    """Queue a sign-in link for an active user with this address; False when there is none.

    Callers must answer the same way in both cases, so addresses cannot be probed.
    `next_path` (a local path) is where the link leads after sign-in.
    """
    user = await User.objects().where(
        (User.email == normalize_email(email)) & (User.is_active.eq(True))
    ).first()
    if user is None:
        return False
    if not await allow(f"signin:mailed:{user.id}", LINKS_PER_PERSON, LINKS_WINDOW_SECONDS):
        return True
    async with transaction():
        await enqueue(SIGNIN_JOB, {"user_id": str(user.id), "language": language,
                                           "next": next_path})
    return True


async def consume(token: str) -> UUID | None:
    """Use a link: the user it was made for, or None if unknown, used or expired."""
    moment = now()
    async with transaction():
        rows = await (
            SignInToken.update({SignInToken.used_at: moment})
            .where(
                (SignInToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
                & SignInToken.used_at.is_null()
                & (SignInToken.expires_at > moment)
            )
            .returning(SignInToken.user)
        )
    return UUID(str(rows[0]["user"])) if rows else None


class IssuedLink(NamedTuple):
    """A sign-in link made for one person, to be mailed at once."""

    email: str
    name: str
    link: str
    minutes: int


async def issue_link(outbox_id: int, payload: dict[str, Any]) -> IssuedLink | None:
    """Make the link of the job `outbox_id` ("auth.signin_link"); None when the person has
    no address any more. A retried job replaces its own unused token: one live link per job.

    The job that mails it (`integrations.mail.jobs`) calls this, so the token is made by
    the job and never sits in the outbox.
    """
    user = await User.objects().where(User.id == UUID(payload["user_id"])).first()
    if user is None or not user.email:
        return None
    minutes = get_settings().signin_link_minutes
    token = secrets.token_urlsafe(32)
    async with transaction():
        await SignInToken.delete().where(SignInToken.outbox_id == outbox_id)
        await SignInToken(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            user=user.id,
            expires_at=now() + timedelta(minutes=minutes),
            outbox_id=outbox_id,
        ).save()
    link = f"{get_settings().base_url}/auth/link/{token}"
    if payload.get("next", "/") != "/":
        link += f"?next={quote(payload['next'])}"
    return IssuedLink(user.email, user.name, link, minutes)
