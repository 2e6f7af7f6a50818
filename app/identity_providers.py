"""Organizations' OpenID Connect providers: settings, encrypted secrets, routing by domain.

The kernel owns these because sign-in is the kernel's; the company portal's onboarding
wizard and the CLI write them through `save_provider`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app import audit
from app.clock import now
from app.crypto import decrypt, encrypt
from app.db import transaction
from app.tables import IdentityProvider, Organization, OrganizationDomain

SIGNIN_STATUSES = ("configuring", "active")


@dataclass(frozen=True)
class ProviderConfig:
    organization_id: UUID
    issuer: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    hr_claim: str
    hr_claim_value: str
    version: int


async def get_provider(organization_id: UUID) -> ProviderConfig | None:
    """The provider as stored now (read on every use: a change needs no restart)."""
    row = await IdentityProvider.objects().where(
        IdentityProvider.organization == organization_id
    ).first()
    if row is None:
        return None
    return ProviderConfig(
        organization_id=organization_id,
        issuer=row.issuer,
        discovery_url=row.discovery_url or _well_known(row.issuer),
        client_id=row.client_id,
        client_secret=decrypt(row.client_secret_encrypted) if row.client_secret_encrypted else "",
        scopes=row.scopes,
        hr_claim=row.hr_claim,
        hr_claim_value=row.hr_claim_value,
        version=row.version,
    )


def _well_known(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


async def save_provider(
    actor_id: UUID | None,
    organization_id: UUID,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    discovery_url: str = "",
    scopes: str = "openid email profile",
) -> None:
    """Create or change the provider; `client_secret=None` keeps the stored one."""
    values: dict[Any, Any] = {
        IdentityProvider.issuer: issuer.strip(),
        IdentityProvider.discovery_url: discovery_url.strip(),
        IdentityProvider.client_id: client_id.strip(),
        IdentityProvider.scopes: scopes.strip() or "openid email profile",
        IdentityProvider.updated_at: now(),
        IdentityProvider.last_test_ok: False,
    }
    if client_secret is not None:
        values[IdentityProvider.client_secret_encrypted] = encrypt(client_secret)
    async with transaction():
        existing = await IdentityProvider.objects().where(
            IdentityProvider.organization == organization_id
        ).first()
        if existing is None:
            row = IdentityProvider(organization=organization_id)
            for column, value in values.items():
                setattr(row, column._meta.name, value)
            await row.save()
        else:
            values[IdentityProvider.version] = existing.version + 1
            await IdentityProvider.update(values).where(IdentityProvider.id == existing.id)
        await audit.record("sso.configured", actor_id, organization_id, issuer=issuer,
                           client_id=client_id, secret_changed=client_secret is not None)


async def save_hr_claim(actor_id: UUID | None, organization_id: UUID, claim: str,
                        value: str) -> None:
    async with transaction():
        await IdentityProvider.update({
            IdentityProvider.hr_claim: claim.strip(),
            IdentityProvider.hr_claim_value: value.strip(),
            IdentityProvider.version: IdentityProvider.version + 1,
        }).where(IdentityProvider.organization == organization_id)
        await audit.record("sso.hr_claim", actor_id, organization_id, claim=claim, value=value)


async def record_test(organization_id: UUID, ok: bool, message: str) -> None:
    """Keep the outcome of the wizard's "test the connection" round trip."""
    async with transaction():
        await IdentityProvider.update({
            IdentityProvider.last_test_at: now(),
            IdentityProvider.last_test_ok: ok,
            IdentityProvider.last_test_message: message[:2000],
        }).where(IdentityProvider.organization == organization_id)
        await audit.record("sso.tested", None, organization_id, ok=ok)


async def organization_for_email(email: str) -> tuple[UUID, str] | None:
    """The organization (id, status) whose verified domain the address has, if any.

    Routing is a hint, not a permission: the provider and the callback decide.
    """
    domain = email.strip().lower().rsplit("@", 1)[-1]
    row = await OrganizationDomain.select(
        OrganizationDomain.organization.id, OrganizationDomain.organization.status
    ).where(OrganizationDomain.domain == domain).first()
    if row is None:
        return None
    return row["organization.id"], row["organization.status"]


async def has_provider(organization_id: UUID) -> bool:
    return await IdentityProvider.exists().where(IdentityProvider.organization == organization_id)


async def organization_status(organization_id: UUID) -> str | None:
    row = await Organization.select(Organization.status).where(
        Organization.id == organization_id
    ).first()
    return row["status"] if row else None
