"""DTOs of the core API (msgspec)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

# A row id as the databases store it (a signed 64-bit integer): a larger number names no
# row, and SQLite refuses it outright.
RowId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
# A character that is not a space, alike for Python (msgspec, the services) and for the
# JSON Schema's ECMA regular expressions (a client's validator, a test generator): each
# calls a few characters spaces that the other does not, so both sets are left out.
NON_SPACE = r"[^\s\x1c-\x1f\x85\ufeff]"
# A name that must say something (not blank) in at most 200 characters, as the services
# check it; the OpenAPI document states the rule, so a body it calls valid is not refused.
Name = Annotated[str, msgspec.Meta(pattern=NON_SPACE, max_length=200)]
Town = Annotated[str, msgspec.Meta(max_length=100)]
# A name of two characters at least (a person's, a team's), at most 200, spaces around
# not counted, as the services check it.
ShortName = Annotated[str, msgspec.Meta(pattern=NON_SPACE + r"[\s\S]*" + NON_SPACE,
                                        max_length=200)]
# An e-mail address and a mail domain, as the services check them (app.organizations).
_MAILBOX = r"[^@\s\x1c-\x1f\x85\ufeff]"
EMAIL_PATTERN = rf"^{_MAILBOX}{{1,64}}@{_MAILBOX}{{1,253}}\.{_MAILBOX}{{2,63}}$"
DOMAIN_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
Email = Annotated[str, msgspec.Meta(pattern=EMAIL_PATTERN, max_length=320)]
Domain = Annotated[str, msgspec.Meta(pattern=DOMAIN_PATTERN, min_length=4, max_length=253)]


def one_of(*values: str) -> msgspec.Meta:
    """A text field taking one of `values` (the service checks it): the OpenAPI document
    lists them as its `enum`, while the field stays a plain `str` for pages and services."""
    return msgspec.Meta(extra_json_schema={"extra": {"enum": list(values)}})


class Organization(msgspec.Struct):
    id: UUID
    kind: str
    name: str
    town: str
    status: str
    domains: list[str]


class OrganizationCreate(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, one_of("program", "company", "school", "civic_center")]
    name: Name
    town: Town = ""
    domains: list[Domain] = msgspec.field(default_factory=list)


class Member(msgspec.Struct):
    user_id: UUID
    email: str | None
    name: str
    role: str


class MemberInvite(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
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

    ids: list[RowId] | None = None
