"""The reports JSON API under /api/v1/reports: what the report pages do.

Ask for a Word report (made by a job), follow it, download it; export a wave's
aggregated tables as CSV or XLSX. An HR manager reaches their own company's reports
and tables, program staff the territory's and every company's; anything else is 404.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get, post

from app.web.context import caller_of
from app.web.downloads import CSV, DOCX, XLSX, download
from surveys.reports import exports, requests
from surveys.reports.pages import report_user
from surveys.reports.requests import ReportCreate, ReportOut

Req = Request[Any, Any, Any]


class ReportController(Controller):
    path = "/api/v1/reports"
    guards = [report_user]
    tags = ["reports"]

    @post()
    async def ask(self, request: Req, data: ReportCreate) -> ReportOut:
        """Queue a report; follow it with GET /api/v1/reports/{id}."""
        return await requests.request_report(caller_of(request), data)

    @get("/{report_id:uuid}")
    async def get_report(self, request: Req, report_id: UUID) -> ReportOut:
        return await requests.get_report(caller_of(request), report_id)

    @get("/{report_id:uuid}/file", media_type=DOCX)
    async def file(self, request: Req, report_id: UUID) -> Response[bytes]:
        """The .docx once `status` is done; 404 before."""
        filename, data = await requests.report_file(caller_of(request), report_id)
        return download(filename, data)

    @get("/waves/{wave_id:uuid}")
    async def list_reports(self, request: Req, wave_id: UUID) -> list[ReportOut]:
        return await requests.list_reports(caller_of(request), wave_id)

    @get("/waves/{wave_id:uuid}/tables.csv", media_type=CSV)
    async def csv_export(self, request: Req, wave_id: UUID, company_id: UUID | None = None,
                         table: str = "questions", separator: Literal[",", ";"] = ","
                         ) -> Response[bytes]:
        """One aggregated table (questions, rates, needs, crosstabs, heatmap) as CSV;
        without `company_id` the program's tables (program staff only)."""
        filename, data = await exports.export_csv(caller_of(request), wave_id, company_id,
                                                  table, separator)
        return download(filename, data, CSV)

    @get("/waves/{wave_id:uuid}/tables.xlsx", media_type=XLSX)
    async def xlsx_export(self, request: Req, wave_id: UUID,
                          company_id: UUID | None = None) -> Response[bytes]:
        """Every aggregated table, one sheet each."""
        filename, data = await exports.export_xlsx(caller_of(request), wave_id, company_id)
        return download(filename, data, XLSX)
