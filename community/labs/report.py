"""A lab's report in Word: the needs it started from, meetings, actions, the pulse.

Written from `LabDetail` as the caller sees it, off the event loop. It never names the
members: it gives their number.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from datetime import date
from uuid import UUID

from babel.numbers import format_percent
from docx import Document
from docx.document import Document as Doc
from docx.shared import Cm, Pt

from app.auth.caller import Caller
from app.dates import day, moment
from app.i18n import _, current_language, pgettext
from app.places import SMALL
from community.labs import service as labs
from community.labs.schemas import LabDetail, NeedChange


def scope_label(scope: str) -> str:
    return {"workplace": _("Workplace lab"), "town": _("Town lab")}.get(scope, scope)


def lab_status_label(status: str) -> str:
    # "laboratorio" is masculine: Attivo, Chiuso.
    return {"active": pgettext("lab", "Active"), "closed": pgettext("lab", "Closed")}.get(
        status, status)


def pulse_state_label(state: str) -> str:
    """The follow-up survey's state ("rilevazione", feminine in Italian)."""
    return {"not_open": _("Not open yet"), "open": _("Open: answers are being collected"),
            "closed": _("Closed: the results are out")}.get(state, state)


def action_status_label(status: str) -> str:
    return {"todo": _("To do"), "doing": _("In progress"), "done": _("Done")}.get(
        status, status)


def percent(share: float) -> str:
    return format_percent(share, locale=current_language())






async def lab_report(caller: Caller, lab_id: UUID) -> tuple[str, bytes]:
    """The report's file name and bytes, for a lab the caller reaches."""
    lab = await labs.get_lab(caller, lab_id)
    return filename(lab), await asyncio.to_thread(build, lab)


def filename(lab: LabDetail) -> str:
    ascii_text = unicodedata.normalize("NFKD", lab.title).encode("ascii", "ignore").decode()
    title = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "lab"
    prefix = _("lab")
    return f"{prefix}-{title}.docx"


def build(lab: LabDetail) -> bytes:
    document = Document()
    document.core_properties.title = lab.title
    document.core_properties.author = "Legami"
    document.core_properties.language = current_language()
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_paragraph(_("Community lab report"), style="Title")
    document.add_paragraph(lab.title, style="Subtitle")
    _facts(document, lab)
    _needs(document, lab)
    _agenda(document, lab)
    _meetings(document, lab)
    _actions(document, lab)
    _pulse(document, lab)
    document.add_paragraph(_("Prepared on {date}").format(date=day(date.today())),
                           style="Caption")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _table(document: Doc, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text


def _facts(document: Doc, lab: LabDetail) -> None:
    where = lab.company_name if lab.scope == "workplace" else lab.town
    facts = [
        [_("Kind"), scope_label(lab.scope)],
        [_("Company") if lab.scope == "workplace" else _("Town"), where],
        [_("Facilitator"), lab.facilitator.name if lab.facilitator else _("none yet")],
        [_("Partners"), ", ".join(lab.partners) or "—"],
        [_("Status"), lab_status_label(lab.status)],
        [_("Members"), str(lab.members) if lab.members is not None
         else _("Fewer than %(threshold)s") % {"threshold": SMALL}],
    ]
    _table(document, [_("Lab"), ""], facts)


def _needs(document: Doc, lab: LabDetail) -> None:
    document.add_heading(_("The needs it started from"), level=1)
    if not lab.needs:
        document.add_paragraph(_("No need was recorded when the lab was made."))
        return
    _table(document, [_("Group"), _("Need"), _("Share"), _("Answered")],
           [[need.group_label, f"{need.area_label}: {need.label}", percent(need.share),
             str(need.n)] for need in lab.needs])


def _agenda(document: Doc, lab: LabDetail) -> None:
    document.add_heading(_("Agenda"), level=1)
    if not lab.agenda:
        document.add_paragraph(_("The agenda is empty."))
    areas = dict(labs.area_choices())
    for item in lab.agenda:
        text = f"{item.text} ({areas[item.area]})" if item.area in areas else item.text
        document.add_paragraph(text, style="List Bullet")


def _meetings(document: Doc, lab: LabDetail) -> None:
    document.add_heading(_("Meetings"), level=1)
    if not lab.meetings:
        document.add_paragraph(_("No meeting yet."))
        return
    _table(document, [_("Date"), _("Place"), _("Notes")],
           [[moment(m.starts_at), m.place or "—", m.notes or "—"] for m in lab.meetings])


def _actions(document: Doc, lab: LabDetail) -> None:
    document.add_heading(_("Actions"), level=1)
    if not lab.actions:
        document.add_paragraph(_("No action yet."))
        return
    _table(document, [_("Action"), _("Owner"), _("Due date"), _("Status")],
           [[a.title, a.owner or "—", day(a.due_on) if a.due_on else "—",
             action_status_label(a.status)] for a in lab.actions])


def after_text(change: NeedChange) -> str:
    if change.after_share is None:
        return change.note or _("not shown yet")
    return percent(change.after_share)


def _pulse(document: Doc, lab: LabDetail) -> None:
    if lab.pulse is None:
        return
    pulse = lab.pulse
    document.add_heading(_("Follow-up pulse"), level=1)
    document.add_paragraph(_("{title}, from {start} to {end}").format(
        title=pulse.title, start=day(pulse.opens_on), end=day(pulse.closes_on)))
    if not pulse.changes:
        return
    _table(document, [_("Group"), _("Need"), _("Before"), _("After")],
           [[c.need.group_label, c.need.label, percent(c.need.share), after_text(c)]
            for c in pulse.changes])
