"""The onboarding JSON API under /api/v1/companies: what the wizard's pages do.

No answer ever carries a client secret: identity-provider settings say only whether a
secret is stored, and since when.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post, put

from app.auth.guards import signed_in
from app.web.context import caller_of
from company_portal.onboarding import service as onboarding
from company_portal.onboarding.pages import program_staff
from company_portal.onboarding.schemas import (
    Company,
    CompanyDetails,
    CompanyInvite,
    HrClaimInput,
    IdentityProviderInput,
    WizardState,
)

Req = Request[Any, Any, Any]


class CompanyController(Controller):
    path = "/api/v1/companies"
    guards = [signed_in]
    tags = ["companies"]

    @get()
    async def list_companies(self, request: Req) -> list[Company]:
        return await onboarding.list_companies(caller_of(request))

    @post(guards=[program_staff])
    async def invite_company(self, request: Req, data: CompanyInvite) -> Company:
        return await onboarding.invite_company(caller_of(request), data.name, data.town,
                                               data.domains, data.hr_email, data.hr_name)

    @get("/{organization_id:uuid}")
    async def get_state(self, request: Req, organization_id: UUID) -> WizardState:
        return await onboarding.wizard_state(caller_of(request), organization_id)

    @put("/{organization_id:uuid}/details")
    async def update_details(self, request: Req, organization_id: UUID,
                             data: CompanyDetails) -> WizardState:
        return await onboarding.update_details(caller_of(request), organization_id, data)

    @put("/{organization_id:uuid}/identity-provider")
    async def save_identity_provider(self, request: Req, organization_id: UUID,
                                     data: IdentityProviderInput) -> WizardState:
        return await onboarding.save_identity_provider(caller_of(request), organization_id,
                                                       data)

    @post("/{organization_id:uuid}/signin-links", status_code=200)
    async def choose_signin_links(self, request: Req, organization_id: UUID) -> WizardState:
        return await onboarding.choose_signin_links(caller_of(request), organization_id)

    @put("/{organization_id:uuid}/hr-claim")
    async def save_hr_claim(self, request: Req, organization_id: UUID,
                            data: HrClaimInput) -> WizardState:
        return await onboarding.save_hr_claim(caller_of(request), organization_id, data)

    @post("/{organization_id:uuid}/activate", status_code=200)
    async def activate(self, request: Req, organization_id: UUID) -> WizardState:
        return await onboarding.activate(caller_of(request), organization_id)

    @post("/{organization_id:uuid}/suspend", status_code=200, guards=[program_staff])
    async def suspend(self, request: Req, organization_id: UUID) -> WizardState:
        return await onboarding.suspend(caller_of(request), organization_id)

    @post("/{organization_id:uuid}/reactivate", status_code=200, guards=[program_staff])
    async def reactivate(self, request: Req, organization_id: UUID) -> WizardState:
        return await onboarding.reactivate(caller_of(request), organization_id)
