"""The report job: make the Word report of a request, recording progress per section.

The payload carries the request id only. The results are read with the requester's
own access, checked again here: someone who lost access since asking gets no report.
python-docx is blocking, so each section is written in a thread, and the progress is
recorded on the event loop between sections.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app.auth.caller import Caller, load_caller
from app.i18n import use_language
from app.jobs import job
from surveys.reports import docx_report, requests
from surveys.reports.docx_report import Results
from surveys.reports.requests import REPORT_JOB
from surveys.results import service as results

LOADED = 20  # percent done once the results are computed; the sections share the rest
SAVED = 100
PROGRESS_STEP = 5


@job(REPORT_JOB)
async def make_report(outbox_id: int, payload: dict[str, Any]) -> None:
    """Make the report of request `report_id`, once."""
    report_id = UUID(payload["report_id"])
    row = await requests.start(report_id)
    if row is None:
        return
    try:
        with use_language(row["language"]):
            name, content = await _write(report_id, row)
    except NotFoundException:
        await requests.fail(report_id, "not found: the requester no longer reaches it")
        return
    except Exception as error:
        await requests.fail(report_id, f"{type(error).__name__}: {error}")
        raise  # the job runner retries, and the retry starts the report again
    await requests.finish(report_id, name, content)


async def _write(report_id: UUID, row: dict[str, Any]) -> tuple[str, bytes]:
    view = docx_report.view_of(await _results(row))
    await requests.set_progress(report_id, LOADED)
    writer = await asyncio.to_thread(docx_report.Writer, view)
    steps = docx_report.steps(view)
    shown = LOADED
    for done, step in enumerate(steps, start=1):
        await asyncio.to_thread(step, writer)
        percent = LOADED + (SAVED - LOADED) * done // (len(steps) + 1)
        if percent - shown >= PROGRESS_STEP:  # a write per section would cost more than it tells
            await requests.set_progress(report_id, percent)
            shown = percent
    return docx_report.filename(view), await asyncio.to_thread(writer.save)


async def _results(row: dict[str, Any]) -> Results:
    caller = await _requester(row["requested_by"])
    if row["kind"] == "territory":
        return await results.program_results(caller, row["wave"])
    return await results.company_results(caller, row["company"], row["wave"])


async def _requester(user_id: UUID | None) -> Caller:
    caller = await load_caller(user_id) if user_id else None
    if caller is None:
        raise NotFoundException()
    return caller
