"""Report requests: who may ask for which report, and the rows the report job fills in.

An HR manager asks for their own company's report; program staff for the territory
report and any company's. A request out of reach answers 404, like one that does not
exist. The job (`surveys.reports.jobs`) moves a row queued → running → done (or failed),
recording its progress; the file is kept in the row, so any web process can serve it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar.exceptions import NotFoundException

from app.auth.caller import Caller
from app.clock import now
from app.db import transaction
from app.i18n import current_language
from app.outbox import enqueue
from app.roles import HR_MANAGER
from app.settings import LANGUAGES
from surveys.results import service as results
from surveys.tables import ReportRequest

REPORT_JOB = "surveys.report"
HR = HR_MANAGER
RECENT = 20

Kind = Literal["company", "territory"]
KINDS = ("company", "territory")


class ReportCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A report to make: `company_id` for a company report; `language` it or en
    (the caller's language when left out)."""

    wave_id: UUID
    kind: Kind = "company"
    company_id: UUID | None = None
    language: str | None = None


class ReportOut(msgspec.Struct):
    id: UUID
    wave_id: UUID
    kind: str
    company_id: UUID | None
    language: str
    status: str  # queued, running, done, failed
    progress: int  # percent
    filename: str
    created_at: datetime
    finished_at: datetime | None


COLUMNS = (ReportRequest.id, ReportRequest.wave, ReportRequest.kind, ReportRequest.company,
           ReportRequest.language, ReportRequest.status, ReportRequest.progress,
           ReportRequest.filename, ReportRequest.created_at, ReportRequest.finished_at)


def _out(row: dict[str, Any]) -> ReportOut:
    return ReportOut(row["id"], row["wave"], row["kind"], row["company"], row["language"],
                     row["status"], row["progress"], row["filename"], row["created_at"],
                     row["finished_at"])


# Access ---------------------------------------------------------------------------------


def may_see(caller: Caller, kind: str, company_id: UUID | None) -> bool:
    """Staff see every report; an HR manager their own company's reports only."""
    if caller.is_program_staff:
        return True
    return kind == "company" and company_id in caller.organization_ids(HR)


async def check_access(caller: Caller, wave_id: UUID, kind: str,
                       company_id: UUID | None) -> None:
    """404 unless the caller may read these results: the results service's own choices."""
    if not may_see(caller, kind, company_id):
        raise NotFoundException()
    choice = next((c for c in await results.wave_choices(caller) if c.wave.id == wave_id),
                  None)
    if choice is None:
        raise NotFoundException()
    if kind == "company" and company_id not in {g.company_id for g in choice.companies}:
        raise NotFoundException()


# For people -----------------------------------------------------------------------------


async def request_report(caller: Caller, data: ReportCreate) -> ReportOut:
    """Queue a report; the `surveys.report` job makes it."""
    company_id = data.company_id if data.kind == "company" else None
    if data.kind not in KINDS or (data.kind == "company" and company_id is None):
        raise NotFoundException()
    await check_access(caller, data.wave_id, data.kind, company_id)
    language = data.language if data.language in LANGUAGES else current_language()
    async with transaction():
        row = ReportRequest(wave=data.wave_id, kind=data.kind, company=company_id,
                            language=language, requested_by=caller.user_id)
        await row.save()
        await enqueue(REPORT_JOB, {"report_id": str(row.id)})
    return await get_report(caller, row.id)


async def get_report(caller: Caller, report_id: UUID) -> ReportOut:
    """A request the caller may see, with its status and progress; else 404."""
    row = await ReportRequest.select(*COLUMNS).where(ReportRequest.id == report_id).first()
    if row is None or not may_see(caller, row["kind"], row["company"]):
        raise NotFoundException()
    return _out(row)


async def list_reports(caller: Caller, wave_id: UUID) -> list[ReportOut]:
    """The wave's latest requests that the caller may see, newest first; 404 for a wave
    whose results the caller cannot see (as its page)."""
    if not any(choice.wave.id == wave_id for choice in await results.wave_choices(caller)):
        raise NotFoundException()
    rows = await ReportRequest.select(*COLUMNS).where(ReportRequest.wave == wave_id).order_by(
        ReportRequest.created_at, ascending=False).limit(RECENT * 5)
    return [_out(r) for r in rows if may_see(caller, r["kind"], r["company"])][:RECENT]


async def report_file(caller: Caller, report_id: UUID) -> tuple[str, bytes]:
    """(file name, .docx bytes) of a finished report; 404 while it is not ready."""
    report = await get_report(caller, report_id)
    row = await ReportRequest.select(ReportRequest.content).where(
        ReportRequest.id == report_id).first()
    if report.status != "done" or row is None or row["content"] is None:
        raise NotFoundException()
    return report.filename, bytes(row["content"])


# For the job ----------------------------------------------------------------------------


async def start(report_id: UUID) -> dict[str, Any] | None:
    """Mark the request running and return it; None when there is nothing to do (it is
    done already, or gone): a message delivered twice makes the report once."""
    async with transaction():
        row = await ReportRequest.select(
            ReportRequest.id, ReportRequest.wave, ReportRequest.kind, ReportRequest.company,
            ReportRequest.language, ReportRequest.requested_by, ReportRequest.status,
        ).where(ReportRequest.id == report_id).first()
        if row is None or row["status"] == "done":
            return None
        await ReportRequest.update({ReportRequest.status: "running",
                                    ReportRequest.progress: 0, ReportRequest.error: ""}).where(
            ReportRequest.id == report_id)
    return row  # type: ignore[no-any-return]


async def set_progress(report_id: UUID, percent: int) -> None:
    async with transaction():
        await ReportRequest.update({ReportRequest.progress: percent}).where(
            ReportRequest.id == report_id)


async def finish(report_id: UUID, filename: str, content: bytes) -> None:
    async with transaction():
        await ReportRequest.update({
            ReportRequest.status: "done", ReportRequest.progress: 100,
            ReportRequest.filename: filename, ReportRequest.content: content,
            ReportRequest.finished_at: now()}).where(ReportRequest.id == report_id)


async def fail(report_id: UUID, reason: str) -> None:
    """Record why the report could not be made; a retry of the job starts it again."""
    async with transaction():
        await ReportRequest.update({ReportRequest.status: "failed",
                                    ReportRequest.error: reason[:2000],
                                    ReportRequest.finished_at: now()}).where(
            ReportRequest.id == report_id)
