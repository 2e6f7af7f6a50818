"""DTOs of company onboarding (msgspec): what the wizard's pages, API and CLI exchange.

No DTO carries a client secret out: `IdentityProviderSettings` says only whether one is
stored, and since when.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from typing import Annotated

import msgspec

from app.schemas import Domain, Email, Name, Town

STEP_KEYS = ("details", "provider", "test", "hr_claim", "roster", "activation")


class CompanyInvite(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    hr_email: Email
    domains: Annotated[list[Domain], msgspec.Meta(min_length=1)]
    town: Town = ""
    hr_name: Annotated[str, msgspec.Meta(max_length=200)] = ""


class CompanyDetails(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    town: Town = ""


class IdentityProviderInput(msgspec.Struct, forbid_unknown_fields=True):
    """`issuer` takes the issuer or the discovery URL; an empty secret keeps the stored one."""

    issuer: str
    client_id: str
    client_secret: str = ""


class HrClaimInput(msgspec.Struct, forbid_unknown_fields=True):
    """The claim (and value) that makes someone an HR manager; empty claim turns it off."""

    claim: str = ""
    value: str = ""
    scope: str = ""


class Company(msgspec.Struct):
    id: UUID
    name: str
    town: str
    status: str
    domains: list[str]


class IdentityProviderSettings(msgspec.Struct):
    issuer: str
    discovery_url: str
    client_id: str
    secret_stored: bool
    secret_stored_at: datetime | None
    scopes: str
    hr_claim: str
    hr_claim_value: str
    last_test_at: datetime | None
    last_test_ok: bool
    last_test_message: str
    # none (never tested), ok, failed, or stale (settings changed since the last test).
    test_result: str


class Step(msgspec.Struct):
    """One wizard step; `state` is done, todo, optional or not_needed."""

    key: str
    number: int
    state: str


class WizardState(msgspec.Struct):
    company: Company
    signin_method: str
    steps: list[Step]
    provider: IdentityProviderSettings | None
    redirect_uri: str
    scopes: str
    active_roster_entries: int
    missing: dict[str, str]
