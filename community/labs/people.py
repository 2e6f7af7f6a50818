"""Who takes part in a lab beyond its employee members, and who came to each meeting.

A town lab brings residents, volunteers of associations and council officers who have no
account: program staff add them as guests (`LabGuest`, a name, a kind, an organization)
and record, per meeting, which members and guests came (`LabAttendance`). Names stay with
program staff, as members' names do; anyone else sees how many came, from
`app.places.SMALL` up.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException, PermissionDeniedException

from app import audit
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.places import shown_count
from app.values import as_uuid
from community.labs.schemas import GUEST_KINDS, Attendance, AttendanceIn, Guest, GuestIn, Person
from community.tables import LabAttendance, LabGuest, LabMeeting, LabMember

MAX_ROW_ID = 2**63 - 1


def _staff(caller: Caller) -> None:
    if not caller.is_program_staff:
        raise PermissionDeniedException()  # names are program staff's only


async def guests(lab_id: UUID) -> list[Guest]:
    rows = await LabGuest.select().where(LabGuest.lab == lab_id).order_by(LabGuest.name)
    return [Guest(r["id"], r["name"], r["kind"], r["organization"]) for r in rows]


async def members(lab_id: UUID) -> list[Person]:
    rows = await LabMember.select(LabMember.user, LabMember.user.name,
                                  LabMember.user.email).where(LabMember.lab == lab_id)
    return sorted((Person(as_uuid(r["user"]), r["user.name"] or r["user.email"] or "")
                   for r in rows), key=lambda p: p.name)


async def add_guest(caller: Caller, row: dict[str, Any], data: GuestIn) -> Guest:
    """Add a participant who is not an employee (program staff)."""
    _staff(caller)
    name, organization = data.name.strip(), data.organization.strip()
    errors = {}
    if not 2 <= len(name) <= 200:
        errors["name"] = _("Write the person's name (2 to 200 characters).")
    if data.kind not in GUEST_KINDS:
        errors["kind"] = _("Choose who the person is from the list.")
    if len(organization) > 200:
        errors["organization"] = _("At most %(max)s characters.") % {"max": 200}
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        guest = LabGuest(lab=row["id"], name=name, kind=data.kind, organization=organization)
        await guest.save()
        await audit.record("lab.guest_added", caller.user_id, row["company"],
                           lab_id=str(row["id"]), guest_id=guest.id)
    return Guest(guest.id, name, data.kind, organization)


async def remove_guest(caller: Caller, row: dict[str, Any], guest_id: int) -> None:
    _staff(caller)
    if not 0 < guest_id <= MAX_ROW_ID:
        raise NotFoundException()
    async with transaction():
        gone = await LabGuest.delete().where(
            (LabGuest.id == guest_id) & (LabGuest.lab == row["id"])).returning(LabGuest.id)
        if not gone:
            raise NotFoundException()
        await audit.record("lab.guest_removed", caller.user_id, row["company"],
                           lab_id=str(row["id"]), guest_id=guest_id)


async def record_attendance(caller: Caller, row: dict[str, Any], meeting_id: int,
                            data: AttendanceIn) -> None:
    """Who came to a meeting: the lab's members and guests only; replaces what was
    recorded before (program staff)."""
    _staff(caller)
    lab_id = row["id"]
    if not 0 < meeting_id <= MAX_ROW_ID or not await LabMeeting.exists().where(
            (LabMeeting.id == meeting_id) & (LabMeeting.lab == lab_id)):
        raise NotFoundException()
    known_users = {p.id for p in await members(lab_id)}
    known_guests = {g.id for g in await guests(lab_id)}
    if not set(data.user_ids) <= known_users or not set(data.guest_ids) <= known_guests:
        raise InvalidInput({"attendance": _("Choose people of this lab.")})
    async with transaction():
        await LabAttendance.delete().where(LabAttendance.meeting == meeting_id)
        for user in dict.fromkeys(data.user_ids):
            await LabAttendance(meeting=meeting_id, user=user).save()
        for guest in dict.fromkeys(data.guest_ids):
            await LabAttendance(meeting=meeting_id, guest=guest).save()
        await audit.record("lab.attendance", caller.user_id, row["company"],
                           lab_id=str(lab_id), meeting_id=meeting_id,
                           people=len(set(data.user_ids)) + len(set(data.guest_ids)))


async def attendance(caller: Caller, lab_id: UUID) -> dict[int, Attendance]:
    """Per meeting, how many came (from SMALL up for anyone but program staff) and, for
    program staff, who."""
    meetings = [r["id"] for r in await LabMeeting.select(LabMeeting.id).where(
        LabMeeting.lab == lab_id)]
    if not meetings:
        return {}
    rows = await LabAttendance.select(
        LabAttendance.meeting, LabAttendance.user, LabAttendance.guest).where(
        LabAttendance.meeting.is_in(meetings))
    found: dict[int, Attendance] = {}
    for meeting in meetings:
        mine = [r for r in rows if r["meeting"] == meeting]
        staff = caller.is_program_staff
        found[meeting] = Attendance(
            count=shown_count(len(mine), staff),
            user_ids=[as_uuid(r["user"]) for r in mine if r["user"]] if staff else None,
            guest_ids=[r["guest"] for r in mine if r["guest"]] if staff else None)
    return found

