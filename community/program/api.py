"""The program dashboard in the JSON API under /api/v1/program (program staff only).

A bad year or half answers 422 with a message per field, in the caller's language.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from app.web.context import caller_of
from app.web.downloads import DOCX, download
from community.program import report as monitoring_report
from community.program import service as targets
from community.program.pages import program_staff
from community.program.schemas import ProgramFigures

Req = Request[Any, Any, Any]


class ProgramController(Controller):
    path = "/api/v1/program"
    guards = [program_staff]
    tags = ["program"]

    @get("/targets")
    async def figures(self, request: Req, year: str | None = None,
                      half: str | None = None) -> ProgramFigures:
        """Progress toward the targets to date, or for a half-year with `year` and `half`
        (1 = January to June, 2 = July to December)."""
        period = targets.parse_period(year, half) if year or half else None
        return await targets.program_figures(caller_of(request), period)

    @get("/report.docx", media_type=DOCX)
    async def report(self, request: Req, year: str | None = None,
                     half: str | None = None) -> Response[bytes]:
        """The half-yearly monitoring report for the funder, as a Word document."""
        filename, data = await monitoring_report.program_report(caller_of(request), year, half)
        return download(filename, data)
