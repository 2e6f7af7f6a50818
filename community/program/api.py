"""The program dashboard and the funder's half-yearly report in the JSON API under
/api/v1/program (program staff only).

A bad year or half answers 422 with a message per field, in the caller's language.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put

from app.web.context import caller_of
from app.web.downloads import DOCX, download
from community.program import halfyear
from community.program import report as monitoring_report
from community.program import service as targets
from community.program.pages import program_staff
from community.program.schemas import HalfYear, NarrativesIn, ProgramFigures

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

    @get("/half-year")
    async def half_year(self, request: Req, year: str | None = None,
                        half: str | None = None) -> HalfYear:
        """A half-year's report as data: its indicators (this half-year, the previous one,
        the program to date), lists and narratives; the frozen one once frozen."""
        period = targets.parse_period(year, half)
        return await halfyear.half_year(caller_of(request), period)

    @put("/half-year/narratives")
    async def save_narratives(self, request: Req, data: NarrativesIn, year: str | None = None,
                              half: str | None = None) -> HalfYear:
        """Replace the narratives of the half-year's strategies (not once it is frozen)."""
        period = targets.parse_period(year, half)
        caller = caller_of(request)
        await halfyear.save_narratives(caller, period, msgspec.structs.asdict(data))
        return await halfyear.half_year(caller, period)

    @post("/half-year/freeze")
    async def freeze(self, request: Req, year: str | None = None,
                     half: str | None = None) -> HalfYear:
        """Freeze the half-year as it stands, from the day after it ends; again, nothing
        changes."""
        return await halfyear.freeze(caller_of(request), targets.parse_period(year, half))
