"""The Word report of a Civic Center: its activities, places used, waitlists, and the
pupils and families reached, by category, town and school.

Only counts leave this module: the report names no pupil and no family. A pupil is
*reached* when they hold an enrolled place in at least one of the Civic Center's
activities; their family is reached with them. Drafts are left out: nobody could
enrol in them.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from babel.dates import format_date
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

from app.auth.caller import Caller
from app.clock import now
from app.i18n import _, current_language
from app.tables import Seat
from app.values import as_uuid
from civic.activities import service as activities
from civic.activities.schemas import ActivityInfo, CenterChoice, category_label
from civic.schools.report import small
from civic.tables import Pupil

PUPIL = "pupil"
TABLE_STYLE = "Legami Table"


@dataclass
class Totals:
    activities: int = 0
    capacity: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    pupils: set[UUID] = field(default_factory=set)
    families: set[UUID] = field(default_factory=set)

    def add(self, activity: ActivityInfo, reached: list[tuple[UUID, UUID]]) -> None:
        self.activities += 1
        self.capacity += activity.capacity
        self.enrolled += activity.enrolled
        self.waitlisted += activity.waitlisted
        self.pupils.update(pupil for pupil, _family in reached)
        self.families.update(family for _pupil, family in reached)


@dataclass
class CenterFigures:
    center: CenterChoice
    activities: list[ActivityInfo]
    total: Totals
    by_category: dict[str, Totals]
    by_town: dict[str, Totals]
    by_school: dict[str, Totals]


async def center_figures(caller: Caller, center_id: UUID) -> CenterFigures:
    """The figures of a Civic Center the caller may reach (404 otherwise)."""
    center = await activities.center_of(caller, center_id)
    offered = [a for a in await activities.list_activities(caller, center_id)
               if a.status != "draft"]
    reached, schools = await _reached([a.pool_id for a in offered if a.pool_id])
    figures = CenterFigures(center, offered, Totals(), defaultdict(Totals), defaultdict(Totals),
                            defaultdict(Totals))
    for activity in offered:
        pupils = reached.get(activity.pool_id, []) if activity.pool_id else []
        figures.total.add(activity, pupils)
        figures.by_category[activity.category].add(activity, pupils)
        figures.by_town[activity.town].add(activity, pupils)
    for (pupil, family), school in schools.items():
        figures.by_school[school].pupils.add(pupil)
        figures.by_school[school].families.add(family)
    return figures


async def _reached(pool_ids: list[UUID]) -> tuple[dict[UUID, list[tuple[UUID, UUID]]],
                                                   dict[tuple[UUID, UUID], str]]:
    """Per pool, its enrolled pupils with their family; and each pupil's school."""
    if not pool_ids:
        return {}, {}
    seats = await Seat.select(Seat.pool, Seat.holder_id).where(
        Seat.pool.is_in(pool_ids) & (Seat.status == "enrolled") & (Seat.holder_kind == PUPIL))
    pupil_ids = list({as_uuid(seat["holder_id"]) for seat in seats})
    rows = await Pupil.select(
        Pupil.id, Pupil.family, Pupil.family._.school._.name.as_alias("school")
    ).where(Pupil.id.is_in(pupil_ids)) if pupil_ids else []
    pupils = {as_uuid(row["id"]): (as_uuid(row["family"]), row["school"]) for row in rows}
    reached: dict[UUID, list[tuple[UUID, UUID]]] = defaultdict(list)
    for seat in seats:
        pupil = as_uuid(seat["holder_id"])
        if pupil in pupils:
            reached[as_uuid(seat["pool"])].append((pupil, pupils[pupil][0]))
    schools = {(pupil, family): school for pupil, (family, school) in pupils.items()}
    return reached, schools


async def center_report(caller: Caller, center_id: UUID) -> tuple[str, bytes]:
    """The report's file name and bytes, in the current language."""
    figures = await center_figures(caller, center_id)
    data = await asyncio.to_thread(write_report, figures)
    return f"civic-center-{_slug(figures.center.name)}-{now().date().isoformat()}.docx", data


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "report"


# The document ----------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return format_date(value, format="medium", locale=current_language()) if value else "—"


def _document(title: str) -> Any:
    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.language = current_language()
    properties.author = "Legami"
    small = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = document.styles["Normal"]
    small.font.size = Pt(8.5)
    small.paragraph_format.space_after = Pt(0)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
    return document


def _table(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        cell.paragraphs[0].style = document.styles[TABLE_STYLE]
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
            cell.paragraphs[0].style = document.styles[TABLE_STYLE]


def _state(status: str) -> str:
    return _("Closed") if status == "closed" else _("Open")


def _group_rows(groups: dict[str, Totals], label: Any) -> list[list[str]]:
    return [[label(key), str(t.activities), str(t.capacity), small(t.enrolled),
             small(t.waitlisted), small(len(t.pupils)), small(len(t.families))]
            for key, t in sorted(groups.items(), key=lambda item: label(item[0]))]


def write_report(figures: CenterFigures) -> bytes:
    """The .docx of `figures` (blocking: run it off the event loop)."""
    center, total = figures.center, figures.total
    title = _("Civic Center report: %(name)s") % {"name": center.name}
    document = _document(title)
    document.add_paragraph(_("Civic Center activities"), style="Title")
    document.add_paragraph(title, style="Subtitle")
    document.add_paragraph(_("Prepared on %(date)s") % {"date": _day(now().date())})
    document.add_paragraph(_("Counts only: this report names no pupil and no family."))
    document.add_heading(_("Summary"), level=1)
    # Counts of pupils, families and the places they hold read "fewer than 5" from 1 to
    # 4, as in every report (`small`); activities and places offered are not people.
    document.add_paragraph(_(
        "Activities offered: %(activities)s. Places: %(capacity)s; places used: "
        "%(enrolled)s. Pupils on waitlists: %(waitlisted)s.") % {
        "activities": total.activities, "enrolled": small(total.enrolled),
        "capacity": total.capacity, "waitlisted": small(total.waitlisted)})
    document.add_paragraph(_(
        "Pupils reached: %(pupils)s. Families reached: %(families)s. A pupil enrolled in "
        "several activities counts once.") % {
        "pupils": small(len(total.pupils)), "families": small(len(total.families))})
    header = [_("Activities"), _("Places"), _("Places used"), _("Waitlist"),
              _("Pupils reached"), _("Families reached")]
    document.add_heading(_("By category"), level=1)
    _table(document, [_("Category"), *header], _group_rows(figures.by_category, category_label))
    document.add_heading(_("By town"), level=1)
    _table(document, [_("Town"), *header], _group_rows(figures.by_town, str))
    document.add_heading(_("Pupils reached by school"), level=1)
    if figures.by_school:
        _table(document, [_("School"), _("Pupils reached"), _("Families reached")],
               [[school, small(len(t.pupils)), small(len(t.families))]
                for school, t in sorted(figures.by_school.items())])
    else:
        document.add_paragraph(_("No pupil is enrolled yet."))
    document.add_heading(_("Activities"), level=1)
    if figures.activities:
        _table(document, [_("Title"), _("Category"), _("Town"), _("Period"), _("Places"),
                          _("Places used"), _("Waitlist"), _("Status")],
               [[a.title, category_label(a.category), a.town,
                 f"{_day(a.starts_on)} – {_day(a.ends_on)}", str(a.capacity),
                 small(a.enrolled), small(a.waitlisted), _state(a.status)]
                for a in figures.activities])
    else:
        document.add_paragraph(_("No activity has been published yet."))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
