"""The signed-in person and what their memberships let them reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from app.roles import COMMUNITY_MAKER, PROGRAM_ADMIN
from app.tables import Membership, User

PROGRAM_STAFF = frozenset({PROGRAM_ADMIN, COMMUNITY_MAKER})


@dataclass(frozen=True)
class Grant:
    organization_id: UUID
    organization_name: str
    organization_kind: str
    role: str


@dataclass(frozen=True)
class Caller:
    user_id: UUID
    email: str | None
    name: str
    language: str | None
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    def has_role(self, *roles: str) -> bool:
        return any(grant.role in roles for grant in self.grants)

    @property
    def is_program_admin(self) -> bool:
        return self.has_role(PROGRAM_ADMIN)

    @property
    def is_program_staff(self) -> bool:
        return self.has_role(*PROGRAM_STAFF)

    def organization_ids(self, *roles: str) -> set[UUID]:
        """Organizations where the caller holds one of `roles` (any role when none given)."""
        return {g.organization_id for g in self.grants if not roles or g.role in roles}


async def load_caller(user_id: UUID, only_organization: UUID | None = None) -> Caller | None:
    """The person with the roles they may use; only one organization's when given."""
    user = await User.objects().where((User.id == user_id) & (User.is_active.eq(True))).first()
    if user is None:
        return None
    rows = await Membership.select(
        Membership.organization.id,
        Membership.organization.name,
        Membership.organization.kind,
        Membership.organization.status,
        Membership.role,
    ).where(Membership.user == user_id)
    grants = tuple(
        Grant(
            organization_id=row["organization.id"],
            organization_name=row["organization.name"],
            organization_kind=row["organization.kind"],
            role=row["role"],
        )
        for row in rows
        if row["organization.status"] != "suspended"
        and only_organization in (None, row["organization.id"])
    )
    return Caller(user.id, user.email, user.name, user.language, grants)
