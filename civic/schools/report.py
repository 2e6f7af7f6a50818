"""A school's report: its families and pupils, consents, who was reached, places used and
waitlists, by class and by activity, as figures (JSON) or a Word document.

Counts only, never a name. A pupil is *reached* when enrolled in at least one Civic
Center activity, and their family with them; *places used* counts enrolled places (a
pupil in two activities uses two). Word is written off the event loop.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from collections import defaultdict
from typing import Any
from uuid import UUID

from babel.dates import format_date
from docx import Document
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

from app import places
from app.auth.caller import Caller
from app.clock import now
from app.figures import number, shown
from app.i18n import _, current_language
from app.values import as_uuid
from civic.families.schemas import ActivityFigures, ClassFigures, SchoolReport
from civic.families.service import PUPIL, school_of
from civic.tables import Activity, Consent, Family, Pupil

USED = ("enrolled", "offered", "waitlisted")


async def school_report(caller: Caller, school_id: UUID) -> SchoolReport:
    """The school's figures today."""
    school = await school_of(caller, school_id)
    pupils = await Pupil.select(Pupil.id, Pupil.family, Pupil.class_name).where(
        Pupil.family.school == school.id)
    class_of = {as_uuid(p["id"]): p["class_name"] for p in pupils}
    family_of = {as_uuid(p["id"]): as_uuid(p["family"]) for p in pupils}
    consents = await Consent.select(Consent.pupil, Consent.photo_release).where(
        Consent.pupil.is_in(list(class_of)) & Consent.withdrawn_at.is_null()) if class_of else []
    consented = {as_uuid(c["pupil"]) for c in consents}
    seats = [s for s in await places.seats_of_holders(PUPIL, list(class_of))
             if s.status in USED]
    classes: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"pupils": 0, "with_consent": 0, "reached": set(), "places_used": 0,
                 "waitlisted": 0})
    for pupil, class_name in class_of.items():
        classes[class_name]["pupils"] += 1
        classes[class_name]["with_consent"] += pupil in consented
    for seat in seats:
        figures = classes[class_of[seat.holder_id]]
        if seat.status == "enrolled":
            figures["reached"].add(seat.holder_id)
            figures["places_used"] += 1
        elif seat.status == "waitlisted":
            figures["waitlisted"] += 1
    reached = {s.holder_id for s in seats if s.status == "enrolled"}
    return SchoolReport(
        school=school, prepared_on=now().date(),
        # From 1 to 4 a count is None, as the Word report prints "fewer than 5": the same
        # figure reads the same in the API and in the document.
        families=shown(await Family.count().where(Family.school == school.id)),
        pupils=shown(len(pupils)),
        pupils_with_consent=shown(len(consented)),
        photo_releases=shown(sum(1 for c in consents if c["photo_release"])),
        families_reached=shown(len({family_of[p] for p in reached})),
        pupils_reached=shown(len(reached)),
        places_used=shown(sum(1 for s in seats if s.status == "enrolled")),
        places_offered=shown(sum(1 for s in seats if s.status == "offered")),
        waitlisted=shown(sum(1 for s in seats if s.status == "waitlisted")),
        classes=[ClassFigures(class_name=name, pupils=shown(f["pupils"]),
                              with_consent=shown(f["with_consent"]),
                              reached=shown(len(f["reached"])),
                              places_used=shown(f["places_used"]),
                              waitlisted=shown(f["waitlisted"]))
                 for name, f in sorted(classes.items(), key=lambda item: _natural(item[0]))],
        activities=await _activities(seats))


async def _activities(seats: list[places.SeatInfo]) -> list[ActivityFigures]:
    pool_ids = list({seat.pool_id for seat in seats})
    if not pool_ids:
        return []
    rows = await Activity.select(Activity.id, Activity.title, Activity.pool,
                                 Activity.civic_center.name).where(Activity.pool.is_in(pool_ids))
    counts: dict[UUID, dict[str, int]] = defaultdict(lambda: dict.fromkeys(USED, 0))
    for seat in seats:
        counts[seat.pool_id][seat.status] += 1
    figures = [ActivityFigures(
        activity_id=as_uuid(row["id"]), title=row["title"],
        civic_center=row["civic_center.name"],
        places_used=shown(counts[as_uuid(row["pool"])]["enrolled"]),
        offered=shown(counts[as_uuid(row["pool"])]["offered"]),
        waitlisted=shown(counts[as_uuid(row["pool"])]["waitlisted"])) for row in rows]
    return sorted(figures, key=lambda a: (a.civic_center, a.title))


def _natural(text: str) -> list[Any]:
    """"Primaria 2A" before "Primaria 10A"."""
    return [(0, int(part), "") if part.isdecimal() else (1, 0, part.casefold())
            for part in re.split(r"(\d+)", text)]


# Word ---------------------------------------------------------------------------------------


def _day(report: SchoolReport) -> str:
    return format_date(report.prepared_on, format="long", locale=current_language())


def filename(report: SchoolReport) -> str:
    """`rapporto-scuola-<school>-<date>.docx`, in plain ASCII."""
    prefix = _("school report")
    return f"{_slug(prefix)}-{_slug(report.school.name)}-{report.prepared_on.isoformat()}.docx"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "x"


def _table(document: Any, header: list[str], rows: list[list[str]], widths: list[Any]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    heading = table.rows[0]
    heading._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, text, width in zip(heading.cells, header, widths, strict=True):
        cell.width = width
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text, width in zip(cells, values, widths, strict=True):
            cell.width = width
            cell.paragraphs[0].add_run(text)
    document.add_paragraph()


def small(count: int | None) -> str:
    """A count that could point at a pupil (1 to 4) as every page and report says it:
    "fewer than 5" (`app.figures`)."""
    return number(None if count is None else shown(count))


def _summary_rows(report: SchoolReport) -> list[list[str]]:
    return [[label, small(value)] for label, value in (
        (_("Families registered"), report.families),
        (_("Pupils registered"), report.pupils),
        (_("Pupils with consent"), report.pupils_with_consent),
        (_("Photo releases"), report.photo_releases),
        (_("Families reached"), report.families_reached),
        (_("Pupils reached"), report.pupils_reached),
        (_("Places used"), report.places_used),
        (_("Places offered, awaiting an answer"), report.places_offered),
        (_("On a waitlist"), report.waitlisted),
    )]


def write_docx(report: SchoolReport) -> bytes:
    """The Word report, in the current language (call it in a worker thread)."""
    document = Document()
    properties = document.core_properties
    properties.title = _("School report: {name}").format(name=report.school.name)
    properties.language = current_language()
    properties.author = "Legami"
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_paragraph(_("School report"), style="Title")
    document.add_paragraph(report.school.name, style="Subtitle")
    document.add_paragraph(_("Prepared on {date}").format(date=_day(report)))
    document.add_paragraph(_("Counts only: no pupil or family can be named from this "
                             "report. A pupil is reached when enrolled in at least one Civic "
                             "Center activity, and their family with them."))
    document.add_heading(_("Summary"), level=1)
    _table(document, [_("Figure"), _("Count")], _summary_rows(report), [Cm(11), Cm(4)])
    document.add_heading(_("By class"), level=1)
    if report.classes:
        _table(document, [_("Class"), _("Pupils"), _("With consent"), _("Reached"),
                          _("Places used"), _("On a waitlist")],
               [[c.class_name, *(small(n) for n in (c.pupils, c.with_consent, c.reached,
                                                      c.places_used, c.waitlisted))]
                for c in report.classes],
               [Cm(4.5)] + [Cm(2.5)] * 5)
    else:
        document.add_paragraph(_("No pupils are registered yet."))
    document.add_heading(_("By activity"), level=1)
    if report.activities:
        _table(document, [_("Activity title"), _("Civic Center"), _("Places used"),
                          _("Offered"), _("On a waitlist")],
               [[a.title, a.civic_center, small(a.places_used), small(a.offered),
                 small(a.waitlisted)] for a in report.activities],
               [Cm(5.5), Cm(4.5), Cm(2.3), Cm(2.3), Cm(2.4)])
    else:
        document.add_paragraph(_("No pupil of this school holds or awaits a place yet."))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


async def school_report_docx(caller: Caller, school_id: UUID) -> tuple[str, bytes]:
    """The file name and the Word document of the school's report."""
    report = await school_report(caller, school_id)
    return filename(report), await asyncio.to_thread(write_docx, report)
