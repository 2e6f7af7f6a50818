"""What the CLI does as the system itself: first admin, organizations from the shell."""

from __future__ import annotations

from uuid import UUID

from app import audit
from app.auth.caller import Caller, Grant
from app.auth.links import normalize_email
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.organizations import EMAIL_RE, create_organization
from app.organizations import list_organizations as _list
from app.roles import PROGRAM_ADMIN
from app.schemas import Organization, OrganizationCreate
from app.tables import Membership, User
from app.tables import Organization as OrganizationRow

SYSTEM = Caller(
    user_id=UUID(int=0), email=None, name="legami cli", language=None,
    grants=(Grant(UUID(int=0), "system", "program", PROGRAM_ADMIN),),
)
PROGRAM_NAME = "FareLegami"


async def program_organization() -> UUID:
    """The program organization, created on first use."""
    row = await OrganizationRow.objects().where(OrganizationRow.kind == "program").first()
    if row is not None:
        return row.id
    created = await create_organization(SYSTEM, OrganizationCreate("program", PROGRAM_NAME,
                                                                   "Cremona"))
    return created.id


async def create_admin(email: str, name: str = "") -> UUID:
    email = normalize_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidInput({"email": _("Enter a valid e-mail address, like name@example.org.")})
    program = await program_organization()
    async with transaction():
        user = await User.objects().where(User.email == email).first()
        if user is None:
            user = User(email=email, name=name)
            await user.save()
        if not await Membership.exists().where(
            (Membership.user == user.id) & (Membership.role == PROGRAM_ADMIN)
        ):
            await Membership(user=user.id, organization=program, role=PROGRAM_ADMIN).save()
            await audit.record("admin.created", None, program, user_id=str(user.id))
    return user.id


async def add_organization(kind: str, name: str, town: str, domains: list[str]) -> UUID:
    org = await create_organization(SYSTEM, OrganizationCreate(kind, name, town, domains))
    return org.id


async def list_organizations() -> list[Organization]:
    return await _list(SYSTEM)
