"""The JSON API under /api/v1: the same actions as the pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Router, get, post

from app import organizations
from app.auth.guards import program_admin, signed_in
from app.outbox import failed_jobs, job_counts, retry_jobs
from app.schemas import (
    FailedJob,
    JobOverview,
    JobRetry,
    Me,
    Member,
    MemberInvite,
    Organization,
    OrganizationCreate,
)
from app.web.context import caller_of


class MeController(Controller):
    path = "/me"
    tags = ["account"]

    @get()
    async def me(self, request: Request[Any, Any, Any]) -> Me:
        caller = caller_of(request)
        return Me(caller.user_id, caller.email, caller.name, caller.language, [
            {"organization_id": str(g.organization_id), "organization": g.organization_name,
             "kind": g.organization_kind, "role": g.role} for g in caller.grants])


class OrganizationController(Controller):
    path = "/organizations"
    tags = ["organizations"]

    @get()
    async def list_organizations(self, request: Request[Any, Any, Any],
                                 kind: str | None = None) -> list[Organization]:
        return await organizations.list_organizations(caller_of(request), kind)

    @post(guards=[program_admin])
    async def create_organization(self, request: Request[Any, Any, Any],
                                  data: OrganizationCreate) -> Organization:
        return await organizations.create_organization(caller_of(request), data)

    @get("/{organization_id:uuid}")
    async def get_organization(self, request: Request[Any, Any, Any],
                               organization_id: UUID) -> Organization:
        return await organizations.get_organization(caller_of(request), organization_id)

    @get("/{organization_id:uuid}/members")
    async def list_members(self, request: Request[Any, Any, Any],
                           organization_id: UUID) -> list[Member]:
        return await organizations.list_members(caller_of(request), organization_id)

    @post("/{organization_id:uuid}/members", guards=[program_admin])
    async def invite_member(self, request: Request[Any, Any, Any], organization_id: UUID,
                            data: MemberInvite) -> Member:
        return await organizations.invite_member(caller_of(request), organization_id, data)


class JobController(Controller):
    path = "/jobs"
    tags = ["jobs"]
    guards = [program_admin]

    @get()
    async def overview(self) -> JobOverview:
        failed = [FailedJob(**row) for row in await failed_jobs()]
        return JobOverview(**await job_counts(), failed_jobs=failed)

    @get("/failed")
    async def failed(self) -> list[FailedJob]:
        return [FailedJob(**row) for row in await failed_jobs()]

    @post("/retry", status_code=200)
    async def retry(self, request: Request[Any, Any, Any], data: JobRetry) -> dict[str, list[int]]:
        """Run failed jobs again (the given ids, or all); answers the ids queued again."""
        return {"queued": await retry_jobs(caller_of(request).user_id, data.ids)}


api_router = Router(path="/api/v1", guards=[signed_in],
                    route_handlers=[MeController, OrganizationController, JobController])
