"""Community labs: a workplace's or a town's lab, its meetings, actions and members.

Who reaches what (anything else answers 404):
- program staff (program admins and community makers) see and edit every lab;
- an HR manager sees the workplace labs of their company and the town labs of their
  company's town, and edits only their company's workplace labs (403 on a town lab);
- an employee (or HR manager, as a person) sees under /me the labs open to them — the
  workplace labs of their company, the town labs of its town — and joins or leaves one.

Membership is a voluntary act of its own: `LabMember` links a lab and a user and nothing
else, and joining or leaving never reads nor writes survey data. Names of members are
shown to program staff only (the facilitator is a community maker); others see a count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from litestar.exceptions import NotFoundException, PermissionDeniedException
from piccolo.query.functions.aggregate import Count

from app import audit
from app.auth.caller import Caller
from app.clock import ITALY, now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _, current_language
from app.places import shown_count
from app.roles import COMMUNITY_MAKER, EMPLOYEE, HR_MANAGER
from app.tables import Membership, Organization
from app.values import json_value
from community.labs import people
from community.labs import pulse as lab_pulse
from community.labs.schemas import (
    ACTION_STATUSES,
    LAB_STATUSES,
    SCOPES,
    Action,
    ActionIn,
    AgendaItem,
    AttendanceIn,
    Guest,
    GuestIn,
    LabCreate,
    LabDetail,
    LabSummary,
    LabUpdate,
    Meeting,
    MeetingIn,
    MyLab,
    Person,
    PulseStart,
)
from community.tables import Lab, LabAction, LabMeeting, LabMember
from community.taxonomy.needs import from_json, to_json
from surveys import bank
from surveys.definition import text_in

HR = HR_MANAGER
COMPANY_ROLES = (EMPLOYEE, HR_MANAGER)
FACILITATOR_ROLE = COMMUNITY_MAKER
MAX_PARTNERS = 30
MAX_AGENDA = 40
MAX_AHEAD = 5  # meetings ahead shown to employees
MEETING_YEARS = (2000, 2100)
MAX_ROW_ID = 2**63 - 1  # meeting and action ids are BIGSERIAL: a larger one is none


# Access ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """The companies whose workplace labs, and the towns whose town labs, one reaches."""

    companies: frozenset[UUID]
    towns: frozenset[str]


async def _reach(organization_ids: Iterable[UUID]) -> Reach:
    ids = list(organization_ids)
    rows = await Organization.select(Organization.id, Organization.town).where(
        Organization.id.is_in(ids) & (Organization.kind == "company")) if ids else []
    return Reach(frozenset(row["id"] for row in rows),
                 frozenset(row["town"] for row in rows if row["town"]))


def _within(query: Any, reach: Reach) -> Any:
    """Restrict a query on labs to those `reach` opens; nothing when it opens none."""
    condition: Any = None
    if reach.companies:
        condition = (Lab.scope == "workplace") & Lab.company.is_in(list(reach.companies))
    if reach.towns:
        town = (Lab.scope == "town") & Lab.town.is_in(list(reach.towns))
        condition = town if condition is None else condition | town
    if condition is None:
        return query.where(Lab.id.is_null() & Lab.id.is_not_null())
    return query.where(condition)


def _labs() -> Any:
    return Lab.select(*Lab.all_columns(), Lab.company.name, Lab.facilitator.name,
                      Lab.facilitator.email)


async def _staff_view(caller: Caller) -> Any:
    """Labs as program staff and HR managers see them (on /labs)."""
    if caller.is_program_staff:
        return _labs()
    if not caller.has_role(HR):
        raise NotFoundException()
    return _within(_labs(), await _reach(caller.organization_ids(HR)))


async def _person_view(caller: Caller) -> Any:
    """Labs open to the caller as a person of their company (on /me/labs)."""
    return _within(_labs(), await _reach(caller.organization_ids(*COMPANY_ROLES)))


async def _lab_row(caller: Caller, lab_id: UUID) -> dict[str, Any]:
    row = await (await _staff_view(caller)).where(Lab.id == lab_id).first()
    if row is None:
        raise NotFoundException()
    return row  # type: ignore[no-any-return]


def can_edit(caller: Caller, row: dict[str, Any]) -> bool:
    return caller.is_program_staff or (
        row["scope"] == "workplace" and row["company"] in caller.organization_ids(HR))


async def _editable(caller: Caller, lab_id: UUID) -> dict[str, Any]:
    row = await _lab_row(caller, lab_id)
    if not can_edit(caller, row):
        raise PermissionDeniedException()
    return row


# Reading -----------------------------------------------------------------------------------


async def list_labs(caller: Caller) -> list[LabSummary]:
    """The labs the caller reaches on /labs: active first, newest first."""
    rows = await (await _staff_view(caller)).order_by(Lab.created_at, ascending=False)
    rows.sort(key=lambda row: row["status"] != "active")
    ids = [row["id"] for row in rows]
    members = await _member_counts(ids)
    ahead = await _next_meetings(ids)
    open_actions = await _open_actions(ids)
    return [LabSummary(
        id=row["id"], title=row["title"], scope=row["scope"], company_id=row["company"],
        company_name=row["company.name"] or "", town=row["town"], status=row["status"],
        facilitator=_facilitator_of(row),
        members=shown_count(members.get(row["id"], 0), caller.is_program_staff),
        next_meeting=ahead.get(row["id"]), open_actions=open_actions.get(row["id"], 0),
        can_edit=can_edit(caller, row)) for row in rows]


async def get_lab(caller: Caller, lab_id: UUID) -> LabDetail:
    """A lab with its agenda, needs, meetings, actions and follow-up pulse."""
    row = await _lab_row(caller, lab_id)
    names = await _member_names(lab_id) if caller.is_program_staff else None
    editable = can_edit(caller, row)
    return LabDetail(
        id=row["id"], title=row["title"], scope=row["scope"], company_id=row["company"],
        company_name=row["company.name"] or "", town=row["town"], status=row["status"],
        facilitator=_facilitator_of(row), partners=list(json_value(row["partners"]) or []),
        agenda=_agenda_of(row), needs=from_json(json_value(row["needs"])),
        members=shown_count((await _member_counts([lab_id])).get(lab_id, 0),
                            caller.is_program_staff), member_names=names,
        meetings=await _meetings(lab_id), actions=await _actions(lab_id),
        pulse=await lab_pulse.pulse_of(caller, row), can_edit=editable,
        can_start_pulse=editable and lab_pulse.may_start(caller, row),
        created_at=row["created_at"],
        guests=await people.guests(lab_id) if caller.is_program_staff else None,
        people=await people.members(lab_id) if caller.is_program_staff else None,
        attendance=await people.attendance(caller, lab_id))


async def add_guest(caller: Caller, lab_id: UUID, data: GuestIn) -> Guest:
    """A participant who is not an employee: a resident, a volunteer, a council officer."""
    return await people.add_guest(caller, await _lab_row(caller, lab_id), data)


async def remove_guest(caller: Caller, lab_id: UUID, guest_id: int) -> None:
    await people.remove_guest(caller, await _lab_row(caller, lab_id), guest_id)


async def record_attendance(caller: Caller, lab_id: UUID, meeting_id: int,
                            data: AttendanceIn) -> None:
    """Who of the lab's members and guests came to one of its meetings."""
    await people.record_attendance(caller, await _lab_row(caller, lab_id), meeting_id, data)


def _facilitator_of(row: dict[str, Any]) -> Person | None:
    if row["facilitator"] is None:
        return None
    return Person(row["facilitator"], row["facilitator.name"] or row["facilitator.email"] or "")


def _agenda_of(row: dict[str, Any]) -> list[AgendaItem]:
    return [AgendaItem(str(item.get("text", "")), str(item.get("area", "")))
            for item in json_value(row["agenda"]) or []]


async def _member_counts(lab_ids: list[UUID]) -> dict[UUID, int]:
    if not lab_ids:
        return {}
    rows = await LabMember.select(LabMember.lab, Count(alias="members")).where(
        LabMember.lab.is_in(lab_ids)).group_by(LabMember.lab)
    return {row["lab"]: row["members"] for row in rows}


async def _member_names(lab_id: UUID) -> list[str]:
    rows = await LabMember.select(LabMember.user.name, LabMember.user.email).where(
        LabMember.lab == lab_id)
    return sorted(row["user.name"] or row["user.email"] or "" for row in rows)


async def _next_meetings(lab_ids: list[UUID]) -> dict[UUID, Meeting]:
    if not lab_ids:
        return {}
    rows = await LabMeeting.select().where(
        LabMeeting.lab.is_in(lab_ids) & (LabMeeting.starts_at >= now())).order_by(
        LabMeeting.starts_at)
    found: dict[UUID, Meeting] = {}
    for row in rows:
        found.setdefault(row["lab"], _meeting(row))
    return found


async def _open_actions(lab_ids: list[UUID]) -> dict[UUID, int]:
    if not lab_ids:
        return {}
    rows = await LabAction.select(LabAction.lab, Count(alias="open")).where(
        LabAction.lab.is_in(lab_ids) & (LabAction.status != "done")).group_by(LabAction.lab)
    return {row["lab"]: row["open"] for row in rows}


def _meeting(row: dict[str, Any]) -> Meeting:
    return Meeting(row["id"], row["starts_at"], row["place"], row["notes"])


def _action(row: dict[str, Any]) -> Action:
    return Action(row["id"], row["title"], row["owner"], row["due_on"], row["status"],
                  row["updated_at"])


async def _meetings(lab_id: UUID) -> list[Meeting]:
    rows = await LabMeeting.select().where(LabMeeting.lab == lab_id).order_by(
        LabMeeting.starts_at)
    return [_meeting(row) for row in rows]


async def _actions(lab_id: UUID) -> list[Action]:
    rows = await LabAction.select().where(LabAction.lab == lab_id).order_by(
        LabAction.due_on).order_by(LabAction.id)
    found = [_action(row) for row in rows]
    return [a for a in found if a.due_on is not None] + [a for a in found if a.due_on is None]


async def company_choices(caller: Caller) -> list[tuple[UUID, str]]:
    """Companies the caller may make a workplace lab for: all for staff, their own for HR."""
    query = Organization.select(Organization.id, Organization.name).where(
        (Organization.kind == "company") & (Organization.status != "suspended")).order_by(
        Organization.name)
    if not caller.is_program_staff:
        query = query.where(Organization.id.is_in(list(caller.organization_ids(HR)) or [None]))
    return [(row["id"], row["name"]) for row in await query]


async def town_choices() -> list[str]:
    """The towns of the partner companies, for a town lab."""
    rows = await Organization.select(Organization.town).where(
        (Organization.kind == "company") & (Organization.town != "")).distinct()
    return sorted({row["town"] for row in rows})


async def facilitator_choices() -> list[Person]:
    """The community makers, who facilitate labs."""
    rows = await Membership.select(Membership.user, Membership.user.name,
                                   Membership.user.email).where(
        (Membership.role == FACILITATOR_ROLE) & Membership.user._.is_active.eq(True))
    people = {row["user"]: row["user.name"] or row["user.email"] or "" for row in rows}
    return sorted((Person(k, v) for k, v in people.items()), key=lambda p: p.name)


def area_choices() -> list[tuple[str, str]]:
    """The need areas of the question bank as (key, label in the current language)."""
    return [(key, text_in(texts, current_language())) for key, texts in bank.areas().items()]


# Creating and editing ------------------------------------------------------------------------


async def create_lab(caller: Caller, data: LabCreate) -> UUID:
    """Create a lab. Program staff create any; an HR manager only a workplace lab of their
    own company (else 404). The facilitator must be a community maker."""
    if not caller.is_program_staff and (
            data.scope != "workplace" or data.company_id not in caller.organization_ids(HR)):
        raise NotFoundException()
    errors: dict[str, str] = {}
    title = _title(data.title, errors)
    company, town = await _place(data, errors)
    partners = _partners(data.partners, errors)
    agenda = _agenda(data.agenda, errors)
    facilitator_id = data.facilitator_id
    if facilitator_id is None and caller.has_role(FACILITATOR_ROLE):
        facilitator_id = caller.user_id
    await _check_facilitator(facilitator_id, errors)
    if errors:
        raise InvalidInput(errors)
    lab = Lab(id=uuid4(), title=title, scope=data.scope, company=company, town=town,
              facilitator=facilitator_id, partners=partners, agenda=agenda,
              needs=to_json(data.needs), created_by=caller.user_id)
    async with transaction():
        await lab.save()
        await audit.record("lab.created", caller.user_id, company, lab_id=str(lab.id),
                           scope=data.scope, town=town, needs=len(data.needs))
    return lab.id  # type: ignore[no-any-return]


async def update_lab(caller: Caller, lab_id: UUID, data: LabUpdate) -> LabDetail:
    """Change a lab's title, partners, agenda, facilitator or status (active, closed)."""
    row = await _editable(caller, lab_id)
    errors: dict[str, str] = {}
    title = _title(data.title, errors)
    partners = _partners(data.partners, errors)
    agenda = _agenda(data.agenda, errors)
    await _check_facilitator(data.facilitator_id, errors)
    if data.status not in LAB_STATUSES:
        errors["status"] = _("Choose active or closed.")
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        await Lab.update({Lab.title: title, Lab.partners: partners, Lab.agenda: agenda,
                          Lab.facilitator: data.facilitator_id, Lab.status: data.status}).where(
            Lab.id == lab_id)
        await audit.record("lab.updated", caller.user_id, row["company"], lab_id=str(lab_id),
                           status=data.status)
    return await get_lab(caller, lab_id)


def _title(value: str, errors: dict[str, str]) -> str:
    title = value.strip()
    if not title or len(title) > 200:
        errors["title"] = _("Enter a title (at most 200 characters).")
    return title


async def _place(data: LabCreate, errors: dict[str, str]) -> tuple[UUID | None, str]:
    """The lab's company (workplace) or town (town), as stored."""
    if data.scope not in SCOPES:
        errors["scope"] = _("Choose a workplace lab or a town lab.")
        return None, ""
    if data.scope == "workplace":
        found = await Organization.select(Organization.id).where(
            (Organization.id == data.company_id) & (Organization.kind == "company")).first(
        ) if data.company_id else None
        if found is None:
            errors["company_id"] = _("Choose the company of a workplace lab.")
        return data.company_id, ""
    town = " ".join(data.town.split())
    if not town or len(town) > 100:
        errors["town"] = _("Enter the town of a town lab (at most 100 characters).")
    known = {t.casefold(): t for t in await town_choices()}
    return None, known.get(town.casefold(), town)  # the companies' spelling, when known


def _partners(values: list[str], errors: dict[str, str]) -> list[str]:
    partners = list(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))
    if len(partners) > MAX_PARTNERS or any(len(p) > 200 for p in partners):
        errors["partners"] = _("Up to {count} partners, each at most 200 characters.").format(
            count=MAX_PARTNERS)
    return partners


def _agenda(items: list[AgendaItem], errors: dict[str, str]) -> list[dict[str, str]]:
    agenda = [{"text": item.text.strip(), "area": item.area.strip()} for item in items
              if item.text.strip()]
    areas = bank.areas()
    if len(agenda) > MAX_AGENDA or any(len(item["text"]) > 500 for item in agenda):
        errors["agenda"] = _("Up to {count} agenda items, each at most 500 "
                             "characters.").format(count=MAX_AGENDA)
    elif any(item["area"] and item["area"] not in areas for item in agenda):
        errors["agenda"] = _("Not an area of the question bank.")
    return agenda


async def _check_facilitator(user_id: UUID | None, errors: dict[str, str]) -> None:
    if user_id is None:
        return
    found = await Membership.exists().where(
        (Membership.user == user_id) & (Membership.role == FACILITATOR_ROLE)
        & Membership.user._.is_active.eq(True))
    if not found:
        errors["facilitator_id"] = _("The facilitator must be a community maker.")


# Meetings and actions -------------------------------------------------------------------------


async def add_meeting(caller: Caller, lab_id: UUID, data: MeetingIn) -> Meeting:
    row = await _editable(caller, lab_id)
    values = _meeting_values(data)
    async with transaction():
        meeting = LabMeeting(lab=lab_id, **values)
        await meeting.save()
        await audit.record("lab.meeting_added", caller.user_id, row["company"],
                           lab_id=str(lab_id), meeting_id=meeting.id)
    return Meeting(meeting.id, values["starts_at"], values["place"], values["notes"])


def _known_id(row_id: int) -> None:
    if not 0 < row_id <= MAX_ROW_ID:
        raise NotFoundException()


async def update_meeting(caller: Caller, lab_id: UUID, meeting_id: int,
                         data: MeetingIn) -> Meeting:
    _known_id(meeting_id)
    row = await _editable(caller, lab_id)
    values = _meeting_values(data)
    async with transaction():
        changed = await LabMeeting.update({getattr(LabMeeting, k): v for k, v in values.items()}
                                          ).where((LabMeeting.id == meeting_id)
                                                  & (LabMeeting.lab == lab_id)).returning(
            LabMeeting.id)
        if not changed:
            raise NotFoundException()
        await audit.record("lab.meeting_updated", caller.user_id, row["company"],
                           lab_id=str(lab_id), meeting_id=meeting_id)
    return Meeting(meeting_id, values["starts_at"], values["place"], values["notes"])


def _meeting_values(data: MeetingIn) -> dict[str, Any]:
    errors = {}
    place, notes = " ".join(data.place.split()), data.notes.strip()
    if len(place) > 200:
        errors["place"] = _("At most 200 characters.")
    if len(notes) > 5000:
        errors["notes"] = _("At most 5000 characters.")
    if errors:
        raise InvalidInput(errors)
    starts_at = data.starts_at
    if not MEETING_YEARS[0] <= starts_at.year <= MEETING_YEARS[1]:
        # Year 1 cannot even be moved to UTC (OverflowError): no meeting is that far.
        raise InvalidInput({"starts_at": _("Enter the date and time of the meeting.")})
    if starts_at.tzinfo is None:  # a time typed in a form is meant in Italy
        starts_at = starts_at.replace(tzinfo=ITALY)
    starts_at = starts_at.astimezone(UTC)
    return {"starts_at": starts_at, "place": place, "notes": notes}


async def add_action(caller: Caller, lab_id: UUID, data: ActionIn) -> Action:
    row = await _editable(caller, lab_id)
    values = _action_values(data)
    async with transaction():
        action = LabAction(lab=lab_id, **values)
        await action.save()
        await audit.record("lab.action_added", caller.user_id, row["company"],
                           lab_id=str(lab_id), action_id=action.id)
    return await _action_of(lab_id, action.id)


async def update_action(caller: Caller, lab_id: UUID, action_id: int,
                        data: ActionIn) -> Action:
    _known_id(action_id)
    row = await _editable(caller, lab_id)
    values = _action_values(data)
    return await _save_action(caller, row, action_id, values)


async def set_action_status(caller: Caller, lab_id: UUID, action_id: int,
                            status: str) -> Action:
    _known_id(action_id)
    row = await _editable(caller, lab_id)
    if status not in ACTION_STATUSES:
        raise InvalidInput({"status": _("Choose to do, in progress or done.")})
    return await _save_action(caller, row, action_id, {"status": status})


async def _save_action(caller: Caller, row: dict[str, Any], action_id: int,
                       values: dict[str, Any]) -> Action:
    lab_id = row["id"]
    async with transaction():
        changed = await LabAction.update(
            {**{getattr(LabAction, k): v for k, v in values.items()},
             LabAction.updated_at: now()}).where(
            (LabAction.id == action_id) & (LabAction.lab == lab_id)).returning(LabAction.id)
        if not changed:
            raise NotFoundException()
        await audit.record("lab.action_updated", caller.user_id, row["company"],
                           lab_id=str(lab_id), action_id=action_id,
                           status=values.get("status", ""))
    return await _action_of(lab_id, action_id)


async def _action_of(lab_id: UUID, action_id: int) -> Action:
    found = await LabAction.select().where(
        (LabAction.id == action_id) & (LabAction.lab == lab_id)).first()
    if found is None:
        raise NotFoundException()
    return _action(found)


def _action_values(data: ActionIn) -> dict[str, Any]:
    errors = {}
    title, owner = " ".join(data.title.split()), " ".join(data.owner.split())
    if not title or len(title) > 300:
        errors["title"] = _("Describe the action (at most 300 characters).")
    if len(owner) > 200:
        errors["owner"] = _("At most 200 characters.")
    if data.status not in ACTION_STATUSES:
        errors["status"] = _("Choose to do, in progress or done.")
    if errors:
        raise InvalidInput(errors)
    return {"title": title, "owner": owner, "due_on": data.due_on, "status": data.status}


# The follow-up pulse ---------------------------------------------------------------------------


async def start_pulse(caller: Caller, lab_id: UUID, data: PulseStart) -> UUID:
    """Start a follow-up pulse wave for the lab (see `community.lab_pulse`)."""
    row = await _editable(caller, lab_id)
    if not lab_pulse.may_start(caller, row):
        raise PermissionDeniedException()
    return await lab_pulse.start(caller, row, data)


async def pulse_plan(caller: Caller, lab_id: UUID) -> lab_pulse.Plan:
    """What a pulse of the lab would ask and whom, for the pulse page."""
    row = await _editable(caller, lab_id)
    return await lab_pulse.plan(row)


# Membership: /me/labs ----------------------------------------------------------------------------


def member_key(lab_id: UUID, user_id: UUID) -> str:
    return hashlib.sha256(f"{lab_id}:{user_id}".encode()).hexdigest()


async def my_labs(caller: Caller) -> list[MyLab]:
    """The active labs open to the caller, and any other they belong to."""
    rows = await (await _person_view(caller)).order_by(Lab.title)
    joined = await _joined(caller, [row["id"] for row in rows])
    shown = [row for row in rows if row["status"] == "active" or row["id"] in joined]
    return await _my_labs(shown, joined)


async def my_lab(caller: Caller, lab_id: UUID) -> MyLab:
    row = await _my_row(caller, lab_id)
    [found] = await _my_labs([row], await _joined(caller, [lab_id]))
    return found


async def join_lab(caller: Caller, lab_id: UUID) -> MyLab:
    """Join a lab open to the caller; joining twice changes nothing. Reads no survey data."""
    row = await _my_row(caller, lab_id)
    if row["status"] != "active":
        raise InvalidInput({"lab": _("This lab has closed: it takes no new members.")})
    async with transaction():
        await LabMember.insert(LabMember(lab=lab_id, user=caller.user_id,
                                         member_key=member_key(lab_id, caller.user_id))
                               ).on_conflict(target=LabMember.member_key, action="DO NOTHING")
    return await my_lab(caller, lab_id)


async def leave_lab(caller: Caller, lab_id: UUID) -> MyLab:
    """Leave a lab: as easy as joining, and possible also once it has closed."""
    await _my_row(caller, lab_id)
    async with transaction():
        await LabMember.delete().where(LabMember.member_key == member_key(lab_id,
                                                                          caller.user_id))
    return await my_lab(caller, lab_id)


async def _my_row(caller: Caller, lab_id: UUID) -> dict[str, Any]:
    row = await (await _person_view(caller)).where(Lab.id == lab_id).first()
    if row is None:
        raise NotFoundException()
    return row  # type: ignore[no-any-return]


async def _joined(caller: Caller, lab_ids: list[UUID]) -> set[UUID]:
    keys = [member_key(lab_id, caller.user_id) for lab_id in lab_ids]
    if not keys:
        return set()
    rows = await LabMember.select(LabMember.lab).where(LabMember.member_key.is_in(keys))
    return {row["lab"] for row in rows}


async def _my_labs(rows: list[dict[str, Any]], joined: set[UUID]) -> list[MyLab]:
    ids = [row["id"] for row in rows]
    members = await _member_counts(ids)
    ahead: dict[UUID, list[Meeting]] = {}
    if ids:
        meetings = await LabMeeting.select().where(
            LabMeeting.lab.is_in(ids) & (LabMeeting.starts_at >= now())).order_by(
            LabMeeting.starts_at)
        for meeting in meetings:
            mine = ahead.setdefault(meeting["lab"], [])
            if len(mine) < MAX_AHEAD:  # date and place: the notes are the lab's own
                mine.append(Meeting(meeting["id"], meeting["starts_at"], meeting["place"], ""))
    return [MyLab(
        id=row["id"], title=row["title"], scope=row["scope"],
        company_name=row["company.name"] or "", town=row["town"], status=row["status"],
        facilitator_name=row["facilitator.name"] or "", agenda=_agenda_of(row),
        members=shown_count(members.get(row["id"], 0), False), joined=row["id"] in joined,
        meetings_ahead=ahead.get(row["id"], []), actions=await _actions(row["id"]),
        past_meetings=await _past_meetings(row["id"]) if row["id"] in joined else [],
        pulse_state=await lab_pulse.pulse_state(row)) for row in rows]


async def _past_meetings(lab_id: UUID) -> list[Meeting]:
    """The lab's meetings held, latest first, with their notes: what /me promises its
    members ("follow what the labs decide")."""
    rows = await LabMeeting.select().where(
        (LabMeeting.lab == lab_id) & (LabMeeting.starts_at < now())).order_by(
        LabMeeting.starts_at, ascending=False)
    return [_meeting(row) for row in rows]


def local_time(moment: datetime) -> datetime:
    """A stored moment as people in Italy read it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ITALY)
    return moment.astimezone(ITALY)
