"""The half-yearly monitoring report for the funder (Fondazione Cariplo, «Welfare in
azione»), as a Word document on A4 pages.

Built on the program's logical framework (`logframe.py`): the general objective, then
per strategy its objective and expected result, its indicators (baseline, target, the
previous half-year, this one, the program to date), the narrative staff wrote, and what
happened (initiatives, schools and Civic Centers, labs); then the partners and an annex
with how each indicator is computed and its means of verification. Written from a
`HalfYear` and nothing else, in the caller's language, off the event loop: a frozen
half-year prints the same report every time.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from app.auth.caller import Caller
from app.dates import day, moment
from app.documents import a4_document
from app.figures import number
from app.i18n import _, current_language
from community.program import halfyear
from community.program import service as targets
from community.program.logframe import PERCENT, UNRECORDED, Indicator, Strategy, goal, strategies
from community.program.schemas import HalfYear

PROGRAM = "FareLegami"
FUNDER = "Fondazione Cariplo"
FUNDER_PROGRAM = "Welfare in azione"
TABLE_FONT = Pt(9)


async def program_report(caller: Caller, year: str | None, half: str | None
                         ) -> tuple[str, bytes]:
    """The report of a half-year as (file name, .docx bytes); InvalidInput on a bad period."""
    period = targets.parse_period(year, half)
    found = await halfyear.half_year(caller, period)
    data = await asyncio.to_thread(render, found)
    return filename(period), data


def filename(period: targets.Period) -> str:
    prefix = _("monitoring-report")  # a file name: lower case, no spaces
    return f"{prefix}-{period.year}-h{period.half}.docx"


# Formatting ------------------------------------------------------------------------------


def percent(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def value_of(indicator: Indicator, values: dict[str, int | None]) -> str:
    """An indicator's value as printed."""
    if indicator.kind == UNRECORDED:
        return _("not recorded")
    found = values.get(indicator.key)
    if indicator.kind == PERCENT:
        return percent(found)
    return number(found)


def _dates(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on and ends_on:
        return _("from {start} to {end}").format(start=day(starts_on), end=day(ends_on))
    if starts_on:
        return _("from {start}").format(start=day(starts_on))
    return _("until {end}").format(end=day(ends_on)) if ends_on else _("no set dates")


class Report:
    """A document being written: headings, paragraphs and tables of fixed widths."""

    def __init__(self, title: str) -> None:
        self.document = a4_document()
        properties = self.document.core_properties
        properties.title = title
        properties.author = "Legami"
        properties.language = current_language()

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(text, level=level)

    def paragraph(self, text: str = "", style: str | None = None) -> Any:
        return self.document.add_paragraph(text, style=style)

    def emphasis(self, text: str) -> None:
        self.document.add_paragraph().add_run(text).italic = True

    def table(self, header: list[str], widths: list[float], rows: list[list[str]]) -> None:
        """A grid with `header` repeated on every page; columns of `widths` cm (Word reads
        the cells' widths, LibreOffice the grid's)."""
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.autofit = False
        heading = table.rows[0]
        heading._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(heading.cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for values in rows:
            cells = table.add_row().cells
            name, _newline, details = values[0].partition("\n")
            if details:  # a list's row: its name in bold, what it is below
                first = cells[0].paragraphs[0]
                first.add_run(name).bold = True
                first.add_run("\n" + details)
                values = ["", *values[1:]]
            for cell, text in zip(cells, values, strict=True):
                if text:
                    cell.paragraphs[0].add_run(text)
        for index, column in enumerate(table.columns):
            column.width = Cm(widths[index])
            for cell in column.cells:
                cell.width = Cm(widths[index])
        for row in table.rows:
            row._tr.get_or_add_trPr().append(_cant_split())
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.space_after = Pt(0)
                    for run in paragraph.runs:
                        run.font.size = TABLE_FONT
        self.document.add_paragraph()

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _cant_split() -> Any:
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    return element


# Sections --------------------------------------------------------------------------------


def _period(found: HalfYear) -> targets.Period:
    return targets.Period(found.year, found.half)


def cover(report: Report, found: HalfYear) -> None:
    period = _period(found)
    report.paragraph(PROGRAM, style="Title")
    report.paragraph(_("Half-yearly monitoring report") + ": " + targets.period_label(period),
                     style="Subtitle")
    report.paragraph(_("{funder}, program «{program}»").format(
        funder=FUNDER, program=FUNDER_PROGRAM), style="Subtitle")
    report.paragraph(_("Period: from {start} to {end}.").format(
        start=day(period.starts_on), end=day(period.ends_on)))
    if found.frozen_at is not None:
        report.paragraph(_("Frozen on {when} by {who}: the figures are those of that day, "
                           "and every copy of this report is the same.").format(
            when=moment(found.frozen_at), who=found.frozen_by or "—"))
    else:
        report.emphasis(_("Draft made on {when} from live data: the half-year is not frozen "
                          "yet, and its figures may still change.").format(
            when=moment(found.computed_at)))
    report.heading(_("How to read this report"), level=2)
    for text in (
        _("Involved means took part: answered a needs survey, joined an initiative or an "
          "activity, attended a meeting or a session, accepted a pact. Being on a roster "
          "or having an account is shown apart, as context."),
        _("Every indicator is given at the start of the program (baseline, 2016), against "
          "its target, in the previous half-year, in this half-year and for the program "
          "to the end of this half-year. The annex says how each one is computed and "
          "where it can be verified."),
        _("No figure concerns a single person: a count of people from 1 to 4 is written "
          "«fewer than 5», and the pacts are counted in steps of 5."),
    ):
        report.paragraph(text, style="List Bullet")
    report.page_break()


def framework(report: Report, found: HalfYear) -> None:
    report.heading(_("The logical framework"))
    report.paragraph(_("General objective: {goal}").format(goal=goal()))
    report.table([_("Strategy"), _("Specific objective"), _("Expected result")],
                 [4, 6.5, 6.5],
                 [[f"{s.number}. {s.title}", s.objective, s.result] for s in strategies()])


def indicators_table(report: Report, found: HalfYear, strategy: Strategy) -> None:
    period = _period(found)
    report.table(
        [_("Indicator"), _("Baseline (2016)"), _("Target"),
         _("Previous half-year") + f"\n{targets.period_label(halfyear.previous(period))}",
         _("This half-year") + f"\n{targets.period_label(period)}", _("Program to date")],
        [4.8, 2.2, 2.2, 2.6, 2.6, 2.6],
        [[f"{i.code} {i.label}", number(i.baseline) if i.baseline is not None else "—",
          number(i.target) if i.target is not None else "—",
          value_of(i, found.previous), value_of(i, found.current),
          value_of(i, found.to_date)] for i in strategy.indicators])


def narrative(report: Report, found: HalfYear, strategy: Strategy) -> None:
    report.heading(_("What happened"), level=2)
    text = found.narratives.get(strategy.key, "").strip()
    if not text:
        report.emphasis(_("Program staff wrote no narrative for this strategy in this "
                          "half-year."))
        return
    for block in text.split("\n\n"):
        if block.strip():
            report.paragraph(block.strip())


def initiatives(report: Report, found: HalfYear) -> None:
    report.heading(_("Conciliation initiatives of the half-year"), level=2)
    if not found.initiatives:
        report.emphasis(_("No initiative ran in this half-year."))
        return
    report.table(
        [_("Initiative"), _("Provider"), _("For"), _("Places"), _("Participants"),
         _("Waitlist")],
        [4.2, 2.8, 3.0, 1.8, 2.8, 2.4],
        [[f"{line.title}\n{_dates(line.starts_on, line.ends_on)}"
          + (f"\n{_('Proposed by the lab «{lab}»').format(lab=line.lab)}" if line.lab else ""),
          line.provider or "—",
          (_("employees of {company}").format(company=line.company) if line.company
           else ", ".join(line.towns) or _("everyone")),
          number(line.places), number(line.participants), number(line.waitlisted)]
         for line in found.initiatives])


def schools_and_centers(report: Report, found: HalfYear) -> None:
    report.heading(_("Schools and Civic Centers"), level=2)
    if found.schools:
        report.table(
            [_("School"), _("Town"), _("Pupils registered"), _("Pupils reached"),
             _("Families reached")],
            [6, 3.4, 2.5, 2.5, 2.6],
            [[s.name, s.town, number(s.pupils_registered), number(s.pupils_reached),
              number(s.families_reached)] for s in found.schools])
    if found.civic_centers:
        report.table(
            [_("Civic Center"), _("Town"), _("Activities"), _("Places offered"),
             _("Places used"), _("Waitlist")],
            [4.8, 2.9, 2.3, 2.3, 2.5, 2.2],
            [[c.name, c.town, number(c.activities), number(c.capacity),
              number(c.enrolled) if c.percent_used is None
              else f"{number(c.enrolled)} ({percent(c.percent_used)})",
              number(c.waitlisted)] for c in found.civic_centers])
    if not found.schools and not found.civic_centers:
        report.emphasis(_("No school or Civic Center takes part yet."))


def labs(report: Report, found: HalfYear) -> None:
    report.heading(_("Community labs of the half-year"), level=2)
    if not found.labs:
        report.emphasis(_("No lab started, met or got an action done in this half-year."))
        return
    rows = []
    for line in found.labs:
        about = [_("workplace lab of {company}").format(company=line.company)
                 if line.scope == "workplace" and line.company else _("town lab"),
                 _("started on {date}").format(date=day(line.started_on))]
        if line.status == "closed":
            about.append(_("closed"))
        text = f"{line.title}\n{', '.join(about)}"
        if line.partners:
            text += "\n" + _("Partners: {names}").format(names=", ".join(line.partners))
        rows.append([text, line.town or "—", number(line.meetings), number(line.people),
                     number(line.guests), number(line.actions_done)])
    report.table([_("Lab"), _("Town"), _("Meetings"), _("People who attended"),
                  _("of whom guests"), _("Actions done")],
                 [5.2, 2.9, 2.2, 2.3, 2.1, 2.3], rows)


LISTS: dict[str, Callable[[Report, HalfYear], None]] = {
    "companies": initiatives, "schools": schools_and_centers, "labs": labs}


def strategy_sections(report: Report, found: HalfYear) -> None:
    for strategy in strategies():
        report.page_break()
        report.heading(_("Strategy {number}: {title}").format(
            number=strategy.number, title=strategy.title))
        report.paragraph(_("Specific objective: {text}").format(text=strategy.objective))
        report.paragraph(_("Expected result: {text}").format(text=strategy.result))
        indicators_table(report, found, strategy)
        narrative(report, found, strategy)
        if strategy.key in LISTS:
            LISTS[strategy.key](report, found)


def partners(report: Report, found: HalfYear) -> None:
    report.page_break()
    report.heading(_("Partners"))
    kinds = {"company": _("Company"), "school": _("School"),
             "civic_center": _("Civic Center"),
             "named": _("Association, cooperative or council (named in a lab or as a "
                        "provider)")}
    if not found.partners:
        report.emphasis(_("No partner is registered yet."))
        return
    report.paragraph(_("Partner bodies registered at the end of the half-year, and those "
                       "named in its labs and initiatives: {count}.").format(
        count=number(len(found.partners))))
    report.table([_("Partner"), _("Kind"), _("Town")], [7.5, 6, 3.5],
                 [[line.name, kinds.get(line.kind, line.kind), line.town or "—"]
                  for line in found.partners])


def annex(report: Report, found: HalfYear) -> None:
    report.page_break()
    report.heading(_("Annex: how each indicator is computed"))
    report.table([_("Code"), _("Indicator"), _("How it is computed"),
                  _("Means of verification")], [1.4, 3.8, 6.3, 5.5],
                 [[i.code, i.label, i.definition, i.verification]
                  for s in strategies() for i in s.indicators])
    report.heading(_("Counting rules"), level=2)
    for text in (
        _("A half-year runs from 1 January to 30 June or from 1 July to 31 December, "
          "Italian time. «Program to date» counts from the program's start to the end "
          "of the half-year."),
        _("Taking part is read from what people did: survey invitations answered (never "
          "the answers), places taken, attendance registers. Waitlists are as they stood "
          "when the report was made."),
        _("Partners, schools, Civic Centers and accounts count when registered before "
          "the end of the period and still active when the report was made."),
        _("A count of people from 1 to 4 is written «fewer than 5»; a share is not given "
          "when the count it is made of is below 5."),
    ):
        report.paragraph(text, style="List Bullet")


SECTIONS = (cover, framework, strategy_sections, partners, annex)


def render(found: HalfYear) -> bytes:
    """The whole report as .docx bytes, in the current language."""
    report = Report(_("Half-yearly monitoring report") + " · " + targets.period_label(
        _period(found)))
    properties = report.document.core_properties
    properties.created = properties.modified = found.frozen_at or found.computed_at
    for section in SECTIONS:
        section(report, found)
    return report.save()
