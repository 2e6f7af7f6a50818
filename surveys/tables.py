"""Surveys, waves, invitations and anonymous responses: the double envelope.

Envelope one (who): `Invitation` knows the person (a roster entry or a user) and
whether they answered, for reminders and response rates. Envelope two (what):
`Response` and `Answer` hold the answers with a random id, the date only and the
reporting-group attributes fixed when the wave opened. No column, foreign key or
shared value joins the two: nothing in a response points to an invitation, a token,
a user, an address or a time of day.
"""

from piccolo.columns import (
    JSON,
    UUID,
    BigSerial,
    Boolean,
    Bytea,
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
from company_portal.tables import RosterEntry


class Survey(Table, tablename="surveys"):
    id = UUID(primary_key=True)
    owner = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=300)
    status = Varchar(length=20, default="active")  # active, archived
    created_at = Timestamptz(default=TimestamptzNow())


class SurveyVersion(Table, tablename="survey_versions"):
    """A draft while `frozen_at` is empty; frozen when a wave opens on it."""

    id = UUID(primary_key=True)
    survey = ForeignKey(Survey, on_delete=OnDelete.cascade, index=True)
    number = Integer(default=1)
    definition = JSON(default={})
    frozen_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class Wave(Table, tablename="waves"):
    id = UUID(primary_key=True)
    version = ForeignKey(SurveyVersion, on_delete=OnDelete.restrict, index=True)
    owner = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=300)
    program_wide = Boolean(default=False)
    opens_on = Date()
    closes_on = Date()
    status = Varchar(length=20, default="draft")  # draft, open, closed
    # Fixed when the wave opens: roster fields and self-reported question keys.
    reporting_groups = JSON(default=[])
    channels = JSON(default=["mail"])  # mail, code, sso
    reminder_days = JSON(default=[])
    created_at = Timestamptz(default=TimestamptzNow())
    # Set by the server at the moment the wave opens and closes; nobody edits them.
    opened_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class WaveCompany(Table, tablename="wave_companies"):
    id = BigSerial(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)


class Invitation(Table, tablename="invitations"):
    """Envelope one: who may answer and whether they did. Never points to a response."""

    id = BigSerial(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    roster_entry = ForeignKey(RosterEntry, on_delete=OnDelete.set_null, null=True, index=True)
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True, index=True)
    channel = Varchar(length=10)  # mail, code, sso
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    # The roster's group values when the wave opened, for response rates per group.
    group_values = JSON(default={})
    answered = Boolean(default=False, index=True)
    reminders_sent = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    # The last mail's delivery, for staff (who know whom they invited), never for HR
    # next to `answered`: "" none yet, sending (link stored, the server has not
    # answered), sent (the mail server accepted it), failed (with the reason).
    delivery = Varchar(length=10, default="", index=True)
    delivery_error = Varchar(length=200, default="")
    delivery_at = Timestamptz(null=True, default=None)


class EarlierLink(Table, tablename="earlier_links"):
    """The hash of a link mailed before the latest reminder: the first mail's link keeps
    working until the person answers. Only the hash, as for `Invitation.token_hash`."""

    id = BigSerial(primary_key=True)
    invitation = ForeignKey(Invitation, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)


class ResponseDraft(Table, tablename="response_drafts"):
    """Answers saved for resuming on the same link; deleted when the response is submitted."""

    id = BigSerial(primary_key=True)
    invitation = ForeignKey(Invitation, on_delete=OnDelete.cascade, unique=True)
    answers = JSON(default={})
    section = Integer(default=0)
    language = Varchar(length=5, default="it")
    updated_at = Timestamptz(default=TimestamptzNow())


class SealedResponse(Table, tablename="sealed_responses"):
    """The ballot box before issue 11, readable: only responses sealed before an upgrade
    wait here, and the next flush of their wave moves them (`Ballot` replaces it).

    Written in the transaction that marks the invitation answered, so the two rows
    share a transaction id. A job moves sealed responses into `responses` in shuffled
    batches (once enough have gathered for the wave, or when it closes) in a
    transaction of its own and deletes them: the stored response then shares nothing,
    not even a transaction id or an insertion order, with its invitation.
    """

    id = UUID(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    submitted_on = Date()
    group_values = JSON(default={})
    answers = JSON(default={})


class Ballot(Table, tablename="ballots"):
    """The ballot box, sealed: a submitted response waiting to be moved into `responses`.

    Written in the transaction that marks the invitation answered; the company, the day,
    the reporting groups and the answers are in `box`, sealed with a key kept outside
    the database (`surveys.sealing`), so a database holder sees only that a response of
    the wave waits. A job opens the boxes and moves them into `responses` in shuffled
    batches, in a transaction of its own, and deletes them (see `surveys.ballot`).
    """

    id = UUID(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    box = Text()


class Response(Table, tablename="responses"):
    """Envelope two: a random id, the day, the reporting groups, nothing else."""

    id = UUID(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    submitted_on = Date()
    group_values = JSON(default={})


class Answer(Table, tablename="answers"):
    """One value of one question of a response (a multiple choice gives several rows)."""

    id = BigSerial(primary_key=True)
    response = ForeignKey(Response, on_delete=OnDelete.cascade, index=True)
    question = Varchar(length=64, index=True)
    row_key = Varchar(length=64, default="")  # grid row
    option_key = Varchar(length=64, default="")
    number = Integer(null=True, default=None)
    text = Text(default="")


class ReportRequest(Table, tablename="report_requests"):
    """A Word report asked for by someone, made by the `surveys.report` job.

    The file lives in `content` so that any web process can hand it over. It holds
    only what the results service shows (suppressed figures stay suppressed).
    """

    id = UUID(primary_key=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # company, territory
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, null=True, index=True)
    language = Varchar(length=5, default="it")
    requested_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    status = Varchar(length=20, default="queued")  # queued, running, done, failed
    progress = Integer(default=0)  # percent
    filename = Varchar(length=200, default="")
    content = Bytea(null=True, default=None)
    error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
