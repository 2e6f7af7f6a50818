"""DTOs of the needs taxonomy, the initiatives catalogue and participation (msgspec)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from app.schemas import Name
from community.taxonomy.needs import NeedRef

AUDIENCES = ("employees", "families", "all")
PROVIDER_KINDS = ("cooperative", "civic_center", "company", "association", "municipality")


# Taxonomy --------------------------------------------------------------------------------


class AreaInfo(msgspec.Struct):
    key: str
    label: str


class WelfareCategoryInfo(msgspec.Struct):
    key: str
    label: str
    label_it: str
    label_en: str
    welfare_plan: bool  # can be paid from a company welfare plan
    reference: str
    position: int


Position = Annotated[int, msgspec.Meta(ge=-10_000, le=10_000)]
Key = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class WelfareCategoryEdit(msgspec.Struct, forbid_unknown_fields=True):
    label_it: Name
    label_en: Name
    welfare_plan: bool = True
    reference: Annotated[str, msgspec.Meta(max_length=200)] = ""
    position: Position = 0


class WelfareCategoryCreate(WelfareCategoryEdit, forbid_unknown_fields=True, kw_only=True):
    key: Key


class TypeInfo(msgspec.Struct):
    key: str
    label: str
    label_it: str
    label_en: str
    areas: list[str]
    welfare_category: str | None
    welfare_plan: bool
    position: int


class TypeEdit(msgspec.Struct, forbid_unknown_fields=True):
    label_it: Name
    label_en: Name
    areas: list[str] = msgspec.field(default_factory=list)
    welfare_category: str | None = None
    position: Position = 0


class TypeCreate(TypeEdit, forbid_unknown_fields=True, kw_only=True):
    key: Key


class Taxonomy(msgspec.Struct):
    areas: list[AreaInfo]
    types: list[TypeInfo]
    categories: list[WelfareCategoryInfo]


# Initiatives ---------------------------------------------------------------------------


class InitiativeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """What can change after an initiative is made (its company, needs and lab cannot)."""

    title: str
    capacity: int
    description: str = ""
    type_key: str = ""
    areas: list[str] = msgspec.field(default_factory=list)
    towns: list[str] = msgspec.field(default_factory=list)
    audience: str = "employees"
    schedule: str = ""
    place: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    signup_opens_on: date | None = None  # None: from publication
    signup_closes_on: date | None = None  # None: until it ends
    cost_cents: int = 0
    cost_note: str = ""
    payment_note: str = ""  # how to pay, or be reimbursed through the welfare plan
    welfare_category: str | None = None
    provider_id: UUID | None = None
    provider_name: str = ""
    provider_kind: str = "cooperative"


class InitiativeCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    capacity: int
    description: str = ""
    type_key: str = ""
    areas: list[str] = msgspec.field(default_factory=list)
    towns: list[str] = msgspec.field(default_factory=list)
    company_id: UUID | None = None
    audience: str = "employees"
    schedule: str = ""
    place: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    signup_opens_on: date | None = None  # None: from publication
    signup_closes_on: date | None = None  # None: until it ends
    cost_cents: int = 0
    cost_note: str = ""
    payment_note: str = ""  # how to pay, or be reimbursed through the welfare plan
    welfare_category: str | None = None
    provider_id: UUID | None = None
    provider_name: str = ""
    provider_kind: str = "cooperative"
    needs: list[NeedRef] = msgspec.field(default_factory=list)
    lab_id: UUID | None = None
    # False: a draft nobody but its managers sees. True: published at once, which needs
    # dates, a place and a description.
    publish: bool = False


class InitiativeSummary(msgspec.Struct):
    id: UUID
    title: str
    type_key: str
    type_label: str
    areas: list[str]
    area_labels: list[str]
    towns: list[str]
    company_id: UUID | None  # set: only that company's employees see it
    company_name: str
    audience: str
    schedule: str
    place: str
    starts_on: date | None
    ends_on: date | None
    signup_opens_on: date | None
    signup_closes_on: date | None
    signup: str  # open, soon, over (sign-ups closed), ended, draft, closed: see signup_state
    cost_cents: int
    cost_note: str
    payment_note: str
    for_children: bool  # a children's initiative: sign-up asks which children
    welfare_category: str | None
    welfare_label: str
    welfare_plan: bool  # can be paid from a company welfare plan
    provider_name: str
    provider_kind: str
    status: str  # draft, published, closed
    capacity: int
    availability: str  # free, few, full (app.places.shown)
    places_left: int | None  # counts for program staff only; see app.places.shown
    waitlisted: int | None


class Initiative(InitiativeSummary):
    description: str
    provider_id: UUID | None
    needs: list[NeedRef]
    lab_id: UUID | None
    enrolled: int | None  # from app.places.SMALL up, or for program staff
    offered: int | None
    created_at: datetime
    can_edit: bool


class RosterSeat(msgspec.Struct):
    """Someone holding a place or in line (program staff only)."""

    children: list[Child]
    name: str
    email: str | None
    company_name: str
    status: str
    position: int | None
    offered_until: datetime | None


# The employee's pages ------------------------------------------------------------------


class MySeat(msgspec.Struct):
    status: str  # enrolled, waitlisted, offered, cancelled, declined, expired
    position: int | None  # place in the waitlist
    offered_until: datetime | None


class Child(msgspec.Struct, forbid_unknown_fields=True):
    """A child signed up to a children's initiative: a first name and an age, no more."""

    first_name: str
    age: int


class JoinIn(msgspec.Struct, forbid_unknown_fields=True):
    children: list[Child] = msgspec.field(default_factory=list)


class MyInitiative(msgspec.Struct):
    initiative: InitiativeSummary
    description: str
    seat: MySeat | None
    can_join: bool
    children: list[Child]  # those the caller signed up, for a children's initiative


# Participation (HR) --------------------------------------------------------------------


class ParticipationRow(msgspec.Struct):
    initiative_id: UUID
    title: str
    status: str
    company_only: bool
    enrolled: int | None  # None when hidden: fewer than the group threshold
    hidden: bool


class Participation(msgspec.Struct):
    company_id: UUID
    company_name: str
    threshold: int
    rows: list[ParticipationRow]
