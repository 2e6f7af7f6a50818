"""The program dashboard and the funder's half-yearly report, for program staff.

`/program` shows progress toward the targets from live data; `/program/report` asks for
a half-year, then shows its indicators with a form for the narrative of each strategy
and, once the half-year is over, the button that freezes it; `/program/report.docx`
sends its Word report. Everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Redirect, Template

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import roles
from app.errors import InvalidInput
from app.web.context import caller_of, form_of
from app.web.downloads import download
from community.program import halfyear
from community.program import report as monitoring_report
from community.program import service as targets
from community.program.logframe import strategies, strategy_keys
from community.program.report import number, percent

Req = Request[Any, Any, Any]
program_staff = roles(*PROGRAM_STAFF)



def _helpers() -> dict[str, Any]:
    return {"number": number, "percent": percent}


def _report_form(errors: dict[str, str], year: str | None, half: str | None,
                 status: int = 200) -> Template:
    today = targets.today()
    chosen_half = (half or "").strip().lower().removeprefix("h")
    return Template("program/report.html", status_code=status, context={
        "errors": errors,
        "years": list(range(today.year, targets.FIRST_YEAR - 1, -1)),
        "year": (year or str(today.year)).strip(),
        "half": chosen_half if chosen_half in ("1", "2") else str(1 + (today.month > 6)),
    })


async def _half_year_page(request: Req, period: targets.Period, errors: dict[str, str],
                          texts: dict[str, str] | None = None, done: str = "",
                          status: int = 200) -> Template:
    """The half-year's indicators, the narrative form and the freeze, with `errors`."""
    found = await halfyear.half_year(caller_of(request), period)
    return Template("program/half_year.html", status_code=status, context={
        **_helpers(), "errors": errors, "found": found, "period": period, "done": done,
        "label": targets.period_label(period),
        "previous_label": targets.period_label(halfyear.previous(period)),
        "strategies": strategies(), "value_of": monitoring_report.value_of,
        "texts": texts if texts is not None else found.narratives,
        "max_narrative": halfyear.MAX_NARRATIVE, "can_freeze": halfyear.is_over(period),
    })


async def _posted(request: Req) -> tuple[dict[str, str], targets.Period | Template]:
    """A posted form and its half-year, or the chooser telling what is wrong (422)."""
    form = await form_of(request)
    try:
        return form, targets.parse_period(form.get("year"), form.get("half"))
    except InvalidInput as invalid:
        return form, _report_form(invalid.errors, form.get("year"), form.get("half"), 422)


class ProgramPages(Controller):
    path = "/program"
    guards = [program_staff]
    include_in_schema = False

    @get("/")
    async def dashboard(self, request: Req) -> Template:
        figures = await targets.program_figures(caller_of(request))
        return Template("program/dashboard.html", context={
            **_helpers(), "figures": figures, "notes": targets.counting_notes()})

    @get("/report")
    async def report_page(self, request: Req, year: str | None = None,
                          half: str | None = None, done: str = "") -> Template:
        """The half-year chooser; with a year and a half, that half-year's page."""
        if year is None and half is None:
            return _report_form({}, None, None)
        try:
            period = targets.parse_period(year, half)
        except InvalidInput as invalid:
            return _report_form(invalid.errors, year, half, status=422)
        return await _half_year_page(request, period, {}, done=done)

    @post("/report/narratives", media_type=MediaType.HTML)
    async def save_narratives(self, request: Req) -> Any:
        form, period = await _posted(request)
        if isinstance(period, Template):
            return period
        texts = {key: form.get(f"narrative_{key}", "") for key in strategy_keys()}
        try:
            await halfyear.save_narratives(caller_of(request), period, texts)
        except InvalidInput as invalid:
            return await _half_year_page(request, period, invalid.errors, texts, status=422)
        return Redirect(f"/program/report?year={period.year}&half={period.half}"
                        "&done=saved#narratives", status_code=303)

    @post("/report/freeze", media_type=MediaType.HTML)
    async def freeze(self, request: Req) -> Any:
        form, period = await _posted(request)
        if isinstance(period, Template):
            return period
        try:
            await halfyear.freeze(caller_of(request), period)
        except InvalidInput as invalid:
            return await _half_year_page(request, period, invalid.errors, status=422)
        return Redirect(f"/program/report?year={period.year}&half={period.half}"
                        "&done=frozen", status_code=303)

    @get("/report.docx", media_type=MediaType.HTML)
    async def download(self, request: Req, year: str | None = None,
                       half: str | None = None) -> Any:
        try:
            filename, data = await monitoring_report.program_report(
                caller_of(request), year, half)
        except InvalidInput as invalid:
            return _report_form(invalid.errors, year, half, status=422)
        return download(filename, data)
