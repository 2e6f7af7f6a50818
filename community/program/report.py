"""The half-yearly monitoring report for the funder (Fondazione Cariplo, "Welfare in
azione"), as a Word document.

Written from the dashboard's figures for the half-year and nothing else, in the
caller's language, off the event loop. It ends with an empty "Notes" section the staff
fill in Word.
"""

from __future__ import annotations

import asyncio
import io

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

from app.auth.caller import Caller
from app.dates import day
from app.figures import number
from app.i18n import _, current_language
from community.program import service as targets
from community.program.schemas import ProgramFigures

FUNDER = "Fondazione Cariplo, «Welfare in azione»"


async def program_report(caller: Caller, year: str | None, half: str | None
                         ) -> tuple[str, bytes]:
    """The report of a half-year as (file name, .docx bytes); InvalidInput on a bad period."""
    period = targets.parse_period(year, half)
    figures = await targets.program_figures(caller, period)
    data = await asyncio.to_thread(render, figures)
    return filename(period), data


def filename(period: targets.Period) -> str:
    prefix = _("monitoring-report")  # a file name: lower case, no spaces
    return f"{prefix}-{period.year}-h{period.half}.docx"


# Formatting ------------------------------------------------------------------------------



def percent(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def places_used(enrolled: int | None, share: int | None) -> str:
    return number(enrolled) if share is None else f"{number(enrolled)} ({percent(share)})"




class Report:
    """A document being written: headings, paragraphs, fact lists and tables."""

    def __init__(self, title: str) -> None:
        self.document = Document()
        properties = self.document.core_properties
        properties.title = title
        properties.author = "Legami"
        properties.language = current_language()
        for section in self.document.sections:
            section.left_margin = section.right_margin = Cm(2)

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(text, level=level)

    def paragraph(self, text: str = "", style: str | None = None) -> None:
        self.document.add_paragraph(text, style=style)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        """Label and value pairs, one bullet each."""
        for label, value in rows:
            paragraph = self.document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{label}: ")
            paragraph.add_run(value).bold = True

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        heading = table.rows[0]
        heading._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(heading.cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for values in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, values, strict=True):
                cell.paragraphs[0].text = text
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(9.5)
        self.document.add_paragraph()

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


# Sections --------------------------------------------------------------------------------


def cover(report: Report, figures: ProgramFigures) -> None:
    period = figures.period
    report.paragraph(_("Monitoring report"), style="Title")
    report.paragraph(f"FareLegami · {FUNDER}", style="Subtitle")
    if period.starts_on and period.ends_on:
        report.paragraph(_("Period: {label}, from {start} to {end}.").format(
            label=period.label, start=day(period.starts_on), end=day(period.ends_on)))
    report.paragraph(_("Prepared on {date} from Legami's live data.").format(
        date=day(figures.computed_at.date())))
    report.paragraph(_("Program-wide totals: no figure in this report concerns a single "
                       "person. In the tables by town, school and Civic Center a count "
                       "from 1 to 4 is written as «fewer than 5»."))


def summary(report: Report, figures: ProgramFigures) -> None:
    report.heading(_("Targets and results"))
    report.table(
        [_("Target"), _("Target value"), _("Achieved"), _("Progress")],
        [[t.label, number(t.target), number(t.achieved), percent(t.percent)]
         for t in figures.targets])


def companies(report: Report, figures: ProgramFigures) -> None:
    report.heading(_("Companies and workers"))
    report.facts([(_("Companies involved"), number(figures.companies)),
                  (_("Workers involved"), number(figures.workers))])
    report.table([_("Town"), _("Companies"), _("Workers")],
                 [[t.label, number(t.companies), number(t.workers)] for t in figures.towns])


def surveys(report: Report, figures: ProgramFigures) -> None:
    found = figures.surveys
    report.heading(_("Needs surveys"))
    report.facts([(_("Survey waves closed in the period"), number(found.waves_closed)),
                  (_("Responses gathered in those waves"), number(found.responses))])
    report.paragraph(_("Counts only: the answers themselves are in the survey reports, "
                       "which hide every group of fewer than 5 respondents."))


def labs(report: Report, figures: ProgramFigures) -> None:
    found = figures.labs
    report.heading(_("Community labs"))
    report.facts([(_("Labs started in the period"), number(found.started)),
                  (_("of which still active"), number(found.active)),
                  (_("of which closed"), number(found.closed)),
                  (_("Meetings held in the period"), number(found.meetings_held)),
                  (_("Actions done in the period"), number(found.actions_done))])


def initiatives(report: Report, figures: ProgramFigures) -> None:
    found = figures.initiatives
    report.heading(_("Conciliation initiatives"))
    report.facts([(_("Initiatives running in the period"), number(found.initiatives)),
                  (_("Participants (places taken)"), number(found.participants))])


def schools(report: Report, figures: ProgramFigures) -> None:
    reach = figures.reach
    report.heading(_("Schools, pupils and families"))
    report.facts([(_("Schools involved"), number(reach.schools)),
                  (_("Families registered"), number(reach.families_registered)),
                  (_("Pupils registered"), number(reach.pupils_registered)),
                  (_("Pupils reached"), number(reach.pupils_reached)),
                  (_("Families reached"), number(reach.families_reached))])
    if figures.schools:
        report.table(
            [_("School"), _("Town"), _("Families registered"), _("Pupils registered"),
             _("Pupils reached"), _("Families reached")],
            [[s.name, s.town, number(s.families_registered), number(s.pupils_registered),
              number(s.pupils_reached), number(s.families_reached)] for s in figures.schools])


def civic_centers(report: Report, figures: ProgramFigures) -> None:
    civic = figures.civic
    report.heading(_("Civic Centers"))
    report.facts([(_("Civic Centers"), number(civic.civic_centers)),
                  (_("Activities running in the period"), number(civic.activities)),
                  (_("Places offered"), number(civic.capacity)),
                  (_("Places used"), number(civic.enrolled)),
                  (_("On a waitlist today"), number(civic.waitlisted))])
    if figures.civic_centers:
        report.table(
            [_("Civic Center"), _("Town"), _("Activities"), _("Places offered"),
             _("Places used"), _("Waitlist")],
            [[c.name, c.town, number(c.activities), number(c.capacity),
              places_used(c.enrolled, c.percent_used), number(c.waitlisted)]
             for c in figures.civic_centers])


def towns(report: Report, figures: ProgramFigures) -> None:
    report.heading(_("By town"))
    report.table(
        [_("Town"), _("Companies"), _("Labs"), _("Schools"), _("Families registered"),
         _("Pupils reached"), _("Civic Centers")],
        [[t.label, number(t.companies), number(t.labs), number(t.schools),
          number(t.families_registered), number(t.pupils_reached), number(t.civic_centers)]
         for t in figures.towns])


def method(report: Report, figures: ProgramFigures) -> None:
    report.heading(_("How the figures are counted"))
    for target in figures.targets:
        report.paragraph(f"{target.label}: {target.definition}", style="List Bullet")
    for text in targets.counting_notes():
        report.paragraph(text, style="List Bullet")


def notes(report: Report, figures: ProgramFigures) -> None:
    report.page_break()
    report.heading(_("Notes"))
    paragraph = report.document.add_paragraph()
    paragraph.add_run(_("Write here what the figures do not say: what went well, what "
                        "was hard, what changes in the next half-year.")).italic = True
    for _index in range(3):
        report.paragraph()


SECTIONS = (cover, summary, companies, surveys, labs, initiatives, schools, civic_centers,
            towns, method, notes)


def render(figures: ProgramFigures) -> bytes:
    """The whole report as .docx bytes, in the current language."""
    report = Report(_("Monitoring report") + f" · {figures.period.label}")
    for section in SECTIONS:
        section(report, figures)
    return report.save()
