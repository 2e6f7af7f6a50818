"""Families and pupils of the partner schools, with as little data as possible; Civic
Center activities; parental consents; the coordinators' referrals."""

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

from app.tables import Organization, PlacePool


class Family(Table, tablename="families"):
    id = UUID(primary_key=True)
    school = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    family_ref = Varchar(length=64)
    reference_adult = Varchar(length=200)
    contact_email = Varchar(length=320, null=True, default=None)
    contact_phone = Varchar(length=40, null=True, default=None)
    # a second number for the activity's operators when the first does not answer
    emergency_phone = Varchar(length=40, null=True, default=None)
    language = Varchar(length=5, default="it")
    # shared only if the family wants: both_working, one_working, shifts, not_working
    working_pattern = Varchar(length=40, null=True, default=None)
    town = Varchar(length=100, default="")
    retain_until = Date(null=True, default=None, index=True)  # deleted after this day
    created_at = Timestamptz(default=TimestamptzNow())


class Pupil(Table, tablename="pupils"):
    id = UUID(primary_key=True)
    family = ForeignKey(Family, on_delete=OnDelete.cascade, index=True)
    first_name = Varchar(length=100)
    # so an operator tells two pupils called Daniel apart (optional in school files)
    last_name = Varchar(length=100, default="")
    birth_year = Integer()
    # when the school gives it: tells whether a pupil born 14 years ago is 14 yet
    birth_date = Date(null=True, default=None)
    class_name = Varchar(length=20)


class FamilyImport(Table, tablename="family_imports"):
    """A school's uploaded family file, checked and waiting for confirmation (as rosters)."""

    id = BigSerial(primary_key=True)
    school = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    status = Varchar(length=12, default="pending")
    filename = Varchar(length=255, default="")
    rows = JSON(default=[])
    problems = JSON(default=[])
    summary = JSON(default={})
    applied_at = Timestamptz(null=True, default=None)


class ConsentNotice(Table, tablename="consent_notices"):
    """A version of the privacy notice families consent to. Never overwritten: a change
    is a new version."""

    id = BigSerial(primary_key=True)
    version = Varchar(length=20, unique=True)
    text_it = Text()
    text_en = Text()
    retention_months = Integer(default=24)
    published_at = Timestamptz(default=TimestamptzNow())


class Consent(Table, tablename="consents"):
    """Consent to use a pupil's data: who gave it, when, for which notice version; the
    photo release is a separate choice. A pupil under 14 needs a parent's consent."""

    id = BigSerial(primary_key=True)
    pupil = ForeignKey(Pupil, on_delete=OnDelete.cascade, index=True)
    notice = ForeignKey(ConsentNotice, on_delete=OnDelete.restrict)
    given_by = Varchar(length=200)
    given_by_role = Varchar(length=10, default="parent")  # parent, pupil (14 and over)
    given_at = Timestamptz(default=TimestamptzNow())
    signed_on = Date(null=True, default=None)  # the day the school's paper form was signed
    photo_release = Boolean(default=False)
    recorded_by = UUID(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    # school: recorded by a coordinator from a signed form; link: given by the family on
    # their link, with the language of the notice text they read (the text itself is the
    # notice version's, never edited).
    source = Varchar(length=10, default="school")
    notice_language = Varchar(length=5, null=True, default=None)


class Activity(Table, tablename="activities"):
    """An activity a Civic Center offers, with places in a `PlacePool`."""

    id = UUID(primary_key=True)
    civic_center = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    description = Text(default="")
    # after_school, homework, summer_camp, sport, culture, language, other
    category = Varchar(length=20)
    min_age = Integer(null=True, default=None)
    max_age = Integer(null=True, default=None)
    grades = JSON(default=[])  # school grades, e.g. ["P1", "P2", "S1"]
    days = JSON(default=[])  # weekdays, 0 = Monday
    start_time = Varchar(length=5, default="")  # "HH:MM"
    end_time = Varchar(length=5, default="")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    place = Varchar(length=200, default="")
    town = Varchar(length=100, default="", index=True)
    cost_kind = Varchar(length=10, default="free")  # free, fixed, isee
    cost_cents = Integer(default=0)
    fee_bands = JSON(default=[])  # [{"isee_up_to": euros or null, "fee_cents": int}]
    accessibility = Text(default="")
    languages = JSON(default=["it"])
    pool = ForeignKey(PlacePool, on_delete=OnDelete.restrict, null=True, default=None)
    status = Varchar(length=10, default="published")  # draft, published, closed
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Referral(Table, tablename="referrals"):
    """A coordinator proposes an activity for a pupil; the family answers from a mail link.

    The link's token is kept only as a hash; it also answers a later waitlist offer.
    """

    id = UUID(primary_key=True)
    pupil = ForeignKey(Pupil, on_delete=OnDelete.cascade, index=True)
    activity = ForeignKey(Activity, on_delete=OnDelete.cascade, index=True)
    school = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    proposed_by = UUID(null=True, default=None)
    # proposed, accepted, declined, expired, withdrawn
    status = Varchar(length=10, default="proposed", index=True)
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    expires_at = Timestamptz(null=True, default=None)
    seat_id = Integer(null=True, default=None)
    language = Varchar(length=5, default="it")
    created_at = Timestamptz(default=TimestamptzNow())
    answered_at = Timestamptz(null=True, default=None)


class PupilCare(Table, tablename="pupil_care"):
    """What the family lets the operators of the pupil's activities know: who may pick
    the child up and a short care note (allergies, medicines: special-category data).
    Kept apart from the pupil so nothing reads it by accident; stored only with the
    family's consent to share it (`care_consent_*`); deleted with the pupil."""

    id = BigSerial(primary_key=True)
    pupil = ForeignKey(Pupil, on_delete=OnDelete.cascade, unique=True)
    pickup_persons = Text(default="")
    care_note = Text(default="")
    care_consent_by = Varchar(length=200, default="")
    care_consent_on = Date(null=True, default=None)  # the day the family agreed or signed
    source = Varchar(length=12, default="coordinator")  # coordinator, family
    recorded_by = UUID(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class Attendance(Table, tablename="attendance"):
    """One pupil at one session of an activity: present or absent, as the operator
    marked it. Deleted with the pupil or the activity."""

    id = BigSerial(primary_key=True)
    activity = ForeignKey(Activity, on_delete=OnDelete.cascade, index=True)
    pupil = ForeignKey(Pupil, on_delete=OnDelete.cascade, index=True)
    session_on = Date()
    present = Boolean(default=False)
    recorded_by = UUID(null=True, default=None)
    recorded_at = Timestamptz(default=TimestamptzNow())


class SchoolHoliday(Table, tablename="school_holidays"):
    """Days the schools are closed in a school year (the Lombardy calendar: Christmas and
    Easter breaks, Carnival, bridges), edited by program staff: the weekly sessions of
    the school year's activities skip them. National holidays are the law's, in code
    (`civic.activities.holidays`)."""

    id = BigSerial(primary_key=True)
    first_day = Date()
    last_day = Date()
    name = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())
