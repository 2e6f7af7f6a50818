"""The core tables: organizations, people, their roles, audit, jobs and sign-in state."""

from piccolo.columns import (
    JSON,
    UUID,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ORG_KINDS = ("program", "company", "school", "civic_center")


class Organization(Table, tablename="organizations"):
    id = UUID(primary_key=True)
    kind = Varchar(length=20, index=True)
    name = Varchar(length=200)
    town = Varchar(length=100, default="")
    status = Varchar(length=20, default="active")
    created_at = Timestamptz(default=TimestamptzNow())


class OrganizationDomain(Table, tablename="organization_domains"):
    """A verified e-mail domain: it routes sign-in to the organization's provider."""

    id = BigSerial(primary_key=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    domain = Varchar(length=253, unique=True)


class User(Table, tablename="users"):
    id = UUID(primary_key=True)
    email = Varchar(length=320, null=True, default=None, unique=True)
    name = Varchar(length=200, default="")
    language = Varchar(length=5, null=True, default=None)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Membership(Table, tablename="memberships"):
    id = BigSerial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=30)
    created_at = Timestamptz(default=TimestamptzNow())


class IdentityProvider(Table, tablename="identity_providers"):
    """An organization's OpenID Connect provider. The client secret is encrypted at rest.

    `version` grows at each change, so every process picks up new settings at once.
    """

    id = BigSerial(primary_key=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, unique=True)
    issuer = Varchar(length=500)
    discovery_url = Varchar(length=500, default="")
    client_id = Varchar(length=255)
    client_secret_encrypted = Text(default="")
    scopes = Varchar(length=255, default="openid email profile")
    hr_claim = Varchar(length=100, default="")
    hr_claim_value = Varchar(length=255, default="")
    version = Integer(default=1)
    last_test_at = Timestamptz(null=True, default=None)
    last_test_ok = Boolean(default=False)
    last_test_message = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class ExternalIdentity(Table, tablename="external_identities"):
    """An account at a company's identity provider: keyed on (company, issuer, subject).

    Never on e-mail: an address can change at the provider, the subject does not.
    `identity_key` is the SHA-256 of the three, unique, as piccolo has no composite keys.
    """

    id = BigSerial(primary_key=True)
    identity_key = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    issuer = Varchar(length=500)
    subject = Varchar(length=255)
    created_at = Timestamptz(default=TimestamptzNow())
    last_signin_at = Timestamptz(default=TimestamptzNow())


class OIDCLoginAttempt(Table, tablename="oidc_login_attempts"):
    """State, nonce and PKCE verifier of one authorization request, kept server-side.

    Bound to the browser by the hash of a cookie set when the request starts; single use.
    """

    state_hash = Varchar(length=64, primary_key=True)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    browser_hash = Varchar(length=64)
    purpose = Varchar(length=20, default="signin")
    nonce = Varchar(length=100)
    code_verifier = Varchar(length=128)
    next_path = Varchar(length=500, default="/")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    used_at = Timestamptz(null=True, default=None)


class AuditEvent(Table, tablename="audit_events"):
    """Who did what to which organization. Never carries survey answers."""

    id = BigSerial(primary_key=True)
    occurred_at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_id = UUID(null=True, default=None)
    organization_id = UUID(null=True, default=None, index=True)
    action = Varchar(length=80)
    detail = JSON(default={})


class OutboxJob(Table, tablename="outbox"):
    """A job recorded in the same transaction as the change that needs it."""

    id = BigSerial(primary_key=True)
    actor = Varchar(length=80)
    payload = JSON(default={})
    status = Varchar(length=12, default="pending", index=True)
    attempts = Integer(default=0)
    available_at = Timestamptz(default=TimestamptzNow(), index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    # While running: the runner renews the lease every few seconds; a row whose lease
    # ran out belongs to a dead worker and is published again. The token tells the
    # runner that owns the lease from one that lost it.
    lease_until = Timestamptz(null=True, default=None, index=True)
    lease_token = Varchar(length=32, default="")


class Session(Table, tablename="sessions"):
    """A server-side session; the cookie holds a token, the table only its hash.

    `via_organization` is the organization whose identity provider signed the person in
    (None for a mail link): such a session carries that organization's roles only.
    """

    id = Varchar(length=64, primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    via_organization = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())


class SignInToken(Table, tablename="signin_tokens"):
    id = BigSerial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    outbox_id = Integer(null=True, default=None, unique=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class RateLimitBucket(Table, tablename="rate_limits"):
    """Fixed-window counters, shared by every web process through the database."""

    bucket = Varchar(length=200, primary_key=True)
    hits = Integer(default=0)
    expires_at = Timestamptz(index=True)


class DevMail(Table, tablename="dev_mail"):
    """Mail kept by the development mailbox instead of being sent."""

    id = BigSerial(primary_key=True)
    outbox_id = Integer(null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    to_address = Varchar(length=320)
    subject = Varchar(length=300)
    text = Text()
    html = Text()


class PlacePool(Table, tablename="place_pools"):
    """The places of something people enrol in: a conciliation initiative or a Civic
    Center activity. `taken` counts enrolled and offered seats; it only moves through
    one conditional UPDATE, so two requests can never take the same last place."""

    id = UUID(primary_key=True)
    owner_kind = Varchar(length=20)  # "initiative", "activity"
    capacity = Integer()
    taken = Integer(default=0)
    offer_hours = Integer(default=48)  # how long a freed place waits for an answer
    created_at = Timestamptz(default=TimestamptzNow())


class Seat(Table, tablename="seats"):
    """One person's place (or place in line) in a pool.

    `holder_key` is the SHA-256 of pool, holder kind and holder id: one row per holder
    per pool, reused when they leave and come back. Waitlist order is `queued_at`.
    `organization_id` is the holder's company or school, for participation counts.
    """

    id = BigSerial(primary_key=True)
    pool = ForeignKey(PlacePool, on_delete=OnDelete.cascade, index=True)
    holder_key = Varchar(length=64, unique=True)
    holder_kind = Varchar(length=10)  # "user", "pupil"
    holder_id = UUID(index=True)
    organization_id = UUID(null=True, default=None, index=True)
    # enrolled, waitlisted, offered, cancelled, declined, expired
    status = Varchar(length=12, index=True)
    places = Integer(default=1)  # a parent signing up three children holds three
    queued_at = Timestamptz(default=TimestamptzNow())
    offered_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
