"""Civic Center activities in the JSON API: what the operator's pages offer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post

from app.web.context import caller_of
from app.web.downloads import CSV, DOCX, download
from civic.activities import (
    report as center_report,
)
from civic.activities import (
    roster as activity_roster,
)
from civic.activities import (
    service as activities,
)
from civic.activities.pages import activity_staff
from civic.activities.schemas import (
    ActivityCreate,
    ActivityInfo,
    ActivityRoster,
    ActivityUpdate,
    CenterChoice,
)

Req = Request[Any, Any, Any]


class ActivityController(Controller):
    path = "/api/v1/activities"
    guards = [activity_staff]
    tags = ["activities"]

    @get()
    async def list_activities(self, request: Req, center_id: UUID | None = None,
                              status: str | None = None) -> list[ActivityInfo]:
        """The activities the caller manages (program staff: all; filter by Civic Center)."""
        return await activities.list_activities(caller_of(request), center_id, status)

    @post()
    async def create_activity(self, request: Req, data: ActivityCreate) -> ActivityInfo:
        return await activities.create_activity(caller_of(request), data)

    @get("/{activity_id:uuid}")
    async def get_activity(self, request: Req, activity_id: UUID) -> ActivityInfo:
        return await activities.get_activity(caller_of(request), activity_id)

    @patch("/{activity_id:uuid}")
    async def update_activity(self, request: Req, activity_id: UUID,
                              data: ActivityUpdate) -> ActivityInfo:
        """Change the fields given; `capacity` cannot go below the places taken."""
        return await activities.update_activity(caller_of(request), activity_id, data)

    @post("/{activity_id:uuid}/publish", status_code=200)
    async def publish(self, request: Req, activity_id: UUID) -> ActivityInfo:
        return await activities.publish_activity(caller_of(request), activity_id)

    @post("/{activity_id:uuid}/close", status_code=200)
    async def close(self, request: Req, activity_id: UUID) -> ActivityInfo:
        return await activities.close_activity(caller_of(request), activity_id)

    @get("/{activity_id:uuid}/roster")
    async def roster(self, request: Req, activity_id: UUID) -> ActivityRoster:
        """Enrolled pupils and the waitlist: first name, class, whom to call."""
        return await activity_roster.activity_roster(caller_of(request), activity_id)

    @get("/{activity_id:uuid}/roster.csv", media_type=CSV)
    async def roster_csv(self, request: Req, activity_id: UUID) -> Response[bytes]:
        filename, data = await activity_roster.roster_csv(caller_of(request), activity_id)
        return download(filename, data, CSV)


class CivicCenterController(Controller):
    path = "/api/v1/civic-centers"
    guards = [activity_staff]
    tags = ["activities"]

    @get()
    async def list_centers(self, request: Req) -> list[CenterChoice]:
        """The Civic Centers the caller publishes activities for."""
        return await activities.center_choices(caller_of(request))

    @get("/{center_id:uuid}/report.docx", media_type=DOCX)
    async def report(self, request: Req, center_id: UUID) -> Response[bytes]:
        """The Civic Center's Word report: activities, places, waitlists, pupils reached."""
        filename, data = await center_report.center_report(caller_of(request), center_id)
        return download(filename, data, DOCX)
