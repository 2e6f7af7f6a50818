"""DTOs of the core API (msgspec)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class Organization(msgspec.Struct):
    id: UUID
    kind: str
    name: str
    town: str
    status: str
    domains: list[str]


class OrganizationCreate(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    name: str
    town: str = ""
    domains: list[str] = msgspec.field(default_factory=list)


class Member(msgspec.Struct):
    user_id: UUID
    email: str | None
    name: str
    role: str


class MemberInvite(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    role: str
    name: str = ""


class Me(msgspec.Struct):
    user_id: UUID
    email: str | None
    name: str
    language: str | None
    memberships: list[dict[str, str]]


class FailedJob(msgspec.Struct):
    id: int
    actor: str
    attempts: int
    last_error: str
    created_at: datetime


class JobOverview(msgspec.Struct):
    """What is still to do: an empty `failed_jobs` says nothing about `waiting`."""

    waiting: int
    running: int
    failed: int
    failed_jobs: list[FailedJob]


class JobRetry(msgspec.Struct):
    """Failed jobs to run again; without ids, all of them."""

    ids: list[int] | None = None
