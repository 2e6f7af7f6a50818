"""The roster: the people a company's survey waves are sent to."""

from piccolo.columns import (
    JSON,
    UUID,
    BigSerial,
    Boolean,
    ForeignKey,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables import Organization


class RosterEntry(Table, tablename="roster_entries"):
    """One employee of a company. E-mail is optional: many shop-floor workers have none."""

    id = BigSerial(primary_key=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    employee_ref = Varchar(length=64)
    name = Varchar(length=200, default="")
    email = Varchar(length=320, null=True, default=None)
    department = Varchar(length=100, default="")
    site = Varchar(length=100, default="")
    attributes = JSON(default={})
    active = Boolean(default=True, index=True)
    # "<company id>:<employee_ref>": one entry per person per company.
    roster_key = Varchar(length=120, unique=True)
    scim_id = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    deactivated_at = Timestamptz(null=True, default=None)


class ScimToken(Table, tablename="scim_tokens"):
    """A company's bearer token for SCIM provisioning; only its hash is kept."""

    id = BigSerial(primary_key=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class CompanyOnboarding(Table, tablename="company_onboarding"):
    """What a company's onboarding wizard decided that the kernel tables do not hold."""

    id = BigSerial(primary_key=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, unique=True)
    # "provider" (its identity provider) or "links" (sign-in links by mail); "" undecided.
    signin_method = Varchar(length=10, default="")
    # The secret itself is never shown again; the wizard shows when it was stored.
    secret_stored_at = Timestamptz(null=True, default=None)
    # Reactivation puts a suspended company back where it was.
    status_before_suspension = Varchar(length=20, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class ScimIdentity(Table, tablename="scim_identities"):
    """How a company's identity provider names a roster entry it provisions over SCIM."""

    id = BigSerial(primary_key=True)
    entry = ForeignKey(RosterEntry, on_delete=OnDelete.cascade, unique=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    # "<company id>:<userName in lower case>": SCIM userNames are unique and case-insensitive.
    user_name_key = Varchar(length=400, unique=True)
    user_name = Varchar(length=320)
    external_id = Varchar(length=255, null=True, default=None, index=True)


class RosterImport(Table, tablename="roster_imports"):
    """An uploaded roster file, checked and waiting for confirmation.

    Kept in the database, not in memory, so any web process can confirm it. Once applied
    only the counts stay: the rows are cleared.
    """

    id = BigSerial(primary_key=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    status = Varchar(length=12, default="pending")
    filename = Varchar(length=255, default="")
    rows = JSON(default=[])
    problems = JSON(default=[])
    summary = JSON(default={})
    applied_at = Timestamptz(null=True, default=None)
