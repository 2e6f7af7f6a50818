"""DTOs of suggestions and referrals (msgspec): what the coordinator's pages and the API
exchange. A referral's `state` joins the referral and the pupil's place:

proposed, expired (unanswered in time), declined, withdrawn (by the school), enrolled,
waitlisted, offered (a freed place waits for an answer), offer_expired, left (the family
gave the place or the line up).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

import msgspec

from app import places
from app.i18n import _
from civic.activities.schemas import ActivityInfo, category_label, day_label, euros

STATES = ("proposed", "expired", "declined", "withdrawn", "enrolled", "waitlisted", "offered",
          "offer_expired", "left")
OPEN_STATES = ("proposed", "enrolled", "waitlisted", "offered")


class ActivitySummary(msgspec.Struct):
    """An activity as a family or a coordinator needs to judge it."""

    id: UUID
    title: str
    civic_center_name: str
    category: str
    category_label: str
    days: list[int]
    start_time: str
    end_time: str
    timetable: str
    starts_on: date | None
    ends_on: date | None
    town: str
    place: str
    cost: str
    # Places as families, coordinators and employees see them: a band (free, few, full),
    # never a number that moves by one (docs/privacy.md); operators see the numbers.
    availability: str


class SuggestionOut(msgspec.Struct):
    activity: ActivitySummary
    score: int
    reasons: list[str]
    waitlist: bool  # full: accepting joins the waitlist
    referral_id: UUID | None = None  # an open referral of this pupil for this activity
    referral_state: str | None = None


class PupilSuggestions(msgspec.Struct):
    pupil_id: UUID
    first_name: str
    class_name: str
    birth_year: int
    consented: bool
    message: str  # why there are no suggestions, when there are none
    suggestions: list[SuggestionOut]


class FamilySuggestions(msgspec.Struct):
    school_id: UUID
    school_name: str
    family_id: UUID
    family_ref: str
    reference_adult: str
    town: str
    working_pattern: str | None
    language: str
    has_email: bool
    pupils: list[PupilSuggestions]


class ReferralCreate(msgspec.Struct, forbid_unknown_fields=True):
    pupil_id: UUID
    activity_id: UUID


class ReferralOut(msgspec.Struct):
    id: UUID
    school_id: UUID
    family_id: UUID
    family_ref: str
    pupil_id: UUID
    pupil_first_name: str
    activity_id: UUID
    activity_title: str
    civic_center_name: str
    status: str  # the referral's own: proposed, accepted, declined, expired, withdrawn
    state: str  # see STATES
    state_label: str
    waitlist_position: int | None
    offered_until: datetime | None
    expires_at: datetime | None
    language: str
    created_at: datetime
    answered_at: datetime | None
    channel: str = "mail"  # how the proposal reaches the family: mail, letter


def activity_summary(info: ActivityInfo) -> ActivitySummary:
    """The activity's summary, its labels in the current language."""
    return ActivitySummary(
        id=info.id, title=info.title, civic_center_name=info.civic_center_name,
        category=info.category, category_label=category_label(info.category),
        days=list(info.days), start_time=info.start_time, end_time=info.end_time,
        timetable=timetable_label(info.days, info.start_time, info.end_time),
        starts_on=info.starts_on, ends_on=info.ends_on, town=info.town, place=info.place,
        cost=cost_label(info.cost_kind, info.cost_cents,
                        tuple(band.fee_cents for band in info.fee_bands)),
        availability=places.band(info.places_left) if info.capacity else "free")


def state_label(state: str, position: int | None = None) -> str:
    if state == "waitlisted" and position:
        return _("On the waitlist, number %(position)s") % {"position": position}
    return {
        "proposed": _("Proposed, waiting for the family"),
        "expired": _("Not answered in time"),
        "declined": _("Declined by the family"),
        "withdrawn": _("Withdrawn by the school"),
        "enrolled": _("Enrolled"),
        "waitlisted": _("On the waitlist"),
        "offered": _("A place is offered, waiting for the family"),
        "offer_expired": _("The offered place was not taken in time"),
        "left": _("The family gave up the place"),
    }.get(state, state)


def cost_label(kind: str, cents: int, fee_cents: tuple[int, ...], sentence: bool = False) -> str:
    """"Free", the fee, or "from €x" for ISEE bands (the lowest band's fee); `sentence`
    gives the words used among a suggestion's reasons."""
    if kind == "fixed" and cents > 0:
        amount = euros(cents)
        return _("Fee: %(amount)s") % {"amount": amount} if sentence else amount
    if kind == "isee" and fee_cents:
        lowest = min(fee_cents)
        if lowest == 0:
            return (_("Fee by ISEE band, free for the lowest") if sentence
                    else _("By ISEE, from free"))
        return (_("Fee by ISEE band, from %(amount)s") if sentence
                else _("from %(amount)s")) % {"amount": euros(lowest)}
    if kind == "isee":
        return _("Fee by ISEE band")
    return _("Free")


def timetable_label(days: Iterable[int], start_time: str, end_time: str) -> str:
    """"Monday, Wednesday · 16:30–18:30" in the current language."""
    names = ", ".join(day_label(day) for day in sorted(set(days)) if 0 <= day <= 6)
    hours = f"{start_time}–{end_time}" if start_time and end_time else start_time
    return " · ".join(part for part in (names, hours) if part)
