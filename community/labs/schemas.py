"""DTOs of community labs (msgspec): what the lab pages, the JSON API and the report share.

Member names appear only in `LabDetail.member_names`, filled for program staff (the
facilitator is one of them) and None for everyone else, who see the count alone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from app.schemas import NON_SPACE, Name, ShortName, one_of
from community.taxonomy.needs import NeedRef
from surveys import bank

SCOPES = ("workplace", "town")
LAB_STATUSES = ("active", "closed")
ACTION_STATUSES = ("todo", "doing", "done")


class AgendaItem(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(max_length=500)]
    area: Annotated[str, one_of("", *bank.areas())] = ""  # a need area of the bank, or ""


class LabCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Name
    scope: Annotated[str, one_of(*SCOPES)]
    company_id: UUID | None = None
    town: str = ""
    partners: list[str] = msgspec.field(default_factory=list)
    agenda: list[AgendaItem] = msgspec.field(default_factory=list)
    needs: list[NeedRef] = msgspec.field(default_factory=list)
    facilitator_id: UUID | None = None


class LabUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A lab's details; scope, company, town and the needs it started from stay."""

    title: Name
    partners: list[str] = msgspec.field(default_factory=list)
    agenda: list[AgendaItem] = msgspec.field(default_factory=list)
    facilitator_id: UUID | None = None
    status: Annotated[str, one_of(*LAB_STATUSES)] = "active"


class MeetingIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: datetime  # without a zone it is meant in Italy
    place: str = ""
    notes: str = ""


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(pattern=NON_SPACE, max_length=300)]
    owner: Annotated[str, msgspec.Meta(max_length=200)] = ""
    due_on: date | None = None
    status: Annotated[str, one_of(*ACTION_STATUSES)] = "todo"


class ActionStatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: Annotated[str, one_of(*ACTION_STATUSES)]


class PulseStart(msgspec.Struct, forbid_unknown_fields=True):
    opens_on: date
    closes_on: date
    channels: list[str] = msgspec.field(default_factory=lambda: ["mail"])


class Person(msgspec.Struct):
    id: UUID
    name: str


class Meeting(msgspec.Struct):
    id: int
    starts_at: datetime
    place: str
    notes: str


class Action(msgspec.Struct):
    id: int
    title: str
    owner: str
    due_on: date | None
    status: str
    updated_at: datetime


class LabSummary(msgspec.Struct):
    id: UUID
    title: str
    scope: str
    company_id: UUID | None
    company_name: str
    town: str
    status: str
    facilitator: Person | None
    members: int | None  # from 5 up, or for program staff (app.places.shown_count)
    next_meeting: Meeting | None
    open_actions: int
    can_edit: bool


class NeedChange(msgspec.Struct):
    """A need the lab started from, before (`need.share`) and after (the pulse wave).

    `after_share` is None when the pulse figure is not shown: `note` says why."""

    need: NeedRef
    after_share: float | None = None
    after_count: int | None = None
    after_n: int | None = None
    note: str = ""


class Pulse(msgspec.Struct):
    wave_id: UUID
    title: str
    state: str  # not_open, open, closed
    opens_on: date
    closes_on: date
    changes: list[NeedChange]
    results_url: str | None = None  # the wave's results page the caller may read


GUEST_KINDS = ("resident", "volunteer", "council_officer", "other")


class GuestIn(msgspec.Struct, forbid_unknown_fields=True):
    name: ShortName
    kind: Annotated[str, one_of(*GUEST_KINDS)] = "resident"
    organization: Annotated[str, msgspec.Meta(max_length=200)] = ""


class Guest(msgspec.Struct):
    """A participant who is not an employee (program staff only)."""

    id: int
    name: str
    kind: str
    organization: str


class AttendanceIn(msgspec.Struct, forbid_unknown_fields=True):
    user_ids: list[UUID] = msgspec.field(default_factory=list)  # the lab's members
    guest_ids: list[int] = msgspec.field(default_factory=list)  # the lab's guests


class Attendance(msgspec.Struct):
    count: int | None  # from 5 up, or for program staff (app.places.shown_count)
    user_ids: list[UUID] | None  # program staff only
    guest_ids: list[int] | None  # program staff only


class LabDetail(msgspec.Struct):
    id: UUID
    title: str
    scope: str
    company_id: UUID | None
    company_name: str
    town: str
    status: str
    facilitator: Person | None
    partners: list[str]
    agenda: list[AgendaItem]
    needs: list[NeedRef]
    members: int | None  # from 5 up, or for program staff (app.places.shown_count)
    member_names: list[str] | None  # program staff only
    meetings: list[Meeting]
    actions: list[Action]
    pulse: Pulse | None
    can_edit: bool
    can_start_pulse: bool
    created_at: datetime
    guests: list[Guest] | None = None  # program staff only
    people: list[Person] | None = None  # members with their ids: program staff only
    attendance: dict[int, Attendance] = msgspec.field(default_factory=dict)  # per meeting


class MyLab(msgspec.Struct):
    """A lab as an employee sees it: no needs figures, no names, meetings ahead only."""

    id: UUID
    title: str
    scope: str
    company_name: str
    town: str
    status: str
    facilitator_name: str
    agenda: list[AgendaItem]
    members: int | None  # from 5 up, or for program staff (app.places.shown_count)
    joined: bool
    meetings_ahead: list[Meeting]
    actions: list[Action]  # what the lab decided to do, and where it stands
    past_meetings: list[Meeting]  # with their notes: for the lab's members only
    pulse_state: str | None  # not_open, open, closed: the follow-up survey, if any
