"""DTOs of Civic Center activities (msgspec): what the pages, the API and other domains
exchange. No DTO here carries a pupil or a family: rosters live in `activity_roster`."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

import msgspec
from babel import Locale
from babel.dates import get_day_names
from babel.numbers import format_currency

from app.i18n import _, current_language

CATEGORIES = ("after_school", "homework", "summer_camp", "sport", "culture", "language",
              "italian_l2", "other")
# Italian as a second language: suggested only to families who speak another language.
ITALIAN_L2 = "italian_l2"
COST_KINDS = ("free", "fixed", "isee")
STATUSES = ("draft", "published", "closed")
LANGUAGES = ("it", "en", "fr", "ar", "es", "ro", "uk", "zh", "ur", "pa", "hi", "sq")
# School grades: pre-school (infanzia), primary (primaria), lower secondary (secondaria).
GRADES = ("I1", "I2", "I3", "P1", "P2", "P3", "P4", "P5", "S1", "S2", "S3")
MIN_AGE, MAX_AGE = 3, 18
MAX_CAPACITY = 500
MAX_FEE_BANDS = 6
DayWidth = Literal["abbreviated", "narrow", "short", "wide"]


class FeeBand(msgspec.Struct, forbid_unknown_fields=True):
    """The fee for families whose ISEE is at most `isee_up_to` euros (None: above the
    previous band)."""

    fee_cents: int
    isee_up_to: float | None = None


class ActivityCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new activity. `civic_center_id` may be left out by an operator of one Civic
    Center; `publish` makes it visible to the schools at once (otherwise a draft)."""

    title: str
    category: str
    capacity: int
    days: list[int]
    start_time: str
    end_time: str
    starts_on: date | None
    ends_on: date | None
    town: str
    place: str = ""
    civic_center_id: UUID | None = None
    description: str = ""
    min_age: int | None = None
    max_age: int | None = None
    grades: list[str] = msgspec.field(default_factory=list)
    cost_kind: str = "free"
    cost_cents: int = 0
    fee_bands: list[FeeBand] = msgspec.field(default_factory=list)
    accessibility: str = ""
    languages: list[str] = msgspec.field(default_factory=lambda: ["it"])
    publish: bool = False


class ActivityUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A change: only the fields given change (`null` clears an age limit or a date)."""

    title: str | msgspec.UnsetType = msgspec.UNSET
    category: str | msgspec.UnsetType = msgspec.UNSET
    capacity: int | msgspec.UnsetType = msgspec.UNSET
    days: list[int] | msgspec.UnsetType = msgspec.UNSET
    start_time: str | msgspec.UnsetType = msgspec.UNSET
    end_time: str | msgspec.UnsetType = msgspec.UNSET
    starts_on: date | None | msgspec.UnsetType = msgspec.UNSET
    ends_on: date | None | msgspec.UnsetType = msgspec.UNSET
    town: str | msgspec.UnsetType = msgspec.UNSET
    place: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    min_age: int | None | msgspec.UnsetType = msgspec.UNSET
    max_age: int | None | msgspec.UnsetType = msgspec.UNSET
    grades: list[str] | msgspec.UnsetType = msgspec.UNSET
    cost_kind: str | msgspec.UnsetType = msgspec.UNSET
    cost_cents: int | msgspec.UnsetType = msgspec.UNSET
    fee_bands: list[FeeBand] | msgspec.UnsetType = msgspec.UNSET
    accessibility: str | msgspec.UnsetType = msgspec.UNSET
    languages: list[str] | msgspec.UnsetType = msgspec.UNSET


class ActivityInfo(msgspec.Struct):
    """An activity as everyone who may see it sees it, with its places now."""

    id: UUID
    civic_center_id: UUID
    civic_center_name: str
    title: str
    description: str
    category: str
    min_age: int | None
    max_age: int | None
    grades: list[str]
    days: list[int]
    start_time: str
    end_time: str
    starts_on: date | None
    ends_on: date | None
    place: str
    town: str
    cost_kind: str
    cost_cents: int
    fee_bands: list[FeeBand]
    accessibility: str
    languages: list[str]
    status: str
    pool_id: UUID | None  # its places in app.places
    capacity: int
    enrolled: int
    offered: int
    waitlisted: int
    places_left: int


class CenterChoice(msgspec.Struct):
    """A Civic Center the caller may publish activities for."""

    id: UUID
    name: str
    town: str


class RosterRow(msgspec.Struct):
    """One pupil as the operator needs them to run a children's activity, and no more:
    the full name (two pupils called Daniel), the class, whom to call (name and a phone,
    or an e-mail address when the family gave no phone) and an emergency phone, who may
    pick the child up, whether photos may be taken, and the care note the family chose
    to share: that one only for the operators of the activity's Civic Center (`None`
    for anyone else, program staff included)."""

    pupil_id: UUID
    status: str  # enrolled, offered, waitlisted
    position: int | None
    first_name: str
    last_name: str
    class_name: str
    contact_name: str
    contact: str
    emergency_phone: str
    pickup_persons: str
    photo_release: bool
    care_note: str | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ActivityRoster(msgspec.Struct):
    """`shows_care`: whether the caller runs the activity, so care notes are theirs to see."""

    activity_id: UUID
    title: str
    capacity: int
    shows_care: bool
    enrolled: list[RosterRow]
    waitlist: list[RosterRow]


# Labels of the codes above, in the current language --------------------------------------


def category_label(category: str) -> str:
    return {
        "after_school": _("After-school"),
        "homework": _("Homework help"),
        "summer_camp": _("Summer camp"),
        "sport": _("Sport"),
        "culture": _("Culture and music"),
        "language": _("Language courses"),
        "italian_l2": _("Italian as a second language"),
        "other": _("Other activities"),
    }.get(category, category)


def status_label(status: str) -> str:
    return {
        "draft": _("Draft, not visible to schools"),
        "published": _("Published, visible to schools"),
        "closed": _("Closed to new pupils"),
    }.get(status, status)


def grade_label(grade: str) -> str:
    if len(grade) != 2 or grade not in GRADES:
        return grade
    school = {"I": _("Pre-school %(year)s"), "P": _("Primary %(year)s"),
              "S": _("Lower secondary %(year)s")}[grade[0]]
    return school % {"year": grade[1]}


def language_label(code: str) -> str:
    """The language's name in the current language (from the CLDR data Babel ships)."""
    name = Locale.parse(current_language()).languages.get(code, code)
    return name[:1].upper() + name[1:]


def day_label(day: int, width: DayWidth = "wide") -> str:
    """Weekday `day` (0 = Monday) in the current language."""
    return str(get_day_names(width, locale=current_language())[day]).capitalize()


def euros(cents: int) -> str:
    return format_currency(cents / 100, "EUR", locale=current_language())


def isee_label(limit: float | None) -> str:
    if limit is None:
        return _("Any ISEE")
    amount = format_currency(limit, "EUR", locale=current_language())
    return _("ISEE up to %(amount)s") % {"amount": amount}


class AttendanceMark(msgspec.Struct):
    pupil_id: UUID
    full_name: str
    class_name: str
    present: bool | None  # None: not marked yet


class AttendanceRegister(msgspec.Struct):
    """The enrolled pupils at one session, as the operator marked them."""

    activity_id: UUID
    title: str
    session_on: date | None
    sessions: list[date]
    marks: list[AttendanceMark]
    present: int
    absent: int
