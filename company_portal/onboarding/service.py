"""Company onboarding: from the program staff's invitation to an active company.

A company moves invited → configuring (details confirmed) → active (activated), and
program staff may suspend it and reactivate it. The company's HR managers and program
staff run the wizard; only program staff invite, suspend and reactivate. Every change
is one transaction holding its audit event.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.exceptions import PermissionDeniedException

from app import audit, identity_providers
from app.auth.caller import Caller
from app.auth.links import normalize_email
from app.clock import now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.mail import send_mail
from app.organizations import create_organization, domains_of
from app.roles import HR_MANAGER
from app.schemas import OrganizationCreate
from app.settings import get_settings
from app.tables import IdentityProvider, Membership, Organization, User
from app.tenancy import ensure_reachable, first_or_404, scoped
from company_portal.onboarding import rules
from company_portal.onboarding.schemas import (
    Company,
    CompanyDetails,
    HrClaimInput,
    IdentityProviderInput,
    IdentityProviderSettings,
    WizardState,
)
from company_portal.tables import CompanyOnboarding, RosterEntry

HR_ROLES = (HR_MANAGER,)


def require_program_staff(caller: Caller) -> None:
    """Inviting, suspending and reactivating companies is for program staff only."""
    if not caller.is_program_staff:
        raise PermissionDeniedException()


# Invitation ---------------------------------------------------------------------------


async def invite_company(caller: Caller, name: str, town: str, domains: list[str],
                         hr_email: str, hr_name: str = "") -> Company:
    """Create a company (status invited) with its verified domains and HR contact, and mail
    the contact the link to the onboarding wizard. Program staff only."""
    require_program_staff(caller)
    email = normalize_email(hr_email)
    errors = rules.contact_errors(email, hr_name, domains)
    async with transaction():
        try:
            org = await create_organization(
                caller, OrganizationCreate("company", name, town, list(domains)))
        except InvalidInput as invalid:
            raise InvalidInput({**invalid.errors, **errors}) from None
        if errors:
            raise InvalidInput(errors)  # rolls the company back
        await Organization.update({Organization.status: "invited"}).where(
            Organization.id == org.id)
        user = await _user_for(email, hr_name)
        await Membership(user=user.id, organization=org.id, role=HR_MANAGER).save()
        await CompanyOnboarding(company=org.id).save()
        await audit.record("company.invited", caller.user_id, org.id, hr_user_id=str(user.id))
        await _mail_invitation(user, org.id, org.name)
    return Company(org.id, org.name, org.town, "invited", org.domains)


async def _user_for(email: str, name: str) -> User:
    user = await User.objects().where(User.email == email).first()
    if user is None:
        user = User(email=email, name=name.strip())
        await user.save()
    return user


async def _mail_invitation(user: User, org_id: UUID, org_name: str) -> None:
    language = user.language or get_settings().language
    await send_mail(user.email or "", "company_invitation", language, {
        "name": user.name, "organization": org_name, "email": user.email,
        "link": f"{get_settings().base_url}/portal/{org_id}/onboarding",
    })


# Reading ------------------------------------------------------------------------------


async def list_companies(caller: Caller) -> list[Company]:
    """Companies whose portal the caller may use: their own as HR manager, all for staff."""
    query = Organization.select().where(Organization.kind == "company").order_by(
        Organization.name)
    rows = await scoped(query, Organization.id, caller, *HR_ROLES)
    domains = await domains_of([row["id"] for row in rows])
    return [_company(row, domains.get(row["id"], [])) for row in rows]


async def get_company(caller: Caller, organization_id: UUID) -> Company:
    row = await _company_row(caller, organization_id)
    domains = await domains_of([organization_id])
    return _company(row, domains.get(organization_id, []))


async def wizard_state(caller: Caller, organization_id: UUID) -> WizardState:
    """Where the company's onboarding stands: each step, and what activation still needs."""
    return await _state(await _company_row(caller, organization_id))


async def _company_row(caller: Caller, organization_id: UUID) -> dict[str, Any]:
    # Out of reach and not a company answer alike: 404.
    ensure_reachable(caller, organization_id, *HR_ROLES)
    return await first_or_404(Organization.select().where(
        (Organization.id == organization_id) & (Organization.kind == "company")))


async def _state(row: dict[str, Any]) -> WizardState:
    org_id = row["id"]
    onboarding = await _onboarding(org_id)
    provider = await _provider_settings(org_id, onboarding)
    status = rules.effective_status(
        row["status"], onboarding.status_before_suspension if onboarding else "")
    # An active company without a provider of its own signs in with mailed links,
    # whether or not someone chose them in step 2 (companies activated by the staff).
    links = status == "active" or (
        onboarding is not None and onboarding.signin_method == "links")
    method = "provider" if provider else ("links" if links else "")
    roster = await RosterEntry.count().where(
        (RosterEntry.company == org_id) & RosterEntry.active.eq(True))
    domains = await domains_of([org_id])
    return WizardState(
        company=_company(row, domains.get(org_id, [])),
        signin_method=method,
        steps=rules.steps(status, method, provider, roster),
        provider=provider,
        redirect_uri=f"{get_settings().base_url}/auth/oidc/callback",
        scopes=provider.scopes if provider else rules.DEFAULT_SCOPES,
        active_roster_entries=roster,
        missing=rules.missing(row["status"], status, method, provider, roster),
    )


async def _onboarding(org_id: UUID) -> CompanyOnboarding | None:
    return await CompanyOnboarding.objects().where(CompanyOnboarding.company == org_id).first()


async def _provider_settings(org_id: UUID, onboarding: CompanyOnboarding | None
                             ) -> IdentityProviderSettings | None:
    # The encrypted secret is never read here: only whether there is one.
    row = await IdentityProvider.select(
        IdentityProvider.issuer, IdentityProvider.discovery_url, IdentityProvider.client_id,
        IdentityProvider.scopes, IdentityProvider.hr_claim, IdentityProvider.hr_claim_value,
        IdentityProvider.last_test_at, IdentityProvider.last_test_ok,
        IdentityProvider.last_test_message, IdentityProvider.updated_at,
    ).where(IdentityProvider.organization == org_id).first()
    if row is None:
        return None
    stored = await _secret_stored(org_id)
    result = rules.test_result(row.pop("updated_at"), row["last_test_at"], row["last_test_ok"])
    return IdentityProviderSettings(
        **row, secret_stored=stored, test_result=result,
        secret_stored_at=onboarding.secret_stored_at if onboarding and stored else None)


async def _stored_provider(org_id: UUID) -> dict[str, Any] | None:
    """The provider's settings as stored, without decrypting the secret: after a change of
    SECRET_KEY the old secret is unreadable, and the wizard is where a new one is entered."""
    return await IdentityProvider.select(
        IdentityProvider.issuer, IdentityProvider.discovery_url, IdentityProvider.client_id,
        IdentityProvider.scopes,
    ).where(IdentityProvider.organization == org_id).first()


async def _secret_stored(org_id: UUID) -> bool:
    return await IdentityProvider.exists().where(
        (IdentityProvider.organization == org_id)
        & (IdentityProvider.client_secret_encrypted != ""))


def _company(row: dict[str, Any], domains: list[str]) -> Company:
    return Company(row["id"], row["name"], row["town"], row["status"], domains)


# Steps --------------------------------------------------------------------------------


async def update_details(caller: Caller, organization_id: UUID,
                         data: CompanyDetails) -> WizardState:
    """Step 1: the company's name and town; an invited company moves to configuring."""
    row = await _changeable(caller, organization_id)
    name, town = data.name.strip(), data.town.strip()
    errors = rules.details_errors(name, town)
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        await Organization.update({Organization.name: name, Organization.town: town}).where(
            Organization.id == organization_id)
        await audit.record("company.details", caller.user_id, organization_id,
                           name=name, town=town)
        if row["status"] == "invited":
            await _move(caller, organization_id, "invited", "configuring")
    return await wizard_state(caller, organization_id)


async def save_identity_provider(caller: Caller, organization_id: UUID,
                                 data: IdentityProviderInput) -> WizardState:
    """Step 2: the company's OpenID Connect provider. The client secret is stored
    encrypted and never shown again; an empty secret keeps the stored one."""
    await _changeable(caller, organization_id)
    current = await _stored_provider(organization_id)
    secret = data.client_secret.strip()
    issuer, discovery_url = rules.issuer_and_discovery(data.issuer)
    errors = rules.provider_errors(data, issuer, secret, has_secret=await _secret_stored(
        organization_id))
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        await identity_providers.save_provider(
            caller.user_id, organization_id, issuer, data.client_id.strip(), secret or None,
            discovery_url, scopes=current["scopes"] if current else rules.DEFAULT_SCOPES)
        changes: dict[str, Any] = {"signin_method": "provider"}
        if secret:
            changes["secret_stored_at"] = now()
        await _save_onboarding(organization_id, **changes)
    return await wizard_state(caller, organization_id)


async def choose_signin_links(caller: Caller, organization_id: UUID) -> WizardState:
    """Step 2, the other way: no identity provider, people sign in with links by e-mail.

    A provider configured before is removed, so that sign-in stops routing to it.
    """
    await _changeable(caller, organization_id)
    async with transaction():
        if await identity_providers.has_provider(organization_id):
            await IdentityProvider.delete().where(
                IdentityProvider.organization == organization_id)
            await audit.record("sso.removed", caller.user_id, organization_id)
        await _save_onboarding(organization_id, signin_method="links", secret_stored_at=None)
        await audit.record("company.signin_links", caller.user_id, organization_id)
    return await wizard_state(caller, organization_id)


async def save_hr_claim(caller: Caller, organization_id: UUID,
                        data: HrClaimInput) -> WizardState:
    """Step 4 (optional): the claim and value that make someone an HR manager at sign-in.

    A scope the claim needs is added to the requested scopes; changing the scopes asks
    for a new connection test, as the provider may refuse them.
    """
    await _changeable(caller, organization_id)
    current = await _stored_provider(organization_id)
    if current is None:
        raise InvalidInput({"claim": _("Configure your identity provider first (step 2).")})
    claim, value, scope = data.claim.strip(), data.value.strip(), data.scope.strip()
    errors = rules.claim_errors(claim, value, scope)
    if errors:
        raise InvalidInput(errors)
    scopes = f"{rules.DEFAULT_SCOPES} {scope}" if claim and scope else rules.DEFAULT_SCOPES
    async with transaction():
        await identity_providers.save_hr_claim(caller.user_id, organization_id, claim, value)
        if scopes != current["scopes"]:
            await identity_providers.save_provider(
                caller.user_id, organization_id, current["issuer"], current["client_id"], None,
                current["discovery_url"], scopes=scopes)
    return await wizard_state(caller, organization_id)


# States -------------------------------------------------------------------------------


async def activate(caller: Caller, organization_id: UUID) -> WizardState:
    """Step 6: the company goes live once its details are confirmed, its sign-in is chosen
    (and, with an identity provider, tested successfully) and its roster has someone."""
    row = await _company_row(caller, organization_id)
    if row["status"] == "active":
        return await _state(row)
    async with transaction():
        # Checked inside the transaction: a provider change cannot slip in between.
        missing = (await _state(row)).missing
        if missing:
            raise InvalidInput(missing)
        await _move(caller, organization_id, row["status"], "active")
    return await wizard_state(caller, organization_id)


async def suspend(caller: Caller, organization_id: UUID) -> WizardState:
    """Suspend a company (program staff): its members can no longer use Legami."""
    require_program_staff(caller)
    row = await _company_row(caller, organization_id)
    if row["status"] != "suspended":
        async with transaction():
            await _move(caller, organization_id, row["status"], "suspended")
            await _save_onboarding(organization_id, status_before_suspension=row["status"])
    return await wizard_state(caller, organization_id)


async def reactivate(caller: Caller, organization_id: UUID) -> WizardState:
    """Lift a suspension (program staff): the company is back where it was."""
    require_program_staff(caller)
    row = await _company_row(caller, organization_id)
    if row["status"] == "suspended":
        onboarding = await _onboarding(organization_id)
        back = onboarding.status_before_suspension if onboarding else ""
        async with transaction():
            await _move(caller, organization_id, "suspended", back or "configuring")
            await _save_onboarding(organization_id, status_before_suspension="")
    return await wizard_state(caller, organization_id)


async def _changeable(caller: Caller, organization_id: UUID) -> dict[str, Any]:
    """The company, if its wizard may change: a suspended company's may not."""
    row = await _company_row(caller, organization_id)
    if row["status"] == "suspended":
        raise InvalidInput({"status": _("The company is suspended: the program staff can "
                                        "reactivate it.")})
    return row


async def _move(caller: Caller, organization_id: UUID, previous: str, status: str) -> None:
    """Change the status only if nobody changed it meanwhile; audit the transition."""
    moved = await Organization.update({Organization.status: status}).where(
        (Organization.id == organization_id) & (Organization.status == previous)
    ).returning(Organization.id)
    if not moved:
        raise InvalidInput({"status": _("The company's state changed meanwhile: reload the "
                                        "page and try again.")})
    await audit.record("company.status", caller.user_id, organization_id,
                       previous=previous, status=status)


async def _save_onboarding(organization_id: UUID, **values: Any) -> None:
    row = await CompanyOnboarding.objects().get_or_create(
        CompanyOnboarding.company == organization_id)
    for name, value in {**values, "updated_at": now()}.items():
        setattr(row, name, value)
    await row.save()

