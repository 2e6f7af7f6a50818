"""Results pages: a company's results for its HR manager, the program's for its staff.

`/portal/{company}/results` lists the company's waves; `/portal/{company}/results/{wave}`
is a wave's summary for the company (program staff reach it too: it is their
drill-down), with one page per section (`sections/{n}`), per reporting group and
section (`groups/{n}?section={k}`), and for all the needs, the cross-tabulations and the comments.
`/results` and `/results/{wave}` are the program staff's, with `sections/{n}`, `towns`,
`companies`, `needs` and `comments`. Every chart comes with the table behind it; out of
reach answers 404.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from babel.numbers import format_decimal
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from app.auth.guards import signed_in
from app.i18n import _, current_language
from app.web.context import caller_of
from surveys.results import charts, service, summary
from surveys.results.model import CompanyResults, HeatMap, Need, ProgramResults

Req = Request[Any, Any, Any]
T = TypeVar("T")
PER_PAGE = 50  # companies per page of the program's tables


def number(value: float | None) -> str:
    return "" if value is None else format_decimal(value, "#,##0.#", locale=current_language())


def _helpers() -> dict[str, Any]:
    return {"percent": charts.percent, "number": number, "bar_chart": charts.bar_chart,
            "heat_map": charts.heat_map}


def _by_need(needs: list[Need]) -> dict[tuple[str, str], Need]:
    """Needs by (question, option): the territory's, to put next to the company's."""
    return {(need.question, need.option): need for need in needs}


def _company_page(template: str, results: CompanyResults, **context: Any) -> Template:
    return Template(f"results/{template}.html", context={
        **_helpers(), "results": results, "compared": _by_need(results.territory_needs),
        "sections": summary.sections(results.questions),
        "groups": summary.reporting_groups(results.questions), **context})


def _program_page(template: str, results: ProgramResults, **context: Any) -> Template:
    return Template(f"results/{template}.html", context={
        **_helpers(), "results": results, "sections": summary.sections(results.questions),
        **context})


def _nth(items: list[T], number: int) -> T:
    """The `number`th item (from 1) of a drill-down list; any other number is 404."""
    if not 1 <= number <= len(items):
        raise NotFoundException()
    return items[number - 1]


class ResultsPages(Controller):
    """A summary first (response rate, top needs, what changed since the previous wave),
    then one page per section, reporting group, town list or company list."""

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
        return _company_page("company", results, is_staff=caller.is_program_staff,
                             changes=summary.company_changes(
                                 trend, results.wave, results.rates[0], results.needs,
                                 _("Response rate")))

    @get("/portal/{company_id:uuid}/results/{wave_id:uuid}/sections/{number:int}")
    async def company_section(self, request: Req, company_id: UUID, wave_id: UUID,
                              number: int) -> Template:
        results = await service.company_results(caller_of(request), company_id, wave_id)
        return _company_page("company_part", results, part="section",
                             section=_nth(summary.sections(results.questions), number))

    @get("/portal/{company_id:uuid}/results/{wave_id:uuid}/groups/{number:int}")
    async def company_group(self, request: Req, company_id: UUID, wave_id: UUID,
                            number: int, section: int = 1) -> Template:
        """A reporting group beside the company, one section of the survey at a time."""
        results = await service.company_results(caller_of(request), company_id, wave_id)
        group = _nth(summary.reporting_groups(results.questions), number)
        shown = _nth(summary.sections(results.questions), section)
        return _company_page("company_part", results, part="group", group=group,
                             rate=next((r for r in results.rates if r.group.key == group.key),
                                       None),
                             section=shown,
                             questions=summary.one_group(shown.questions, group.key))

    @get("/portal/{company_id:uuid}/results/{wave_id:uuid}/{part:str}")
    async def company_part(self, request: Req, company_id: UUID, wave_id: UUID,
                           part: str) -> Template:
        if part not in ("needs", "crosstabs", "comments"):
            raise NotFoundException()
        results = await service.company_results(caller_of(request), company_id, wave_id)
        return _company_page("company_part", results, part=part)

    @get("/results")
    async def program_waves(self, request: Req) -> Template:
        caller = caller_of(request)
        if not caller.is_program_staff:
            raise NotFoundException()
        return Template("results/program_waves.html", context={
            **_helpers(), "choices": await service.wave_choices(caller)})

    @get("/results/{wave_id:uuid}")
    async def program(self, request: Req, wave_id: UUID) -> Template:
        caller = caller_of(request)
        results = await service.program_results(caller, wave_id)
        previous = await service.previous_wave(caller, wave_id)
        changes = None
        if previous is not None:
            before = await service.program_results(caller, previous)
            changes = summary.changes(before.wave, before.rates[0], results.rates[0],
                                      before.needs, results.needs, _("Response rate"))
        return _program_page("program", results, changes=changes)

    @get("/results/{wave_id:uuid}/sections/{number:int}")
    async def program_section(self, request: Req, wave_id: UUID, number: int) -> Template:
        results = await service.program_results(caller_of(request), wave_id)
        return _program_page("program_part", results, part="section",
                             section=_nth(summary.sections(results.questions), number))

    @get("/results/{wave_id:uuid}/companies")
    async def program_companies(self, request: Req, wave_id: UUID, page: int = 1) -> Template:
        results = await service.program_results(caller_of(request), wave_id)
        pages = max(1, -(-len(results.companies) // PER_PAGE))
        page = min(max(1, page), pages)
        window = slice((page - 1) * PER_PAGE, page * PER_PAGE)
        first_company = 1 + len(results.towns)
        return _program_page(
            "program_part", results, part="companies", page=page, pages=pages,
            company_rates=results.rates[first_company:][window],
            heat_page=HeatMap(results.heat_companies.areas,
                              results.heat_companies.rows[window]))

    @get("/results/{wave_id:uuid}/{part:str}")
    async def program_part(self, request: Req, wave_id: UUID, part: str) -> Template:
        if part not in ("towns", "needs", "comments"):
            raise NotFoundException()
        results = await service.program_results(caller_of(request), wave_id)
        return _program_page("program_part", results, part=part)
