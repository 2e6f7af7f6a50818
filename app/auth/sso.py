"""Company sign-in: where an address signs in, and whose account a verified identity is.

Accounts are keyed on (organization, issuer, subject), never on e-mail: an address can
change at the provider, the subject does not. A first sign-in creates an account only
for an address in one of the organization's verified domains, as an employee; HR
manager comes only from an invitation (an existing membership) or the group claim
configured for the organization.

A provider is trusted for addresses in its organization's verified domains only, compared
exactly; a session it opens carries that organization's roles only (app.auth.sessions).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from uuid import UUID

from app import audit
from app.auth.oidc import flow
from app.auth.oidc.errors import (
    ACCOUNT_DISABLED,
    EMAIL_UNVERIFIED,
    FOREIGN_EMAIL,
    SUSPENDED,
    UNKNOWN_DOMAIN,
    SignInFailed,
)
from app.auth.oidc.flow import Completion, Identity
from app.clock import now
from app.db import transaction
from app.identity_providers import ProviderConfig, get_provider, organization_for_email
from app.roles import EMPLOYEE, HR_MANAGER
from app.tables import ExternalIdentity, IdentityProvider, Membership, OrganizationDomain, User

# The local part of an address as mailboxes really name them: no quotes, no "@", no "%".
LOCAL_PART = re.compile(r"[a-z0-9_'+-]+(\.[a-z0-9_'+-]+)*")


def identity_key(organization_id: UUID, issuer: str, subject: str) -> str:
    return hashlib.sha256(f"{organization_id}|{issuer}|{subject}".encode()).hexdigest()


async def provider_for_signin(email: str) -> UUID | None:
    """The organization whose provider this address signs in with; None means a mail link.

    A hint, not a permission: the callback checks everything again. An organization
    being configured is routed only once its connection test has succeeded, so its HR
    contact is not locked out by a half-done set-up. Raises SignInFailed if suspended.
    """
    found = await organization_for_email(email)
    if found is None:
        return None
    organization_id, status = found
    provider = await IdentityProvider.select(IdentityProvider.last_test_ok).where(
        IdentityProvider.organization == organization_id
    ).first()
    if provider is None:
        return None
    if status == "suspended":
        raise SignInFailed(SUSPENDED, organization_id, "signin")
    if status == "active" or (status == "configuring" and provider["last_test_ok"]):
        return organization_id
    return None


async def link_account(done: Completion) -> UUID:
    """The user a verified "signin" identity belongs to, created on a first sign-in."""
    identity, organization_id = done.identity, done.organization_id
    config = await get_provider(organization_id)
    hr = config is not None and _has_hr_claim(identity.claims, config)
    key = identity_key(organization_id, identity.issuer, identity.subject)
    async with transaction():
        linked = await ExternalIdentity.objects().where(
            ExternalIdentity.identity_key == key).first()
        if linked is not None:
            user_id = await _returning(linked, identity)
        else:
            user_id = await _first_sign_in(organization_id, identity)
            await ExternalIdentity(identity_key=key, user=user_id, organization=organization_id,
                                   issuer=identity.issuer, subject=identity.subject).save()
        await _grant(user_id, organization_id, hr)
        await audit.record("sso.signed_in", user_id, organization_id, first=linked is None)
    return user_id


async def record_failure(failure: SignInFailed) -> None:
    """Audit a failed round trip: the reason code only, never a token or claim."""
    async with transaction():
        await audit.record("sso.failed", None, failure.organization_id, reason=failure.code,
                           purpose=failure.purpose or "unknown")


async def signout_url(user_id: UUID) -> str | None:
    """The provider's end-session address for a user who signs in with a provider."""
    row = await ExternalIdentity.select(ExternalIdentity.organization).where(
        ExternalIdentity.user == user_id
    ).order_by(ExternalIdentity.last_signin_at, ascending=False).first()
    if row is None:
        return None
    return await flow.end_session_url(row["organization"])


def _has_hr_claim(claims: dict[str, Any], config: ProviderConfig) -> bool:
    if not config.hr_claim or not config.hr_claim_value:
        return False
    value = claims.get(config.hr_claim)
    if isinstance(value, list):
        return config.hr_claim_value in value
    return value == config.hr_claim_value


async def _returning(linked: ExternalIdentity, identity: Identity) -> UUID:
    user = await User.objects().where(User.id == linked.user).first()
    member = await Membership.exists().where(
        (Membership.user == linked.user) & (Membership.organization == linked.organization))
    # A removed membership is a decision of the organization: the provider cannot undo it.
    if user is None or not user.is_active or not member:
        raise SignInFailed(ACCOUNT_DISABLED)
    await ExternalIdentity.update({ExternalIdentity.last_signin_at: now()}).where(
        ExternalIdentity.id == linked.id)
    await _follow_address(user, linked.organization, identity)
    return user.id


async def company_address(organization_id: UUID, identity: Identity) -> str | None:
    """The address the provider gives, if the organization may vouch for it; else None.

    Only plain ASCII with one "@" and a domain the organization verified, compared
    exactly: no subdomain, no trailing dot, no look-alike letters, no second "@".
    """
    raw = identity.claims.get("email")
    if not isinstance(raw, str) or not raw.isascii():
        return None
    email = raw.strip().lower()
    local, _, domain = email.partition("@")
    if len(local) > 64 or not LOCAL_PART.fullmatch(local) or "@" in domain:
        return None
    verified = await OrganizationDomain.exists().where(
        (OrganizationDomain.organization == organization_id)
        & (OrganizationDomain.domain == domain))
    return email if verified else None


async def _follow_address(user: User, organization_id: UUID, identity: Identity) -> None:
    """Keep the account's address in step with the provider, within the company's domains.

    An address outside them refuses the sign-in (FOREIGN_EMAIL) and changes nothing. An
    account holding roles in another organization keeps its address: those roles were
    granted to it, and a company's provider cannot move them to another mailbox.
    """
    if not identity.email or identity.email == user.email:
        return
    email = await company_address(organization_id, identity)
    if email is None:
        raise SignInFailed(FOREIGN_EMAIL)
    if (identity.email_verified is False or await User.exists().where(User.email == email)
            or await Membership.exists().where((Membership.user == user.id)
                                               & (Membership.organization != organization_id))):
        return
    await User.update({User.email: email}).where(User.id == user.id)
    await audit.record("sso.email_changed", user.id, organization_id, previous=user.email,
                       new=email)


async def _first_sign_in(organization_id: UUID, identity: Identity) -> UUID:
    email = await company_address(organization_id, identity)
    if email is None:
        raise SignInFailed(UNKNOWN_DOMAIN)
    if identity.email_verified is False:
        raise SignInFailed(EMAIL_UNVERIFIED)
    invited = await _invited_user(organization_id, email)
    if invited is not None:
        if not invited.is_active:
            raise SignInFailed(ACCOUNT_DISABLED)
        return invited.id
    taken = await User.exists().where(User.email == email)
    user = User(email=None if taken else email, name=identity.name)
    await user.save()
    await audit.record("sso.account_created", user.id, organization_id)
    return user.id


async def _invited_user(organization_id: UUID, email: str) -> User | None:
    """A person invited to this organization under this address, not yet linked to it."""
    user = await User.objects().where(User.email == email).first()
    if user is None:
        return None
    member = await Membership.exists().where(
        (Membership.user == user.id) & (Membership.organization == organization_id))
    linked = await ExternalIdentity.exists().where(
        (ExternalIdentity.user == user.id) & (ExternalIdentity.organization == organization_id))
    return user if member and not linked else None


async def _grant(user_id: UUID, organization_id: UUID, hr: bool) -> None:
    """A membership for a first sign-in; the group claim can raise an employee to HR."""
    membership = await Membership.objects().where(
        (Membership.user == user_id) & (Membership.organization == organization_id)).first()
    role = HR_MANAGER if hr else EMPLOYEE
    if membership is None:
        await Membership(user=user_id, organization=organization_id, role=role).save()
    elif hr and membership.role == EMPLOYEE:
        await Membership.update({Membership.role: role}).where(Membership.id == membership.id)
    else:
        return
    await audit.record("sso.role_granted", user_id, organization_id, role=role)
