"""Suggestions and referrals in the JSON API: what the coordinator's pages do."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post

from app.auth.guards import signed_in
from app.web.context import caller_of
from civic.referrals import service as referrals
from civic.referrals.schemas import FamilySuggestions, ReferralCreate, ReferralOut
from civic.suggestions import service as suggestions

Req = Request[Any, Any, Any]


class ReferralController(Controller):
    path = "/api/v1/schools/{school_id:uuid}"
    guards = [signed_in]
    tags = ["referrals"]

    @get("/families/{family_id:uuid}/suggestions")
    async def family_suggestions(self, request: Req, school_id: UUID,
                                 family_id: UUID) -> FamilySuggestions:
        """The activities that fit each pupil of the family, best first, with reasons."""
        return await suggestions.suggest_for_family(caller_of(request), school_id, family_id)

    @get("/referrals")
    async def list_referrals(self, request: Req, school_id: UUID) -> list[ReferralOut]:
        """The school's referrals, newest first, with their states."""
        return await referrals.list_referrals(caller_of(request), school_id)

    @post("/referrals")
    async def propose(self, request: Req, school_id: UUID, data: ReferralCreate) -> ReferralOut:
        """Propose an activity for a pupil: the family is mailed a link to answer."""
        return await referrals.propose(caller_of(request), school_id, data)

    @get("/referrals/{referral_id:uuid}")
    async def get_referral(self, request: Req, school_id: UUID,
                           referral_id: UUID) -> ReferralOut:
        return await referrals.get_referral(caller_of(request), school_id, referral_id)

    @post("/referrals/{referral_id:uuid}/withdraw", status_code=200)
    async def withdraw(self, request: Req, school_id: UUID, referral_id: UUID) -> ReferralOut:
        """Withdraw a referral; a place or a place in line it gave is given up."""
        return await referrals.withdraw(caller_of(request), school_id, referral_id)
