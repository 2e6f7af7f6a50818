"""Generative pacts: the pact, its versions, reviews, notes, consents, who may open it
and who did.

Nothing here is referenced by another domain's tables, and nothing in another domain's
tables points here: a Civic Center, a school or a lab never holds a sign that someone
has a pact. Goals name other domains' activities, labs and initiatives by id only.
"""

from piccolo.columns import (
    JSON,
    UUID,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables import Organization, User


class PactTeam(Table, tablename="pact_teams"):
    """Community makers working together under a coordinator (need to know)."""

    id = UUID(primary_key=True)
    program = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    created_at = Timestamptz(default=TimestamptzNow())


class PactTeamMember(Table, tablename="pact_team_members"):
    """A community maker in a team; a coordinator sees every pact of the team."""

    id = BigSerial(primary_key=True)
    team = ForeignKey(PactTeam, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    is_coordinator = Boolean(default=False)


class Pact(Table, tablename="pacts"):
    """A person's or a family's pact with the community, from referral to closure.

    `status`: referred, assessing, proposed (a version waits for the family), active,
    closed. Personal fields are blanked by retention after `retain_until`.
    """

    id = UUID(primary_key=True)
    program = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    team = ForeignKey(PactTeam, on_delete=OnDelete.restrict, index=True)
    holder_name = Varchar(length=200)
    household = Text(default="")  # who the pact is with, in the family's words
    contact_email = Varchar(length=320, null=True, default=None)
    language = Varchar(length=5, default="it")
    town = Varchar(length=100, default="")
    # school, civic_center, lab, social_worker, self
    source = Varchar(length=20)
    source_detail = Varchar(length=200, default="")
    source_consent_at = Date()  # consent recorded at the source, required
    status = Varchar(length=10, default="referred", index=True)
    assessment = JSON(default={})  # area -> {"needs", "resources", "aspirations"}
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    accepted_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    closure_reason = Varchar(length=30, default="")
    outcome = Varchar(length=30, default="")
    onward_referral = Text(default="")
    retain_until = Date(null=True, default=None, index=True)
    anonymised_at = Timestamptz(null=True, default=None)


class PactFollower(Table, tablename="pact_followers"):
    """Who may open a pact: the community makers who follow it ("maker") and anyone the
    team gave it to explicitly ("granted")."""

    id = BigSerial(primary_key=True)
    pact = ForeignKey(Pact, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=10, default="maker")
    granted_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class PactVersion(Table, tablename="pact_versions"):
    """One version of the pact's content: goals, expected results, commitments of both
    sides, supports, what the person gives back. Never changed once proposed: a
    re-negotiation is a new version, the old one kept."""

    id = BigSerial(primary_key=True)
    pact = ForeignKey(Pact, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    content = JSON(default={})
    status = Varchar(length=12, default="proposed")  # proposed, accepted, superseded
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    accepted_at = Timestamptz(null=True, default=None)
    accepted_how = Varchar(length=10, default="")  # link, paper


class PactReview(Table, tablename="pact_reviews"):
    """A review meeting: scheduled, then held with progress on each expected result and
    the progress ladder (1-10) filled in with the person, before and after."""

    id = BigSerial(primary_key=True)
    pact = ForeignKey(Pact, on_delete=OnDelete.cascade, index=True)
    scheduled_for = Timestamptz(index=True)
    held_at = Timestamptz(null=True, default=None)
    progress = JSON(default={})  # expected result index -> not_started, started, reached
    ladder_before = Integer(null=True, default=None)
    ladder_after = Integer(null=True, default=None)
    summary = Text(default="")


class PactNote(Table, tablename="pact_notes"):
    """A note of the team. `level`: team (every follower), sealed (encrypted at rest,
    opened only with a recorded reason)."""

    id = BigSerial(primary_key=True)
    pact = ForeignKey(Pact, on_delete=OnDelete.cascade, index=True)
    author = UUID(null=True, default=None)
    level = Varchar(length=10, default="team")
    text = Text(default="")
    ciphertext = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class PactConsent(Table, tablename="pact_consents"):
    """Consent for one purpose (services, sharing with a named partner, reminders by
    mail), with the text the person agreed to. Refused unless a row is given and not
    withdrawn."""

    id = BigSerial(primary_key=True)
    pact = ForeignKey(Pact, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=12)
    partner = Varchar(length=200, default="")
    text_version = Varchar(length=20)
    text = Text()
    given_at = Timestamptz(default=TimestamptzNow())
    recorded_by = UUID(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)


class PactEnrolment(Table, tablename="pact_enrolments"):
    """A Civic Center activity a goal links to, proposed to the family through civic's
    referrals: the pact keeps the referral's id, civic keeps nothing of the pact."""

    id = BigSerial(primary_key=True)
    pact = ForeignKey(Pact, on_delete=OnDelete.cascade, index=True)
    activity_id = UUID()
    school_id = UUID()
    referral_id = UUID()
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class PactAccess(Table, tablename="pact_access_log"):
    """Every opening of a pact: who, when, what, and the reason when a seal was broken.
    Kept after the pact's personal data is anonymised (it names no one but the reader)."""

    id = BigSerial(primary_key=True)
    pact_id = UUID(index=True)
    user_id = UUID(index=True)
    occurred_at = Timestamptz(default=TimestamptzNow())
    what = Varchar(length=20)  # pact, docx, api, sealed_note, access_log
    reason = Text(default="")
