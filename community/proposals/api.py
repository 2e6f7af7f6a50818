"""The proposals JSON API under /api/v1/proposals: the same proposals as the pages.

Program staff reach every company and town of a wave, an HR manager their companies;
anything else answers 404. Creating sends a group and an area, never needs: the server
reads them again from the shown results.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post

from app.auth.guards import signed_in
from app.web.context import caller_of
from community.proposals import service as proposals
from community.proposals.schemas import (
    Created,
    GroupProposal,
    InitiativeFromProposal,
    LabFromProposal,
    Proposals,
)

Req = Request[Any, Any, Any]


class ProposalsController(Controller):
    path = "/api/v1/proposals"
    guards = [signed_in]
    tags = ["proposals"]

    @get()
    async def list_proposals(self, request: Req, wave_id: UUID | None = None) -> Proposals:
        """Every company and town of a wave the caller may see (default: latest wave)."""
        return await proposals.proposals(caller_of(request), wave_id)

    @get("/companies/{company_id:uuid}")
    async def company(self, request: Req, company_id: UUID,
                      wave_id: UUID | None = None) -> GroupProposal:
        """One company's proposals in a wave (default: the latest)."""
        return await proposals.company_proposal(caller_of(request), company_id, wave_id)

    @post("/labs", status_code=201)
    async def lab(self, request: Req, data: LabFromProposal) -> Created:
        """Make a lab from a group's area; it keeps the needs that motivated it."""
        return await proposals.create_lab(caller_of(request), data)

    @post("/initiatives", status_code=201)
    async def initiative(self, request: Req, data: InitiativeFromProposal) -> Created:
        """Make an initiative from a group's area; it keeps the needs that motivated it."""
        return await proposals.create_initiative(caller_of(request), data)
