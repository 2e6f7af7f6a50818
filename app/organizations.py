"""Organizations and their members: the program admin's core service."""

from __future__ import annotations

import re
from urllib.parse import quote
from uuid import UUID

from app import audit
from app.auth.caller import Caller
from app.auth.links import normalize_email
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _, use_language
from app.mail import send_mail
from app.roles import (
    CIVIC_CENTER_OPERATOR,
    COMMUNITY_MAKER,
    EMPLOYEE,
    HR_MANAGER,
    PROGRAM_ADMIN,
    SCHOOL_COORDINATOR,
)
from app.schemas import (
    DOMAIN_PATTERN,
    EMAIL_PATTERN,
    Member,
    MemberInvite,
    Organization,
    OrganizationCreate,
)
from app.settings import get_settings
from app.tables import ORG_KINDS, Membership, OrganizationDomain, User
from app.tables import Organization as OrganizationRow
from app.tenancy import ensure_reachable, first_or_404, scoped

ROLES_BY_KIND = {
    "program": (PROGRAM_ADMIN, COMMUNITY_MAKER),
    "company": (HR_MANAGER, EMPLOYEE),
    "school": (SCHOOL_COORDINATOR,),
    "civic_center": (CIVIC_CENTER_OPERATOR,),
}
# Who manages an organization, and so may see its members: every role but employee.
MANAGING_ROLES = tuple(role for roles in ROLES_BY_KIND.values() for role in roles
                       if role != EMPLOYEE)
DOMAIN_RE = re.compile(f"(?=.{{4,253}}$){DOMAIN_PATTERN}")
EMAIL_RE = re.compile(EMAIL_PATTERN)


def kind_label(kind: str) -> str:
    return {
        "program": _("Program"),
        "company": _("Company"),
        "school": _("School"),
        "civic_center": _("Civic Center"),
    }.get(kind, kind)


def role_label(role: str) -> str:
    return {
        PROGRAM_ADMIN: _("Program administrator"),
        COMMUNITY_MAKER: _("Community maker"),
        HR_MANAGER: _("HR manager"),
        EMPLOYEE: _("Employee"),
        SCHOOL_COORDINATOR: _("School coordinator"),
        CIVIC_CENTER_OPERATOR: _("Civic Center operator"),
    }.get(role, role)


def _validate_org(data: OrganizationCreate) -> list[str]:
    errors: dict[str, str] = {}
    if data.kind not in ORG_KINDS:
        errors["kind"] = _("Choose a kind: company, school, Civic Center or program.")
    if not data.name.strip() or len(data.name) > 200:
        errors["name"] = _("Enter a name (at most 200 characters).")
    if len(data.town) > 100:
        errors["town"] = _("The town can be at most 100 characters.")
    domains = sorted({d.strip().lower() for d in data.domains if d.strip()})
    bad = [d for d in domains if not DOMAIN_RE.match(d)]
    if bad:
        errors["domains"] = _("Not a valid e-mail domain: {domains}").format(domains=", ".join(bad))
    if errors:
        raise InvalidInput(errors)
    return domains


async def create_organization(caller: Caller, data: OrganizationCreate) -> Organization:
    """Create an organization with its verified e-mail domains (program admins only)."""
    domains = _validate_org(data)
    taken = await OrganizationDomain.select(OrganizationDomain.domain).where(
        OrganizationDomain.domain.is_in(domains)
    ) if domains else []
    if taken:
        raise InvalidInput({"domains": _("Already used by another organization: {domains}")
                            .format(domains=", ".join(r["domain"] for r in taken))})
    async with transaction():
        org = OrganizationRow(kind=data.kind, name=data.name.strip(), town=data.town.strip())
        await org.save()
        if domains:
            await OrganizationDomain.insert(
                *[OrganizationDomain(organization=org.id, domain=d) for d in domains]
            )
        await audit.record("organization.created", caller.user_id, org.id,
                           kind=data.kind, name=org.name, domains=domains)
    return Organization(org.id, org.kind, org.name, org.town, org.status, domains)


async def list_organizations(caller: Caller, kind: str | None = None) -> list[Organization]:
    query = OrganizationRow.select().order_by(OrganizationRow.kind).order_by(OrganizationRow.name)
    query = scoped(query, OrganizationRow.id, caller)
    if kind:
        query = query.where(OrganizationRow.kind == kind)
    rows = await query
    domains = await domains_of([row["id"] for row in rows])
    return [_dto(row, domains.get(row["id"], [])) for row in rows]


async def get_organization(caller: Caller, organization_id: UUID) -> Organization:
    ensure_reachable(caller, organization_id)
    row = await first_or_404(OrganizationRow.select().where(OrganizationRow.id == organization_id))
    domains = await domains_of([organization_id])
    return _dto(row, domains.get(organization_id, []))


async def list_members(caller: Caller, organization_id: UUID) -> list[Member]:
    """The members, for those who manage the organization; 404 to its employees too."""
    ensure_reachable(caller, organization_id, *MANAGING_ROLES)
    await get_organization(caller, organization_id)
    rows = await Membership.select(
        Membership.user.id, Membership.user.email, Membership.user.name, Membership.role
    ).where(Membership.organization == organization_id).order_by(Membership.user.email)
    return [Member(r["user.id"], r["user.email"], r["user.name"], r["role"]) for r in rows]


async def invite_member(caller: Caller, organization_id: UUID, data: MemberInvite) -> Member:
    """Add a person to an organization with a role, and mail them an invitation."""
    org = await get_organization(caller, organization_id)
    email = normalize_email(data.email)
    errors = {}
    if not EMAIL_RE.match(email):
        errors["email"] = _("Enter a valid e-mail address, like name@example.org.")
    if data.role not in ROLES_BY_KIND[org.kind]:
        errors["role"] = _("This role does not exist for this kind of organization.")
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        user = await User.objects().where(User.email == email).first()
        if user is None:
            user = User(email=email, name=data.name.strip())
            await user.save()
        exists = await Membership.exists().where(
            (Membership.user == user.id) & (Membership.organization == organization_id)
            & (Membership.role == data.role)
        )
        if not exists:
            await Membership(user=user.id, organization=organization_id, role=data.role).save()
            await audit.record("member.invited", caller.user_id, organization_id,
                               user_id=str(user.id), role=data.role)
            await _mail_invitation(user, org, data.role)
    return Member(user.id, user.email, user.name, data.role)


async def _mail_invitation(user: User, org: Organization, role: str) -> None:
    language = user.language or get_settings().language
    with use_language(language):
        label = role_label(role)
    await send_mail(user.email or "", "invitation", language, {
        "name": user.name, "organization": org.name, "role_label": label,
        "link": f"{get_settings().base_url}/signin?email={quote(user.email or '')}",
    })


async def domains_of(ids: list[UUID]) -> dict[UUID, list[str]]:
    """Verified e-mail domains of each organization, sorted."""
    if not ids:
        return {}
    rows = await OrganizationDomain.select(
        OrganizationDomain.organization, OrganizationDomain.domain
    ).where(OrganizationDomain.organization.is_in(ids)).order_by(OrganizationDomain.domain)
    found: dict[UUID, list[str]] = {}
    for row in rows:
        found.setdefault(row["organization"], []).append(row["domain"])
    return found


def _dto(row: dict, domains: list[str]) -> Organization:  # type: ignore[type-arg]
    return Organization(row["id"], row["kind"], row["name"], row["town"], row["status"], domains)
