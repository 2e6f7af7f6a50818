"""Needs taxonomy, community labs and conciliation initiatives."""

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

from app.tables import Organization, PlacePool, User


class WelfareCategory(Table, tablename="welfare_categories"):
    """A category of company welfare plans (TUIR art. 51): the rule changes, so it is data."""

    id = BigSerial(primary_key=True)
    key = Varchar(length=40, unique=True)
    label_it = Varchar(length=200)
    label_en = Varchar(length=200)
    welfare_plan = Boolean(default=True)  # can be paid from a company welfare plan
    reference = Varchar(length=200, default="")  # e.g. "TUIR art. 51 c. 2 lett. f-bis"
    position = Integer(default=0)


class InitiativeType(Table, tablename="initiative_types"):
    """A kind of answer (summer camp, eldercare help desk, …) and the need areas it serves."""

    id = BigSerial(primary_key=True)
    key = Varchar(length=40, unique=True)
    label_it = Varchar(length=200)
    label_en = Varchar(length=200)
    areas = JSON(default=[])  # need-area keys of the question bank
    welfare_category = Varchar(length=40, null=True, default=None)
    position = Integer(default=0)


class Lab(Table, tablename="labs"):
    """A community lab: of one workplace (`company`) or of a town (several partners)."""

    id = UUID(primary_key=True)
    title = Varchar(length=200)
    scope = Varchar(length=10)  # "workplace", "town"
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, null=True, default=None,
                         index=True)
    town = Varchar(length=100, default="")
    facilitator = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    partners = JSON(default=[])  # names: associations, the municipality, other companies
    agenda = JSON(default=[])  # [{"text", "area"}]
    needs = JSON(default=[])  # the needs that motivated it, as shown when it was made
    status = Varchar(length=10, default="active")  # active, closed
    pulse_wave_id = UUID(null=True, default=None)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class LabMember(Table, tablename="lab_members"):
    """A voluntary membership; `member_key` = SHA-256 of lab and user (one per person)."""

    id = BigSerial(primary_key=True)
    lab = ForeignKey(Lab, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    member_key = Varchar(length=64, unique=True)
    joined_at = Timestamptz(default=TimestamptzNow())


class LabMeeting(Table, tablename="lab_meetings"):
    id = BigSerial(primary_key=True)
    lab = ForeignKey(Lab, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz()
    place = Varchar(length=200, default="")
    notes = Text(default="")


class LabGuest(Table, tablename="lab_guests"):
    """A participant who is not an employee: a resident, an association's volunteer, a
    council officer. Named by program staff, seen by them only."""

    id = BigSerial(primary_key=True)
    lab = ForeignKey(Lab, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, default="resident")  # resident, volunteer, council_officer,
    # other
    organization = Varchar(length=200, default="")  # the association, the municipality
    created_at = Timestamptz(default=TimestamptzNow())


class LabAttendance(Table, tablename="lab_attendance"):
    """Who came to a meeting: a member (`user`) or a guest, one of the two."""

    id = BigSerial(primary_key=True)
    meeting = ForeignKey(LabMeeting, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=True, default=None)
    guest = ForeignKey(LabGuest, on_delete=OnDelete.cascade, null=True, default=None)


class LabAction(Table, tablename="lab_actions"):
    id = BigSerial(primary_key=True)
    lab = ForeignKey(Lab, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=300)
    owner = Varchar(length=200, default="")
    due_on = Date(null=True, default=None)
    status = Varchar(length=10, default="todo")  # todo, doing, done
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Initiative(Table, tablename="initiatives"):
    """A conciliation initiative from a provider, with places in a `PlacePool`.

    `company` set: only that company's employees see it; else it is open to the towns.
    """

    id = UUID(primary_key=True)
    title = Varchar(length=200)
    description = Text(default="")
    provider = ForeignKey(Organization, on_delete=OnDelete.set_null, null=True, default=None,
                          index=True)
    provider_name = Varchar(length=200, default="")  # cooperatives, associations
    provider_kind = Varchar(length=20, default="cooperative")  # cooperative, civic_center,
    # company, association, municipality
    type_key = Varchar(length=40, default="")
    areas = JSON(default=[])
    towns = JSON(default=[])
    company = ForeignKey(Organization, on_delete=OnDelete.cascade, null=True, default=None,
                         index=True)
    audience = Varchar(length=10, default="employees")  # employees, families, all
    schedule = Varchar(length=300, default="")
    place = Varchar(length=200, default="")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    # Sign-ups: from the first day (publication when None) to the last, inclusive, in
    # Italian time; when None, until the initiative ends.
    signup_opens_on = Date(null=True, default=None)
    signup_closes_on = Date(null=True, default=None)
    cost_cents = Integer(default=0)
    cost_note = Varchar(length=200, default="")
    payment_note = Text(default="")  # how to pay, or be reimbursed through the welfare plan
    welfare_category = Varchar(length=40, null=True, default=None)
    pool = ForeignKey(PlacePool, on_delete=OnDelete.restrict, null=True, default=None)
    # draft (nobody but its managers sees it), published, closed; rows made before drafts
    # existed are published.
    status = Varchar(length=10, default="published")
    needs = JSON(default=[])  # the needs that motivated it
    lab = ForeignKey(Lab, on_delete=OnDelete.set_null, null=True, default=None)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class InitiativeChild(Table, tablename="initiative_children"):
    """A child an employee signs up to a children's initiative: a first name and an age,
    no more (the provider needs to know who comes; the employer never sees it). Deleted when
    the parent gives up the place."""

    id = BigSerial(primary_key=True)
    initiative = ForeignKey(Initiative, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    first_name = Varchar(length=60)
    age = Integer()


class ProgramNarrative(Table, tablename="program_narratives"):
    """What program staff write about one strategy in one half-year, for the funder's
    report. `period_key` is "2026-1" (year and half)."""

    id = BigSerial(primary_key=True)
    period_key = Varchar(length=7, index=True)
    strategy = Varchar(length=20)
    narrative_key = Varchar(length=30, unique=True)  # "2026-1:companies"
    text = Text(default="")
    updated_by = UUID(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class ProgramReport(Table, tablename="program_reports"):
    """A half-year's report frozen at its end: the figures, lists and narratives as
    they stood (`snapshot`, a `HalfYear` in JSON), reprinted as they are."""

    id = BigSerial(primary_key=True)
    period_key = Varchar(length=7, unique=True)
    snapshot = JSON(default={})
    frozen_by = UUID(null=True, default=None)
    frozen_at = Timestamptz(default=TimestamptzNow())
