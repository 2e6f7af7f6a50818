"""Server-side sessions: the cookie carries a random token, the table only its hash."""

from __future__ import annotations

import secrets
from datetime import timedelta
from uuid import UUID

from app.auth.caller import Caller, load_caller
from app.clock import now
from app.crypto import token_hash
from app.db import transaction
from app.settings import get_settings
from app.tables import Session

COOKIE = "legami_session"
TOUCH_EVERY = timedelta(seconds=60)


async def start_session(user_id: UUID, via_organization: UUID | None = None) -> str:
    """A new session (always a new id: sign-in never reuses one); returns the cookie token.

    `via_organization`: the organization whose provider vouched for the person. Its
    provider proves who they are there, not elsewhere, so the session carries only that
    organization's roles; a mail link (None) proved the mailbox and carries them all.
    """
    token = secrets.token_urlsafe(32)
    async with transaction():
        await Session(id=token_hash(token), user=user_id,
                      via_organization=via_organization).save()
    return token


async def end_session(token: str) -> None:
    async with transaction():
        await Session.delete().where(Session.id == token_hash(token))


async def end_all_sessions(user_id: UUID) -> None:
    async with transaction():
        await Session.delete().where(Session.user == user_id)


async def resolve(token: str) -> Caller | None:
    """The caller behind a session token, or None when unknown, idle or too old."""
    settings = get_settings()
    session = await Session.objects().where(Session.id == token_hash(token)).first()
    if session is None:
        return None
    moment = now()
    idle = moment - session.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    old = moment - session.created_at > timedelta(hours=settings.session_absolute_hours)
    if idle or old:
        await end_session(token)
        return None
    if moment - session.last_seen_at > TOUCH_EVERY:
        async with transaction():
            await Session.update({Session.last_seen_at: moment}).where(Session.id == session.id)
    return await load_caller(session.user, session.via_organization)
