"""The program admin's pages: organizations, their members, jobs that keep failing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Redirect, Template

from app import organizations
from app.auth.guards import program_admin
from app.errors import InvalidInput
from app.organizations import ROLES_BY_KIND, kind_label, role_label
from app.outbox import failed_jobs, job_counts, retry_jobs
from app.schemas import MemberInvite, OrganizationCreate
from app.tables import ORG_KINDS
from app.web.context import caller_of, form_of


def _common() -> dict[str, Any]:
    return {"kinds": ORG_KINDS, "kind_label": kind_label, "role_label": role_label,
            "roles_by_kind": ROLES_BY_KIND}


class AdminPages(Controller):
    path = "/admin"
    guards = [program_admin]
    include_in_schema = False

    @get("/organizations")
    async def organizations_page(self, request: Request[Any, Any, Any]) -> Template:
        orgs = await organizations.list_organizations(caller_of(request))
        return Template("admin/organizations.html",
                        context={**_common(), "organizations": orgs, "form": {}, "errors": {}})

    @post("/organizations", media_type=MediaType.HTML)
    async def organization_create(self, request: Request[Any, Any, Any]) -> Any:
        caller = caller_of(request)
        form = await form_of(request)
        data = OrganizationCreate(
            kind=form.get("kind", ""), name=form.get("name", ""), town=form.get("town", ""),
            domains=[d for d in form.get("domains", "").replace(",", " ").split() if d],
        )
        try:
            org = await organizations.create_organization(caller, data)
        except InvalidInput as invalid:
            orgs = await organizations.list_organizations(caller)
            return Template("admin/organizations.html", status_code=422, context={
                **_common(), "organizations": orgs, "form": form, "errors": invalid.errors})
        return Redirect(f"/admin/organizations/{org.id}?created=1", status_code=303)

    @get("/organizations/{organization_id:uuid}")
    async def organization_page(self, request: Request[Any, Any, Any],
                                organization_id: UUID) -> Template:
        return await self._organization(request, organization_id, {}, {})

    @post("/organizations/{organization_id:uuid}/members", media_type=MediaType.HTML)
    async def member_invite(self, request: Request[Any, Any, Any], organization_id: UUID) -> Any:
        form = await form_of(request)
        data = MemberInvite(email=form.get("email", ""), role=form.get("role", ""),
                            name=form.get("name", ""))
        try:
            await organizations.invite_member(caller_of(request), organization_id, data)
        except InvalidInput as invalid:
            return await self._organization(request, organization_id, form, invalid.errors)
        return Redirect(f"/admin/organizations/{organization_id}?invited=1", status_code=303)

    @get("/jobs")
    async def jobs_page(self, request: Request[Any, Any, Any]) -> Template:
        return Template("admin/jobs.html", context={
            "jobs": await failed_jobs(), "counts": await job_counts(),
            "retried": request.query_params.get("retried", "")})

    @post("/jobs/retry", media_type=MediaType.HTML)
    async def jobs_retry(self, request: Request[Any, Any, Any]) -> Redirect:
        """Run one failed job again (`job`), or all of them."""
        form = await form_of(request)
        ids = [int(form["job"])] if form.get("job", "").isdigit() else None
        queued = await retry_jobs(caller_of(request).user_id, ids)
        return Redirect(f"/admin/jobs?retried={len(queued)}", status_code=303)

    async def _organization(self, request: Request[Any, Any, Any], organization_id: UUID,
                            form: dict[str, str], errors: dict[str, str]) -> Template:
        caller = caller_of(request)
        org = await organizations.get_organization(caller, organization_id)
        members = await organizations.list_members(caller, organization_id)
        return Template("admin/organization.html", status_code=422 if errors else 200, context={
            **_common(), "org": org, "members": members, "form": form, "errors": errors,
            "created": "created" in request.query_params,
            "invited": "invited" in request.query_params})
