"""The program dashboard and the monitoring report's download, for program staff.

`/program` shows progress toward the targets from live data; `/program/report` asks for
a half-year and `/program/report.docx` sends its Word report. Everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get
from litestar.response import Template

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import roles
from app.errors import InvalidInput
from app.web.context import caller_of
from app.web.downloads import download
from community.program import report as monitoring_report
from community.program import service as targets
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
    async def report_page(self, request: Req) -> Template:
        return _report_form({}, None, None)

    @get("/report.docx", media_type=MediaType.HTML)
    async def download(self, request: Req, year: str | None = None,
                       half: str | None = None) -> Any:
        try:
            filename, data = await monitoring_report.program_report(
                caller_of(request), year, half)
        except InvalidInput as invalid:
            return _report_form(invalid.errors, year, half, status=422)
        return download(filename, data)
