"""Report pages: ask for a Word report, follow its progress, download it; export tables.

`/reports` lists the waves whose results the caller may open; `/reports/waves/{id}`
offers the reports and exports of one wave; `/reports/{id}` follows a report, and works
without JavaScript: while the report is being made the page asks the browser to reload
it every 2 seconds (a `Refresh` header) and offers a plain link to do it by hand.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.response import Redirect, Template

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import current_caller
from app.i18n import LANGUAGE_NAMES, _, current_language
from app.roles import HR_MANAGER
from app.web.context import caller_of
from app.web.downloads import XLSX, download
from surveys.reports import exports, requests
from surveys.reports.requests import ReportCreate
from surveys.results import service as results

Req = Request[Any, Any, Any]
REFRESH_SECONDS = 2
RUNNING = ("queued", "running")


def report_user(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
    """Signed in as an HR manager or program staff; anyone else finds nothing here."""
    caller = current_caller(connection)
    if caller is None:
        raise NotAuthorizedException()
    if not caller.has_role(HR_MANAGER, *PROGRAM_STAFF):
        raise NotFoundException()


def status_label(status: str) -> str:
    return {"queued": _("Waiting to start"), "running": _("Being written"),
            "done": _("Ready"), "failed": _("Could not be made")}[status]


def table_label(name: str) -> str:
    return {"questions": _("Results by question"), "rates": _("Response rate"),
            "needs": _("Needs"), "crosstabs": _("Cross-tabulations"),
            "heatmap": _("Needs by area")}[name]


def _helpers() -> dict[str, Any]:
    return {"status_label": status_label, "table_label": table_label,
            "language_names": LANGUAGE_NAMES}



class ReportPages(Controller):
    path = "/reports"
    guards = [report_user]
    include_in_schema = False

    @get("/")
    async def waves_page(self, request: Req) -> Template:
        choices = await results.wave_choices(caller_of(request))
        return Template("reports/waves.html", context={**_helpers(), "choices": choices})

    @get("/waves/{wave_id:uuid}")
    async def wave_page(self, request: Req, wave_id: UUID) -> Template:
        caller = caller_of(request)
        choice = next((c for c in await results.wave_choices(caller) if c.wave.id == wave_id),
                      None)
        if choice is None:
            raise NotFoundException()
        return Template("reports/wave.html", context={
            **_helpers(), "choice": choice, "staff": caller.is_program_staff,
            "reports": await requests.list_reports(caller, wave_id),
            "language": current_language()})

    @post("/", media_type=MediaType.HTML)
    async def ask(self, request: Req) -> Any:
        form = await request.form()
        company = form.get("company_id") or None
        report = await requests.request_report(caller_of(request), ReportCreate(
            wave_id=_uuid(form.get("wave_id")), kind=form.get("kind", "company"),
            company_id=_uuid(company) if company else None,
            language=form.get("language") or None))
        return Redirect(f"/reports/{report.id}", status_code=303)

    @get("/{report_id:uuid}", media_type=MediaType.HTML)
    async def progress_page(self, request: Req, report_id: UUID) -> Any:
        caller = caller_of(request)
        report = await requests.get_report(caller, report_id)
        headers = {"Refresh": str(REFRESH_SECONDS)} if report.status in RUNNING else {}
        return Template("reports/progress.html", headers=headers, context={
            **_helpers(), "report": report, "running": report.status in RUNNING})

    @get("/{report_id:uuid}/download")
    async def download(self, request: Req, report_id: UUID) -> Response[bytes]:
        filename, data = await requests.report_file(caller_of(request), report_id)
        return download(filename, data)

    @get("/waves/{wave_id:uuid}/tables.csv")
    async def csv_export(self, request: Req, wave_id: UUID, company: UUID | None = None,
                         table: str = "questions", sep: str = "comma") -> Response[bytes]:
        filename, data = await exports.export_csv(
            caller_of(request), wave_id, company, table, ";" if sep == "semicolon" else ",")
        return download(filename, data, "text/csv; charset=utf-8")

    @get("/waves/{wave_id:uuid}/tables.xlsx")
    async def xlsx_export(self, request: Req, wave_id: UUID,
                          company: UUID | None = None) -> Response[bytes]:
        filename, data = await exports.export_xlsx(caller_of(request), wave_id, company)
        return download(filename, data, XLSX)


def _uuid(value: Any) -> UUID:
    try:
        return UUID(str(value))
    except ValueError as error:
        raise NotFoundException() from error
