"""A person's own account settings."""

from __future__ import annotations

from uuid import UUID

from app.db import transaction
from app.tables import User


async def set_user_language(user_id: UUID, language: str) -> None:
    async with transaction():
        await User.update({User.language: language}).where(User.id == user_id)
