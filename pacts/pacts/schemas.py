"""DTOs of pacts (msgspec): what the community maker's pages and the API exchange.

A pact's content (goals in the family's words, expected results with dates,
commitments of each side, supports, what the person gives back) is one document per
version, so a re-negotiation keeps every earlier version as it was agreed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from app.i18n import _
from app.schemas import NON_SPACE, one_of

SOURCES = ("school", "civic_center", "lab", "social_worker", "self")
AREAS = ("work", "children", "housing", "finances", "health", "relations")
STATUSES = ("referred", "assessing", "proposed", "active", "closed")
SIDES = ("family", "community")
CLOSURE_REASONS = ("goals_reached", "moved", "withdrew", "onward", "other")
OUTCOMES = ("reached", "partly", "not_reached")
LINK_KINDS = ("activity", "lab", "initiative")


def source_labels() -> dict[str, str]:
    return {"school": _("A school"), "civic_center": _("A Civic Center"),
            "lab": _("A community lab"), "social_worker": _("A social worker"),
            "self": _("The person themself")}


def area_labels() -> dict[str, str]:
    return {"work": _("Work and training"), "children": _("Children and parenting"),
            "housing": _("Housing"), "finances": _("Household finances"),
            "health": _("Health and wellbeing"),
            "relations": _("Relations and participation")}


def status_labels() -> dict[str, str]:
    return {"referred": _("Referred"), "assessing": _("Getting to know each other"),
            "proposed": _("Waiting for the family's acceptance"), "active": _("Active"),
            "closed": _("Closed")}


def closure_labels() -> dict[str, str]:
    return {"goals_reached": _("Goals reached"), "moved": _("Moved away"),
            "withdrew": _("The family ended the pact"),
            "onward": _("Referred on to another service"), "other": _("Other reason")}


def outcome_labels() -> dict[str, str]:
    return {"reached": _("Goals reached"), "partly": _("Goals partly reached"),
            "not_reached": _("Goals not reached")}


class ReferralIn(msgspec.Struct, forbid_unknown_fields=True):
    """A referral: who, from where, and the consent recorded at the source."""

    holder_name: str
    source: str
    source_consent_on: date
    contact_email: str = ""
    language: str = "it"
    town: str = ""
    household: str = ""
    source_detail: str = ""


class AreaIn(msgspec.Struct, forbid_unknown_fields=True):
    needs: str = ""
    resources: str = ""  # resources, capacities and aspirations


class ExpectedResult(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    due: date | None = None


class GoalLink(msgspec.Struct, forbid_unknown_fields=True):
    """Something Legami already offers that serves the goal (by id, with its title)."""

    kind: str
    id: UUID
    title: str = ""


class Goal(msgspec.Struct, forbid_unknown_fields=True):
    text: str  # in the family's words
    results: list[ExpectedResult] = msgspec.field(default_factory=list)
    links: list[GoalLink] = msgspec.field(default_factory=list)


class Commitment(msgspec.Struct, forbid_unknown_fields=True):
    side: str  # family, community
    who: str
    what: str
    by: date | None = None


class PactContent(msgspec.Struct, forbid_unknown_fields=True):
    goals: list[Goal]
    commitments: list[Commitment] = msgspec.field(default_factory=list)
    supports: list[str] = msgspec.field(default_factory=list)
    give_back: str = ""  # never a condition of the pact


class Version(msgspec.Struct):
    number: int
    status: str
    content: PactContent
    created_at: datetime
    accepted_at: datetime | None
    accepted_how: str


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    """A review to schedule; a time without a zone is meant in Italy."""

    scheduled_for: datetime


class ReviewHeld(msgspec.Struct, forbid_unknown_fields=True):
    """What a review found: progress per expected result ("goal.result" keys, as the
    pact's `Review.progress` gives them: not_started, started or reached), the progress
    ladder before and after, a short summary."""

    progress: Annotated[dict[str, str], msgspec.Meta(extra_json_schema={"extra": {
        "additionalProperties": {"type": "string",
                                 "enum": ["not_started", "started", "reached"]}}})] = \
        msgspec.field(default_factory=dict)
    ladder_before: Annotated[int, msgspec.Meta(ge=1, le=10)] | None = None
    ladder_after: Annotated[int, msgspec.Meta(ge=1, le=10)] | None = None
    summary: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class ConsentIn(msgspec.Struct, forbid_unknown_fields=True):
    """The person's consent for one purpose; `sharing` names its partner."""

    purpose: Annotated[str, one_of("services", "sharing", "reminders")]
    partner: Annotated[str, msgspec.Meta(max_length=200)] = ""


class Review(msgspec.Struct):
    id: int
    scheduled_for: datetime
    held_at: datetime | None
    progress: dict[str, str]
    ladder_before: int | None
    ladder_after: int | None
    summary: str


class Note(msgspec.Struct):
    id: int
    level: str
    text: str  # empty for a sealed note until its seal is broken
    author_name: str
    created_at: datetime


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A note of the team: `team` (every follower reads it) or `sealed` (encrypted at
    rest, read only by breaking its seal with a reason)."""

    level: Annotated[str, one_of("team", "sealed")]
    # Not blank, at most 4,000 characters, as `pacts.notes.add` checks it.
    text: Annotated[str, msgspec.Meta(pattern=NON_SPACE, max_length=4000)]


class UnsealIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why the sealed note must be read: kept in the pact's access log."""

    # At least 10 characters, spaces around not counted, as `pacts.notes.break_seal`
    # checks it.
    reason: Annotated[str, msgspec.Meta(pattern=NON_SPACE + r"[\s\S]{8,}" + NON_SPACE,
                                        max_length=1000)]


class NoteText(msgspec.Struct):
    """A sealed note's text, its seal broken (the reason is in the access log)."""

    id: int
    text: str


class ConsentOut(msgspec.Struct):
    id: int
    purpose: str
    partner: str
    text_version: str
    given_at: datetime
    withdrawn_at: datetime | None


class EnrolmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Propose a linked Civic Center activity to the family: the e-mail address or phone
    number the family gave the school, and the child's first name."""

    activity_id: UUID
    contact: Annotated[str, msgspec.Meta(max_length=320)]
    first_name: Annotated[str, msgspec.Meta(max_length=100)]


class EnrolmentOut(msgspec.Struct):
    """A proposal made from a goal link, as it stands: proposed, enrolled, waitlisted,
    declined (not taken up) or gone (civic no longer holds it)."""

    activity_id: UUID
    first_name: str
    outcome: str
    outcome_label: str
    created_at: datetime


class PactSummary(msgspec.Struct):
    id: UUID
    holder_name: str
    town: str
    status: str
    status_label: str
    team_name: str
    created_at: datetime
    next_review: datetime | None


class PactDetail(msgspec.Struct):
    id: UUID
    holder_name: str
    household: str
    contact_email: str | None
    language: str
    town: str
    source: str
    source_detail: str
    source_consent_on: date
    status: str
    status_label: str
    team_name: str
    assessment: dict[str, AreaIn]
    versions: list[Version]
    reviews: list[Review]
    consents: list[ConsentOut]
    notes: list[Note]
    enrolments: list[EnrolmentOut]
    created_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    closure_reason: str
    outcome: str
    onward_referral: str
    can_coordinate: bool


class Closure(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, one_of(*CLOSURE_REASONS)]
    outcome: Annotated[str, one_of(*OUTCOMES)]
    onward_referral: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class Grant(msgspec.Struct, forbid_unknown_fields=True):
    email: str


class OpeningOut(msgspec.Struct):
    reader_name: str
    reader_email: str | None
    occurred_at: datetime
    what: str
    reason: str
