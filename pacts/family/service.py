"""The family's link `/p/<token>`: read the pact waiting for them and accept it on a
phone, with no account, in their language.

As with referrals, the token (22 random characters) is made by the job that mails it
and only its SHA-256 is kept on the pact, so it never sits in the outbox; a new mail
makes a new link and the earlier one stops working. Closing the pact ends the link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
from litestar.exceptions import NotFoundException

from app.crypto import token_hash
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.settings import LANGUAGES, get_settings
from pacts.pacts.schemas import PactContent
from pacts.pacts.service import accept_version
from pacts.tables import Pact, PactVersion

LINK_PREFIX = "/p/"


def link_for(token: str) -> str:
    return f"{get_settings().base_url}{LINK_PREFIX}{token}"


def family_language(language: str | None) -> str:
    return language if language in LANGUAGES else "it"


async def issue_token(pact_id: UUID) -> str | None:
    """A new link for a pact in force or waiting for the family; only the hash is
    stored and the earlier link stops working."""
    token = secrets.token_urlsafe(16)
    async with transaction():
        changed = await Pact.update({Pact.token_hash: token_hash(token)}).where(
            (Pact.id == pact_id) & Pact.status.is_in(["proposed", "active"])).returning(Pact.id)
    return token if changed else None


@dataclass(frozen=True)
class FamilyView:
    pact_id: UUID
    first_name: str
    language: str
    number: int
    content: PactContent
    waiting: bool  # the version waits for acceptance


async def _by_token(token: str) -> dict[str, Any]:
    if not 22 <= len(token) <= 64:
        raise NotFoundException()
    row = await Pact.select(Pact.id, Pact.holder_name, Pact.language, Pact.status).where(
        Pact.token_hash == token_hash(token)).first()
    if row is None or row["status"] == "closed":
        raise NotFoundException()
    return row


async def family_view(token: str, language: str | None = None) -> FamilyView:
    """The latest version of the pact the link opens; 404 for an unknown link."""
    row = await _by_token(token)
    version = await PactVersion.select().where(
        (PactVersion.pact == row["id"]) & PactVersion.status.is_in(["proposed", "accepted"])
    ).order_by(PactVersion.number, ascending=False).output(load_json=True).first()
    if version is None:
        raise NotFoundException()
    chosen = language if language in LANGUAGES else family_language(row["language"])
    return FamilyView(pact_id=row["id"], first_name=row["holder_name"].split(" ")[0],
                      language=chosen, number=version["number"],
                      content=msgspec.convert(version["content"], PactContent),
                      waiting=version["status"] == "proposed")


async def accept(token: str) -> int:
    """The family accepts the version waiting for them; returns its number."""
    row = await _by_token(token)
    number = await accept_version(row["id"], "link")
    if number is None:
        raise InvalidInput({"accept": _("This version of the pact is already accepted.")})
    return number
