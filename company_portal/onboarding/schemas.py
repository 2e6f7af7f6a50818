"""DTOs of company onboarding (msgspec): what the wizard's pages, API and CLI exchange.

No DTO carries a client secret out: `IdentityProviderSettings` says only whether one is
stored, and since when.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

STEP_KEYS = ("details", "provider", "test", "hr_claim", "roster", "activation")


class CompanyInvite(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    hr_email: str
    town: str = ""
    domains: list[str] = msgspec.field(default_factory=list)
    hr_name: str = ""


class CompanyDetails(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    town: str = ""


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
