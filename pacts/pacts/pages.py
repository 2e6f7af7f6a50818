"""The community maker's pages: caseload, referral, the pact with its assessment,
versions, acceptance on paper and closure, and the pact's access log.

Plain forms, no script needed. A pact out of reach answers 404 on every route.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import LANGUAGE_NAMES, _
from app.web.context import caller_of, form_of
from pacts.access import service as access
from pacts.consents.service import consent_texts, legal_basis, purpose_labels
from pacts.links import service as goal_links
from pacts.pacts import service
from pacts.pacts.schemas import (
    AREAS,
    LINK_KINDS,
    AreaIn,
    Closure,
    Commitment,
    ExpectedResult,
    Goal,
    PactContent,
    ReferralIn,
    area_labels,
    closure_labels,
    outcome_labels,
    source_labels,
)

Req = Request[Any, Any, Any]
GOAL_ROWS = 3
RESULT_ROWS = 2
COMMITMENT_ROWS = 4






def progress_labels() -> dict[str, str]:
    return {"not_started": _("Not started"), "started": _("Under way"),
            "reached": _("Reached")}


def helpers() -> dict[str, Any]:
    return {"areas": area_labels(), "sources": source_labels(),
            "closures": closure_labels(), "outcomes": outcome_labels(),
            "language_names": LANGUAGE_NAMES, "goal_rows": GOAL_ROWS,
            "result_rows": RESULT_ROWS, "commitment_rows": COMMITMENT_ROWS}


def _date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput({field: _("Write a date like 2026-03-31.")}) from None


def referral_of(form: dict[str, str]) -> ReferralIn:
    consent = _date(form.get("source_consent_on", ""), "source_consent_on")
    if consent is None:
        raise InvalidInput({"source_consent_on": _(
            "Record the day the person consented at the source: without it no pact opens.")})
    return ReferralIn(
        holder_name=form.get("holder_name", ""), source=form.get("source", ""),
        source_consent_on=consent, contact_email=form.get("contact_email", ""),
        language=form.get("language", "it"), town=form.get("town", ""),
        household=form.get("household", ""), source_detail=form.get("source_detail", ""))


def content_of(form: dict[str, str]) -> PactContent:
    goals = []
    for i in range(GOAL_ROWS):
        results = [ExpectedResult(text=form.get(f"goal_{i}_result_{j}", ""),
                                  due=_date(form.get(f"goal_{i}_due_{j}", ""), "goals"))
                   for j in range(RESULT_ROWS)]
        link = goal_links.parse_choice(form.get(f"goal_{i}_link", ""))
        goals.append(Goal(text=form.get(f"goal_{i}", ""), results=results,
                          links=[link] if link else []))
    commitments = [Commitment(side=form.get(f"commitment_{k}_side", ""),
                              who=form.get(f"commitment_{k}_who", ""),
                              what=form.get(f"commitment_{k}_what", ""),
                              by=_date(form.get(f"commitment_{k}_by", ""), "commitments"))
                   for k in range(COMMITMENT_ROWS)]
    return PactContent(goals=goals, commitments=commitments,
                       supports=form.get("supports", "").splitlines(),
                       give_back=form.get("give_back", ""))


class PactPages(Controller):
    path = "/pacts"
    guards = [signed_in]
    include_in_schema = False

    @get("/", media_type=MediaType.HTML)
    async def caseload(self, request: Req) -> Template:
        caller = caller_of(request)
        items = await service.caseload(caller)
        teams = await access.teams_of(caller)
        return Template("pacts/caseload.html", context={
            "items": items, "teams": teams, "keeps_teams": caller.is_program_admin,
            "legal_basis": legal_basis(), **helpers()})

    @get("/new", media_type=MediaType.HTML)
    async def new(self, request: Req) -> Template:
        return await _new(request, {}, {})

    @post("/", media_type=MediaType.HTML)
    async def refer(self, request: Req) -> Any:
        form = await form_of(request)
        try:
            pact = await service.refer(caller_of(request), referral_of(form))
        except InvalidInput as invalid:
            return await _new(request, form, invalid.errors)
        return Redirect(f"/pacts/{pact.id}", status_code=303)

    @get("/{pact_id:uuid}", media_type=MediaType.HTML)
    async def pact(self, request: Req, pact_id: UUID) -> Template:
        return await pact_page(request, pact_id, {}, {})

    @post("/{pact_id:uuid}/assessment", media_type=MediaType.HTML)
    async def assessment(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        areas = {area: AreaIn(needs=form.get(f"{area}_needs", ""),
                              resources=form.get(f"{area}_resources", "")) for area in AREAS}
        return await change_then_show(request, pact_id, form, "assessment",
                             service.save_assessment(caller_of(request), pact_id, areas))

    @post("/{pact_id:uuid}/versions", media_type=MediaType.HTML)
    async def propose(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        try:
            content = content_of(form)
        except InvalidInput as invalid:
            return await pact_page(request, pact_id, form, invalid.errors)
        return await change_then_show(request, pact_id, form, "version",
                             service.propose_version(caller_of(request), pact_id, content))

    @post("/{pact_id:uuid}/accepted-on-paper", media_type=MediaType.HTML)
    async def accepted_on_paper(self, request: Req, pact_id: UUID) -> Any:
        return await change_then_show(request, pact_id, {}, "accepted",
                             service.accept_on_paper(caller_of(request), pact_id))

    @post("/{pact_id:uuid}/close", media_type=MediaType.HTML)
    async def close(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        data = Closure(reason=form.get("reason", ""), outcome=form.get("outcome", ""),
                       onward_referral=form.get("onward_referral", ""))
        return await change_then_show(request, pact_id, form, "closed",
                             service.close(caller_of(request), pact_id, data))

    @post("/{pact_id:uuid}/grants", media_type=MediaType.HTML)
    async def grant(self, request: Req, pact_id: UUID) -> Any:
        form = await form_of(request)
        return await change_then_show(request, pact_id, form, "granted",
                             access.grant(caller_of(request), pact_id, form.get("email", "")))

    @get("/{pact_id:uuid}/access-log", media_type=MediaType.HTML)
    async def access_log(self, request: Req, pact_id: UUID) -> Template:
        rows = await access.openings(caller_of(request), pact_id)
        return Template("pacts/access_log.html", context={
            "pact_id": pact_id, "rows": rows, **helpers()})


async def _new(request: Req, form: dict[str, str], errors: dict[str, str]) -> Template:
    caller = caller_of(request)
    if not await access.teams_of(caller):
        raise NotFoundException()
    return Template("pacts/new.html", status_code=422 if errors else 200, context={
        "form": form, "errors": errors, "today": date.today().isoformat(), **helpers()})


async def change_then_show(request: Req, pact_id: UUID, form: dict[str, str], done: str,
                           change: Any) -> Any:
    """Await a service's change, then show the pact (or the form again with its errors)."""
    try:
        await change
    except InvalidInput as invalid:
        return await pact_page(request, pact_id, form, invalid.errors)
    return Redirect(f"/pacts/{pact_id}?done={done}", status_code=303)


def result_names(pact: Any) -> dict[int, dict[str, str]]:
    """Each held review's progress keys ("goal.result" positions) named by the expected
    results of the version in force when it was held: the last accepted by then, else
    the newest written by then (as the review form read them)."""
    names = {}
    for review in pact.reviews:
        if review.held_at is None:
            continue
        accepted = [v for v in pact.versions
                    if v.accepted_at is not None and v.accepted_at <= review.held_at]
        written = [v for v in pact.versions if v.created_at <= review.held_at]
        version = max(accepted, key=lambda v: v.accepted_at, default=None) or max(
            written, key=lambda v: v.number, default=None)
        names[review.id] = {} if version is None else {
            f"{g}.{r}": result.text for g, goal in enumerate(version.content.goals)
            for r, result in enumerate(goal.results)}
    return names


async def pact_page(request: Req, pact_id: UUID, form: dict[str, str],
                    errors: dict[str, str], unsealed: dict[int, str] | None = None) -> Template:
    """The pact page, with a form's values and errors, and any note just unsealed."""
    caller = caller_of(request)
    pact = await service.detail(caller, pact_id)
    offers = await goal_links.offers(caller, pact.town) if pact.status != "closed" else []
    return Template("pacts/pact.html", status_code=422 if errors else 200, context={
        "pact": pact, "form": form, "errors": errors, "unsealed": unsealed or {},
        "offers": {kind: [o for o in offers if o.kind == kind] for kind in LINK_KINDS},
        "link_kinds": goal_links.kind_labels(),
        "consent_texts": consent_texts(), "purpose_labels": purpose_labels(),
        "result_names": result_names(pact),
        "progress_labels": progress_labels(),
        "done": request.query_params.get("done", ""), **helpers()})
