"""The results JSON API under /api/v1/results: the same tables as the results pages.

An HR manager reaches their own company's results; program staff every company, the
towns and the program. Anything out of reach answers 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, put

from app.auth.guards import signed_in
from app.web.context import caller_of
from app.web.errors import answers
from surveys.results import service
from surveys.results.model import (
    CompanyResults,
    ProgramResults,
    Rate,
    Thresholds,
    ThresholdsUpdate,
    Trend,
    WaveChoice,
)

Req = Request[Any, Any, Any]


class ResultsController(Controller):
    path = "/api/v1/results"
    guards = [signed_in]
    tags = ["results"]

    @get("/waves")
    async def waves(self, request: Req) -> list[WaveChoice]:
        """Waves with results the caller may open."""
        return await service.wave_choices(caller_of(request))

    @get("/waves/{wave_id:uuid}")
    async def program(self, request: Req, wave_id: UUID) -> ProgramResults:
        """A wave across companies, towns and the program (program staff)."""
        return await service.program_results(caller_of(request), wave_id)

    @get("/waves/{wave_id:uuid}/rates")
    async def rates(self, request: Req, wave_id: UUID) -> list[Rate]:
        """Invited and answered per company and roster group the caller may see."""
        return await service.wave_rates(caller_of(request), wave_id)

    @get("/companies/{company_id:uuid}/waves/{wave_id:uuid}")
    async def company(self, request: Req, company_id: UUID, wave_id: UUID) -> CompanyResults:
        """A company's results in a wave."""
        return await service.company_results(caller_of(request), company_id, wave_id)

    @get("/companies/{company_id:uuid}/trend")
    async def trend(self, request: Req, company_id: UUID) -> Trend:
        """A company's response rate and needs across waves."""
        return await service.company_trend(caller_of(request), company_id)

    @get("/thresholds", responses=answers(404))
    async def thresholds(self, request: Req) -> Thresholds:
        return await service.get_thresholds(caller_of(request))

    @put("/thresholds")
    async def raise_thresholds(self, request: Req, data: ThresholdsUpdate) -> Thresholds:
        """Raise the thresholds (program admins; never below 5 and 10)."""
        return await service.set_thresholds(caller_of(request), data)
