"""DTOs (msgspec) of schools' families, pupils, consents, family imports and the school
report: what the pages, the JSON API and other helpers exchange. Never Table rows."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

WORKING_PATTERNS = ("both_working", "one_working", "shifts", "not_working")
GIVEN_BY_ROLES = ("parent", "pupil")
PUPIL_CONSENT_AGE = 14  # in Italy a child under 14 needs a parent's consent (GDPR art. 8)
LIMITS = {"family_ref": 64, "reference_adult": 200, "contact_email": 320, "contact_phone": 40,
          "language": 5, "town": 100, "first_name": 100, "last_name": 100, "class_name": 20,
          "given_by": 200, "emergency_phone": 40, "pickup_persons": 300, "care_note": 300}


class SchoolRef(msgspec.Struct):
    id: UUID
    name: str
    town: str


class ConsentOut(msgspec.Struct):
    """One consent in a pupil's history. `ended` says why it no longer holds:
    "withdrawn" or "replaced" (by a later consent), None while it holds."""

    id: int
    notice_version: str
    given_by: str
    given_by_role: str
    given_at: datetime
    photo_release: bool
    withdrawn_at: datetime | None
    ended: str | None
    signed_on: date | None = None


class CareOut(msgspec.Struct):
    """Who may pick the pupil up and the care note, with the family's consent to share
    them with the operators of the pupil's activities."""

    pickup_persons: str
    care_note: str
    consent_by: str
    consent_on: date | None
    source: str  # coordinator (from the signed form), family (from their link)


class PupilOut(msgspec.Struct):
    """A pupil with their consent state. `renewal_due`: the consent that holds was given
    for an earlier notice version than the current one."""

    id: UUID
    first_name: str
    last_name: str
    birth_year: int
    class_name: str
    consented: bool
    photo_release: bool
    renewal_due: bool
    may_consent_alone: bool
    consent: ConsentOut | None
    history: list[ConsentOut]
    care: CareOut | None = None
    birth_date: date | None = None


class PupilMatch(msgspec.Struct):
    """A pupil found by their family's contact and their first name."""

    school_id: UUID
    family_id: UUID
    pupil_id: UUID
    first_name: str


class FamilyItem(msgspec.Struct):
    id: UUID
    family_ref: str
    reference_adult: str
    town: str
    language: str
    pupils: int
    pupils_with_consent: int
    retain_until: date | None


class FamilyList(msgspec.Struct):
    """One page of a school's families; the counts are the whole school's."""

    school: SchoolRef
    items: list[FamilyItem]
    matching: int
    families: int
    pupils: int
    pupils_with_consent: int
    pupils_without_consent: int
    page: int
    per_page: int
    query: str


class FamilyOut(msgspec.Struct):
    id: UUID
    school_id: UUID
    family_ref: str
    reference_adult: str
    contact_email: str | None
    contact_phone: str | None
    emergency_phone: str | None
    language: str
    working_pattern: str | None
    town: str
    retain_until: date | None
    created_at: datetime
    current_notice: str | None
    pupils: list[PupilOut]


class FamilyUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A family's details as a whole: what is left out is cleared (optional fields)."""

    reference_adult: str
    contact_email: str | None = None
    contact_phone: str | None = None
    language: str = "it"
    working_pattern: str | None = None
    town: str = ""
    emergency_phone: str | None = None


class PupilUpdate(msgspec.Struct, forbid_unknown_fields=True):
    first_name: str
    birth_year: int
    class_name: str
    last_name: str = ""
    birth_date: date | None = None


class CareUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Both texts empty: nothing is kept. Otherwise who agreed to share them, and on
    which day (the date of the signed form; today when the family writes it)."""

    pickup_persons: str = ""
    care_note: str = ""
    consent_by: str = ""
    consent_on: date | None = None


class ConsentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A consent given for the current notice version, by a parent or by a pupil aged 14
    or more this year; the photo release is a separate choice."""

    given_by: str
    given_by_role: str = "parent"
    photo_release: bool = False
    signed_on: date | None = None  # the day the paper form was signed, when there is one


class ConsentHistory(msgspec.Struct):
    pupil_id: UUID
    current_notice: str | None
    consents: list[ConsentOut]


class NoticeOut(msgspec.Struct):
    id: int
    version: str
    text_it: str
    text_en: str
    retention_months: int
    published_at: datetime
    current: bool


class NoticeCreate(msgspec.Struct, forbid_unknown_fields=True):
    version: str
    text_it: str
    text_en: str
    retention_months: int = 24


class ImportProblem(msgspec.Struct):
    line: int
    column: str
    problem: str


class ImportFamily(msgspec.Struct):
    """A family of the file as the preview shows it."""

    line: int
    family_ref: str
    reference_adult: str
    contact: str
    pupils: list[str]
    action: str  # add, update, unchanged


class FamilyImportPreview(msgspec.Struct):
    id: int
    status: str  # pending, invalid, applied, expired
    filename: str
    created_at: datetime
    applied_at: datetime | None
    rows: int
    families: int
    pupils: int
    add_families: int
    update_families: int
    unchanged_families: int
    add_pupils: int
    update_pupils: int
    remove_pupils: int
    retain_until: date | None
    ignored_columns: list[str]
    encoding: str
    delimiter: str
    problems_total: int
    problems: list[ImportProblem]
    sample: list[ImportFamily]


class ImportConfirm(msgspec.Struct, forbid_unknown_fields=True):
    pass


class ClassFigures(msgspec.Struct):
    """A class's counts; None from 1 to 4 ("fewer than 5"), as on every page and report."""

    class_name: str
    pupils: int | None
    with_consent: int | None
    reached: int | None
    places_used: int | None
    waitlisted: int | None


class ActivityFigures(msgspec.Struct):
    activity_id: UUID
    title: str
    civic_center: str
    places_used: int
    offered: int
    waitlisted: int


class SchoolReport(msgspec.Struct):
    """A school's figures: counts only, never a name. A pupil is *reached* when enrolled
    in at least one Civic Center activity, their family with them."""

    school: SchoolRef
    prepared_on: date
    families: int
    pupils: int
    pupils_with_consent: int | None  # None from 1 to 4, as the Word report says
    photo_releases: int | None
    families_reached: int | None
    pupils_reached: int | None
    places_used: int
    places_offered: int
    waitlisted: int
    classes: list[ClassFigures]
    activities: list[ActivityFigures]
