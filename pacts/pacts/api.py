"""Pacts in the JSON API: what the community maker's pages do. A pact out of the
caller's reach answers 404 on every route."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post, put

from app.auth.guards import signed_in
from app.clock import ITALY
from app.web.context import caller_of
from pacts.access import service as access
from pacts.consents import service as consents
from pacts.enrolments import service as enrolments
from pacts.links import service as goal_links
from pacts.links.service import Offer
from pacts.notes import service as notes
from pacts.pacts import service
from pacts.pacts.schemas import (
    AreaIn,
    Closure,
    ConsentIn,
    EnrolmentIn,
    Grant,
    NoteIn,
    NoteText,
    OpeningOut,
    PactContent,
    PactDetail,
    PactSummary,
    ReferralIn,
    ReviewHeld,
    ReviewIn,
    UnsealIn,
)
from pacts.reviews import service as reviews

Req = Request[Any, Any, Any]


class PactController(Controller):
    path = "/api/v1/pacts"
    guards = [signed_in]
    tags = ["pacts"]

    @get("/")
    async def caseload(self, request: Req) -> list[PactSummary]:
        """The pacts the caller follows, or coordinates for their team."""
        return await service.caseload(caller_of(request))

    @post("/")
    async def refer(self, request: Req, data: ReferralIn) -> PactDetail:
        """Open a pact from a referral, with the consent recorded at the source."""
        return await service.refer(caller_of(request), data)

    @get("/{pact_id:uuid}")
    async def get_pact(self, request: Req, pact_id: UUID) -> PactDetail:
        """The whole pact; the opening is logged."""
        return await service.detail(caller_of(request), pact_id, "api")

    @put("/{pact_id:uuid}/assessment")
    async def assessment(self, request: Req, pact_id: UUID,
                         data: dict[str, AreaIn]) -> PactDetail:
        """Needs and resources, capacities and aspirations by area."""
        return await service.save_assessment(caller_of(request), pact_id, data)

    @post("/{pact_id:uuid}/versions")
    async def propose(self, request: Req, pact_id: UUID, data: PactContent) -> PactDetail:
        """A new version for the family to accept; earlier versions are kept."""
        return await service.propose_version(caller_of(request), pact_id, data)

    @post("/{pact_id:uuid}/accepted-on-paper", status_code=200)
    async def accepted_on_paper(self, request: Req, pact_id: UUID) -> PactDetail:
        return await service.accept_on_paper(caller_of(request), pact_id)

    @post("/{pact_id:uuid}/close", status_code=200)
    async def close(self, request: Req, pact_id: UUID, data: Closure) -> PactDetail:
        return await service.close(caller_of(request), pact_id, data)

    @get("/{pact_id:uuid}/offers")
    async def offers(self, request: Req, pact_id: UUID) -> list[Offer]:
        """What a goal of the pact can be linked to (the pact's town first)."""
        caller = caller_of(request)
        row = await access.reachable_pact(caller, pact_id)
        return await goal_links.offers(caller, row["town"])

    @post("/{pact_id:uuid}/enrolments")
    async def enrol(self, request: Req, pact_id: UUID, data: EnrolmentIn) -> PactDetail:
        """Propose to the family a Civic Center activity that a goal of the pact in force
        links to: the child is found by the contact the family gave the school and their
        first name, the family's consent to share with the Civic Center is checked, and the
        proposal is an ordinary referral of the Civic Center's; its outcome is listed in
        `enrolments`."""
        caller = caller_of(request)
        await enrolments.propose(caller, pact_id, data)
        return await service.detail(caller, pact_id, "api")

    @get("/{pact_id:uuid}/access-log")
    async def access_log(self, request: Req, pact_id: UUID) -> list[OpeningOut]:
        """Who opened the pact, when and what: what the person can be told."""
        rows = await access.openings(caller_of(request), pact_id)
        return [OpeningOut(**vars(row)) for row in rows]

    @post("/{pact_id:uuid}/grants", status_code=204)
    async def grant(self, request: Req, pact_id: UUID, data: Grant) -> None:
        """Give the pact to a named person of the program (the team's coordinator)."""
        await access.grant(caller_of(request), pact_id, data.email)

    @post("/{pact_id:uuid}/reviews")
    async def schedule_review(self, request: Req, pact_id: UUID, data: ReviewIn
                              ) -> PactDetail:
        """Schedule a review with the person; its reminder (with a calendar invitation)
        leaves a day before, only with the consent to reminders."""
        caller = caller_of(request)
        when = data.scheduled_for
        await reviews.schedule(caller, pact_id, when if when.tzinfo else when.replace(
            tzinfo=ITALY))
        return await service.detail(caller, pact_id, "api")

    @post("/{pact_id:uuid}/reviews/{review_id:int}")
    async def record_review(self, request: Req, pact_id: UUID, review_id: int,
                            data: ReviewHeld) -> PactDetail:
        """What a review found, filled in with the person."""
        caller = caller_of(request)
        await reviews.record(caller, pact_id, review_id, data.progress, data.ladder_before,
                             data.ladder_after, data.summary)
        return await service.detail(caller, pact_id, "api")

    @post("/{pact_id:uuid}/notes")
    async def add_note(self, request: Req, pact_id: UUID, data: NoteIn) -> PactDetail:
        """Write a note of the team; a sealed one is encrypted at rest and listed without
        its text."""
        caller = caller_of(request)
        await notes.add(caller, pact_id, data.level, data.text)
        return await service.detail(caller, pact_id, "api")

    @post("/{pact_id:uuid}/notes/{note_id:int}/unseal", status_code=200)
    async def unseal_note(self, request: Req, pact_id: UUID, note_id: int, data: UnsealIn
                          ) -> NoteText:
        """Read a sealed note: the reason (at least 10 characters) goes into the pact's
        access log, which the person can be shown."""
        text = await notes.break_seal(caller_of(request), pact_id, note_id, data.reason)
        return NoteText(id=note_id, text=text)

    @post("/{pact_id:uuid}/consents")
    async def give_consent(self, request: Req, pact_id: UUID, data: ConsentIn) -> PactDetail:
        """Record the person's consent for one purpose, with the text they agreed to."""
        caller = caller_of(request)
        await consents.give(caller, pact_id, data.purpose, data.partner)
        return await service.detail(caller, pact_id, "api")

    @post("/{pact_id:uuid}/consents/{consent_id:int}/withdraw", status_code=200)
    async def withdraw_consent(self, request: Req, pact_id: UUID, consent_id: int
                               ) -> PactDetail:
        """Withdraw a consent: what depends on it stops at once."""
        caller = caller_of(request)
        await consents.withdraw(caller, pact_id, consent_id)
        return await service.detail(caller, pact_id, "api")
