"""Results pages: a company's results for its HR manager, the program's for its staff.

`/portal/{company}/results` lists the company's waves; `/portal/{company}/results/{wave}`
shows a wave for the company (program staff reach it too: it is their drill-down).
`/results` and `/results/{wave}` are the program staff's. Every chart comes with the
table behind it; out of reach answers 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from babel.numbers import format_decimal
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from app.auth.guards import signed_in
from app.i18n import current_language
from app.web.context import caller_of
from surveys.results import charts, service
from surveys.results.model import HeatMap, Need

Req = Request[Any, Any, Any]
PER_PAGE = 50  # companies per page of the program's tables


def number(value: float | None) -> str:
    return "" if value is None else format_decimal(value, "#,##0.#", locale=current_language())


def _helpers() -> dict[str, Any]:
    return {"percent": charts.percent, "number": number, "bar_chart": charts.bar_chart,
            "heat_map": charts.heat_map}


def _by_need(needs: list[Need]) -> dict[tuple[str, str], Need]:
    """Needs by (question, option): the territory's, to put next to the company's."""
    return {(need.question, need.option): need for need in needs}


class ResultsPages(Controller):
    guards = [signed_in]
    include_in_schema = False

    @get("/portal/{company_id:uuid}/results")
    async def company_waves(self, request: Req, company_id: UUID) -> Template:
        caller = caller_of(request)
        choices = [c for c in await service.wave_choices(caller)
                   if any(g.company_id == company_id for g in c.companies)]
        trend = await service.company_trend(caller, company_id)
        return Template("results/company_waves.html", context={
            **_helpers(), "choices": choices, "trend": trend})

    @get("/portal/{company_id:uuid}/results/{wave_id:uuid}")
    async def company(self, request: Req, company_id: UUID, wave_id: UUID) -> Template:
        caller = caller_of(request)
        results = await service.company_results(caller, company_id, wave_id)
        trend = await service.company_trend(caller, company_id)
        return Template("results/company.html", context={
            **_helpers(), "results": results, "trend": trend,
            "compared": _by_need(results.territory_needs),
            "is_staff": caller.is_program_staff})

    @get("/results")
    async def program_waves(self, request: Req) -> Template:
        caller = caller_of(request)
        if not caller.is_program_staff:
            raise NotFoundException()
        return Template("results/program_waves.html", context={
            **_helpers(), "choices": await service.wave_choices(caller)})

    @get("/results/{wave_id:uuid}")
    async def program(self, request: Req, wave_id: UUID, page: int = 1) -> Template:
        results = await service.program_results(caller_of(request), wave_id)
        pages = max(1, -(-len(results.companies) // PER_PAGE))
        page = min(max(1, page), pages)
        window = slice((page - 1) * PER_PAGE, page * PER_PAGE)
        first_company = 1 + len(results.towns)
        return Template("results/program.html", context={
            **_helpers(), "results": results, "page": page, "pages": pages,
            "company_rates": results.rates[first_company:][window],
            "heat_page": HeatMap(results.heat_companies.areas,
                                 results.heat_companies.rows[window])})
