"""Labs in the JSON API: /api/v1/labs for program staff and HR managers, /api/v1/me/labs
for employees. The same rules as the pages; out of reach answers 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.web.context import caller_of
from app.web.downloads import DOCX, download
from community.labs import report as lab_report
from community.labs import service as labs
from community.labs.schemas import (
    Action,
    ActionIn,
    ActionStatusIn,
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
    PulseStart,
)
from community.taxonomy.needs import client_needs_refused

Req = Request[Any, Any, Any]


class LabController(Controller):
    path = "/api/v1/labs"
    guards = [signed_in]
    tags = ["labs"]

    @get()
    async def list_labs(self, request: Req) -> list[LabSummary]:
        """Labs the caller reaches: every lab for program staff; for an HR manager the
        workplace labs of their company and the town labs of its town."""
        return await labs.list_labs(caller_of(request))

    @post()
    async def create_lab(self, request: Req, data: LabCreate) -> LabDetail:
        """Create a lab (HR managers: a workplace lab of their own company). Needs are
        never taken from the body: a lab made from needs comes from /api/v1/proposals."""
        if data.needs:
            raise InvalidInput({"needs": client_needs_refused()})
        caller = caller_of(request)
        return await labs.get_lab(caller, await labs.create_lab(caller, data))

    @get("/{lab_id:uuid}")
    async def get_lab(self, request: Req, lab_id: UUID) -> LabDetail:
        return await labs.get_lab(caller_of(request), lab_id)

    @put("/{lab_id:uuid}")
    async def update_lab(self, request: Req, lab_id: UUID, data: LabUpdate) -> LabDetail:
        return await labs.update_lab(caller_of(request), lab_id, data)

    @post("/{lab_id:uuid}/meetings")
    async def add_meeting(self, request: Req, lab_id: UUID, data: MeetingIn) -> Meeting:
        return await labs.add_meeting(caller_of(request), lab_id, data)

    @put("/{lab_id:uuid}/meetings/{meeting_id:int}")
    async def update_meeting(self, request: Req, lab_id: UUID, meeting_id: int,
                             data: MeetingIn) -> Meeting:
        return await labs.update_meeting(caller_of(request), lab_id, meeting_id, data)

    @put("/{lab_id:uuid}/meetings/{meeting_id:int}/attendance", status_code=204)
    async def attendance(self, request: Req, lab_id: UUID, meeting_id: int,
                         data: AttendanceIn) -> None:
        """Who of the lab's members and guests came (program staff)."""
        await labs.record_attendance(caller_of(request), lab_id, meeting_id, data)

    @post("/{lab_id:uuid}/guests")
    async def add_guest(self, request: Req, lab_id: UUID, data: GuestIn) -> Guest:
        """A participant who is not an employee (program staff)."""
        return await labs.add_guest(caller_of(request), lab_id, data)

    @delete("/{lab_id:uuid}/guests/{guest_id:int}", status_code=204)
    async def remove_guest(self, request: Req, lab_id: UUID, guest_id: int) -> None:
        await labs.remove_guest(caller_of(request), lab_id, guest_id)

    @post("/{lab_id:uuid}/actions")
    async def add_action(self, request: Req, lab_id: UUID, data: ActionIn) -> Action:
        return await labs.add_action(caller_of(request), lab_id, data)

    @put("/{lab_id:uuid}/actions/{action_id:int}")
    async def update_action(self, request: Req, lab_id: UUID, action_id: int,
                            data: ActionIn) -> Action:
        return await labs.update_action(caller_of(request), lab_id, action_id, data)

    @post("/{lab_id:uuid}/actions/{action_id:int}/status", status_code=200)
    async def action_status(self, request: Req, lab_id: UUID, action_id: int,
                            data: ActionStatusIn) -> Action:
        return await labs.set_action_status(caller_of(request), lab_id, action_id, data.status)

    @post("/{lab_id:uuid}/pulse")
    async def start_pulse(self, request: Req, lab_id: UUID, data: PulseStart) -> LabDetail:
        """Start the follow-up pulse wave; the lab then carries it in `pulse`."""
        caller = caller_of(request)
        await labs.start_pulse(caller, lab_id, data)
        return await labs.get_lab(caller, lab_id)

    @get("/{lab_id:uuid}/report.docx", media_type=DOCX)
    async def report(self, request: Req, lab_id: UUID) -> Response[bytes]:
        """The lab report in Word."""
        name, data = await lab_report.lab_report(caller_of(request), lab_id)
        return download(name, data)


class MyLabController(Controller):
    path = "/api/v1/me/labs"
    guards = [signed_in]
    tags = ["labs"]

    @get()
    async def my_labs(self, request: Req) -> list[MyLab]:
        """Labs open to the signed-in person: their company's and their town's."""
        return await labs.my_labs(caller_of(request))

    @get("/{lab_id:uuid}")
    async def my_lab(self, request: Req, lab_id: UUID) -> MyLab:
        return await labs.my_lab(caller_of(request), lab_id)

    @post("/{lab_id:uuid}/join", status_code=200)
    async def join(self, request: Req, lab_id: UUID) -> MyLab:
        return await labs.join_lab(caller_of(request), lab_id)

    @post("/{lab_id:uuid}/leave", status_code=200)
    async def leave(self, request: Req, lab_id: UUID) -> MyLab:
        return await labs.leave_lab(caller_of(request), lab_id)
