"""Onboarding pages: the portal's home, a company's overview, the HR manager's six-step
wizard, and the program staff's pages to invite, suspend and reactivate companies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from app.auth.caller import PROGRAM_STAFF, Caller
from app.auth.guards import roles
from app.errors import InvalidInput
from app.i18n import _
from app.roles import HR_MANAGER
from app.web.context import caller_of, form_of
from company_portal.onboarding import service as onboarding
from company_portal.onboarding.rules import status_label
from company_portal.onboarding.schemas import (
    STEP_KEYS,
    CompanyDetails,
    HrClaimInput,
    IdentityProviderInput,
)

portal_user = roles(HR_MANAGER, *PROGRAM_STAFF)
program_staff = roles(*PROGRAM_STAFF)

# URL slug of each step page, and its template.
STEP_PAGES = {
    "details": "portal/onboarding_details.html",
    "provider": "portal/onboarding_provider.html",
    "test": "portal/onboarding_test.html",
    "hr-claim": "portal/onboarding_hr_claim.html",
    "roster": "portal/onboarding_roster.html",
    "activation": "portal/onboarding_activation.html",
}
SLUGS = dict(zip(STEP_KEYS, STEP_PAGES, strict=True))

Form = dict[str, str]
Action = Callable[[Caller, UUID, Form], Awaitable[Any]]


def step_title(key: str) -> str:
    return {
        "details": _("Company details"),
        "provider": _("Identity provider"),
        "test": _("Test the connection"),
        "hr_claim": _("Who is an HR manager"),
        "roster": _("Roster"),
        "activation": _("Activation"),
    }[key]


def state_label(state: str) -> str:
    return {
        "done": _("Done"),
        "todo": _("To do"),
        "optional": _("Optional"),
        "not_needed": _("Not needed"),
    }[state]


def _helpers() -> dict[str, Any]:
    return {"status_label": status_label, "step_title": step_title,
            "state_label": state_label, "slugs": SLUGS}


class PortalPages(Controller):
    """The HR manager's portal; program staff may open every company's."""

    path = "/portal"
    guards = [portal_user]
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        companies = await onboarding.list_companies(caller_of(request))
        return Template("portal/onboarding_companies.html",
                        context={**_helpers(), "companies": companies})

    @get("/{organization_id:uuid}")
    async def company(self, request: Request[Any, Any, Any], organization_id: UUID) -> Template:
        state = await onboarding.wizard_state(caller_of(request), organization_id)
        return Template("portal/onboarding_company.html", context={**_helpers(), "state": state})

    @get("/{organization_id:uuid}/onboarding")
    async def overview(self, request: Request[Any, Any, Any],
                       organization_id: UUID) -> Template:
        state = await onboarding.wizard_state(caller_of(request), organization_id)
        return Template("portal/onboarding.html", context={
            **_helpers(), "state": state, "saved": request.query_params.get("saved", "")})

    @get("/{organization_id:uuid}/onboarding/{step:str}")
    async def step(self, request: Request[Any, Any, Any], organization_id: UUID,
                   step: str) -> Template:
        return await _step_page(request, organization_id, step, {}, {})

    @post("/{organization_id:uuid}/onboarding/{step:str}")
    async def submit(self, request: Request[Any, Any, Any], organization_id: UUID,
                     step: str) -> Any:
        if step not in ACTIONS:
            raise NotFoundException()
        page, action = ACTIONS[step]
        form = await form_of(request)
        try:
            await action(caller_of(request), organization_id, form)
        except InvalidInput as invalid:
            form.pop("client_secret", None)  # a secret is never written back into a page
            return await _step_page(request, organization_id, page, form, invalid.errors)
        return Redirect(f"/portal/{organization_id}/onboarding?saved={page}", status_code=303)


async def _step_page(request: Request[Any, Any, Any], organization_id: UUID, step: str,
                     form: Form, errors: dict[str, str]) -> Template:
    if step not in STEP_PAGES:
        raise NotFoundException()
    state = await onboarding.wizard_state(caller_of(request), organization_id)
    back = f"/portal/{organization_id}/onboarding/test"
    test_url = f"/auth/oidc/test/{organization_id}?{urlencode({'next': back})}"
    return Template(STEP_PAGES[step], status_code=422 if errors else 200, context={
        **_helpers(), "state": state, "form": form, "errors": errors, "test_url": test_url})


async def _save_details(caller: Caller, organization_id: UUID, form: Form) -> Any:
    data = CompanyDetails(name=form.get("name", ""), town=form.get("town", ""))
    return await onboarding.update_details(caller, organization_id, data)


async def _save_provider(caller: Caller, organization_id: UUID, form: Form) -> Any:
    data = IdentityProviderInput(issuer=form.get("issuer", ""),
                                 client_id=form.get("client_id", ""),
                                 client_secret=form.get("client_secret", ""))
    return await onboarding.save_identity_provider(caller, organization_id, data)


async def _choose_links(caller: Caller, organization_id: UUID, form: Form) -> Any:
    return await onboarding.choose_signin_links(caller, organization_id)


async def _save_hr_claim(caller: Caller, organization_id: UUID, form: Form) -> Any:
    data = HrClaimInput(claim=form.get("claim", ""), value=form.get("value", ""),
                        scope=form.get("scope", ""))
    return await onboarding.save_hr_claim(caller, organization_id, data)


async def _activate(caller: Caller, organization_id: UUID, form: Form) -> Any:
    return await onboarding.activate(caller, organization_id)


# Form action of each step: (page shown again on errors, service call).
ACTIONS: dict[str, tuple[str, Action]] = {
    "details": ("details", _save_details),
    "provider": ("provider", _save_provider),
    "signin-links": ("provider", _choose_links),
    "hr-claim": ("hr-claim", _save_hr_claim),
    "activation": ("activation", _activate),
}


class CompanyAdminPages(Controller):
    """Program staff: invite a company, follow its onboarding, suspend or reactivate it."""

    path = "/admin/companies"
    guards = [program_staff]
    include_in_schema = False

    @get("/")
    async def companies(self, request: Request[Any, Any, Any]) -> Template:
        companies = await onboarding.list_companies(caller_of(request))
        return Template("admin/companies.html", context={**_helpers(), "companies": companies})

    @get("/new")
    async def new_form(self) -> Template:
        return Template("admin/company_new.html", context={"form": {}, "errors": {}})

    @post("/new")
    async def invite(self, request: Request[Any, Any, Any]) -> Any:
        form = await form_of(request)
        domains = [d for d in form.get("domains", "").replace(",", " ").split() if d]
        try:
            company = await onboarding.invite_company(
                caller_of(request), form.get("name", ""), form.get("town", ""), domains,
                form.get("hr_email", ""), form.get("hr_name", ""))
        except InvalidInput as invalid:
            return Template("admin/company_new.html", status_code=422,
                            context={"form": form, "errors": invalid.errors})
        return Redirect(f"/admin/companies/{company.id}?done=invited", status_code=303)

    @get("/{organization_id:uuid}")
    async def company(self, request: Request[Any, Any, Any], organization_id: UUID) -> Template:
        state = await onboarding.wizard_state(caller_of(request), organization_id)
        return Template("admin/company.html", context={
            **_helpers(), "state": state, "done": request.query_params.get("done", "")})

    @post("/{organization_id:uuid}/suspend")
    async def suspend(self, request: Request[Any, Any, Any], organization_id: UUID) -> Redirect:
        await onboarding.suspend(caller_of(request), organization_id)
        return Redirect(f"/admin/companies/{organization_id}?done=suspended", status_code=303)

    @post("/{organization_id:uuid}/reactivate")
    async def reactivate(self, request: Request[Any, Any, Any],
                         organization_id: UUID) -> Redirect:
        await onboarding.reactivate(caller_of(request), organization_id)
        return Redirect(f"/admin/companies/{organization_id}?done=reactivated",
                        status_code=303)
