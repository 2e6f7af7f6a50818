"""Audit events: who did what, to which organization. Never survey answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.tables import AuditEvent


async def record(
    action: str,
    actor_id: UUID | None = None,
    organization_id: UUID | None = None,
    **detail: Any,
) -> None:
    """Add an audit event; call it inside the transaction of the change it records."""
    await AuditEvent(
        action=action, actor_id=actor_id, organization_id=organization_id, detail=detail
    ).save()
