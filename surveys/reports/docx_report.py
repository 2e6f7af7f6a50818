"""Word reports of a wave's results: a company report and a territory report.

The report is written from the results service's DTOs and nothing else: every figure,
and every hidden one with its reason in words, is the one the pages show. The report
is a list of steps (cover, summary, response rate, one step per question, …) so the
job can record its progress as each section is written.

Call the builders in the language of the report (`app.i18n.use_language`).
"""

from __future__ import annotations

import copy
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.numbers import format_decimal, format_percent
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table

from app.dates import day
from app.i18n import _, current_language
from surveys.reports.bars import Bars
from surveys.results.model import (
    AreaCell,
    Comments,
    CompanyResults,
    CrossTab,
    Figure,
    Group,
    HeatMap,
    Need,
    ProgramResults,
    QuestionResult,
    Rate,
    Share,
    Thresholds,
    WaveInfo,
)

TOP_NEEDS = 5
BAR_SPACE = Cm(6.5)  # the length of a 100% bar
PAGE_WIDTH = Cm(17)  # A4 less the margins
LANDSCAPE_WIDTH = Cm(25.7)
LABEL_WIDTH = Cm(3.4)  # a group or item column of a table
CHART_LABEL_WIDTH = Cm(5.5)
COUNT_WIDTH = Cm(2.1)
TABLE_STYLE = "Legami Table"
TABLE_STYLE_ID = "LegamiTable"
Results = CompanyResults | ProgramResults


@dataclass
class ReportView:
    """What a report shows, the same for both kinds: `subject` is the company or the
    program; `compare` the territory shown beside a company, when there is one."""

    kind: str  # company, territory
    subject: Group
    compare: Group | None
    wave: WaveInfo
    thresholds: Thresholds
    rates: list[Rate]
    needs: list[Need]
    compare_needs: list[Need]
    questions: list[QuestionResult]
    crosstabs: list[CrossTab] = field(default_factory=list)
    heat_maps: list[tuple[str, HeatMap]] = field(default_factory=list)
    comments: Comments | None = None


def view_of(results: Results) -> ReportView:
    """The report's view of a company's or the program's results."""
    if isinstance(results, CompanyResults):
        return ReportView("company", results.company, results.territory, results.wave,
                          results.thresholds, results.rates, results.needs,
                          results.territory_needs, results.questions, results.crosstabs,
                          comments=results.comments)
    return ReportView("territory", results.program, None, results.wave, results.thresholds,
                      results.rates, results.needs, [], results.questions,
                      heat_maps=[(_("Needs by company and area"), results.heat_companies),
                                 (_("Needs by town and area"), results.heat_towns)],
                      comments=results.comments)


# Formatting ------------------------------------------------------------------------------


def percent(share: float) -> str:
    return format_percent(share, locale=current_language())


def decimal(value: float) -> str:
    return format_decimal(value, format="#,##0.0", locale=current_language())




def group_name(group: Group) -> str:
    """A group as readers know it: "Reparto: Produzione" for a reporting group."""
    if group.kind == "group" and group.dimension_label:
        return f"{group.dimension_label}: {group.label}"
    return group.label


# The document ----------------------------------------------------------------------------


def small(paragraph: Any) -> None:
    """Give a table's paragraph the small table style.

    Set on the XML by id: `paragraph.style = …` looks the style up among all styles for
    every cell, which made a report for 1,000 responses take seconds.
    """
    paragraph._p.style = TABLE_STYLE_ID


@dataclass
class Grid:
    """A table being filled. Its rows are copies of `template` (cells with their widths,
    style and an empty run): python-docx builds each cell element by element, and a
    report has thousands of cells."""

    table: Table
    template: Any


def _template_row(table: Table, widths: tuple[int, ...]) -> Any:
    row = table.add_row()
    for cell, width in zip(row.cells, widths, strict=True):
        cell.width = width
        small(cell.paragraphs[0])
        cell.paragraphs[0].add_run(" ")  # a w:t keeping its spaces, for the text
    table._tbl.remove(row._tr)
    return row._tr


class Writer:
    """A document being written, with the helpers every section uses."""

    def __init__(self, view: ReportView) -> None:
        self.view = view
        self.document = Document()
        self.bars = Bars(self.document)
        self._style_ids: dict[str, str] = {}
        self._set_up()

    def _set_up(self) -> None:
        properties = self.document.core_properties
        properties.title = title_of(self.view)
        properties.language = current_language()
        properties.author = "Legami"
        small = self.document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        assert small.style_id == TABLE_STYLE_ID
        small.base_style = self.document.styles["Normal"]
        small.font.size = Pt(8.5)
        small.paragraph_format.space_after = Pt(0)
        for section in self.document.sections:
            section.left_margin = section.right_margin = Cm(2)

    def style_id(self, name: str) -> str:
        # python-docx finds a style by name by scanning them all: once per name is enough.
        if name not in self._style_ids:
            self._style_ids[name] = self.document.styles[name].style_id
        return self._style_ids[name]

    def heading(self, text: str, level: int = 1) -> None:
        self.paragraph(text, f"Heading {level}")

    def paragraph(self, text: str = "", style: str | None = None) -> None:
        paragraph = self.document.add_paragraph(text)
        if style:
            paragraph._p.style = self.style_id(style)

    def grid(self, widths: tuple[int, ...], style: str | None = None) -> Grid:
        """An empty table of fixed column widths (Word reads the cells', LibreOffice the
        grid's)."""
        table = self.document.add_table(rows=0, cols=len(widths))
        if style:
            table._tbl.tblPr.style = self.style_id(style)
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        return Grid(table, _template_row(table, widths))

    def table(self, header: list[str], widths: tuple[int, ...]) -> Grid:
        """A grid table with `header` as its first row, repeated on every page."""
        grid = self.grid(widths, "Table Grid")
        heading_row = self.row(grid, header)
        heading_row.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for run in heading_row.iter(qn("w:r")):
            run.get_or_add_rPr().append(OxmlElement("w:b"))
        return grid

    def row(self, grid: Grid, values: list[str]) -> Any:
        """Add a row of `values` (as many as the columns); return its XML element."""
        row = copy.deepcopy(grid.template)
        for cell, value in zip(row.tc_lst, values, strict=False):
            cell.p_lst[0].r_lst[0].t_lst[0].text = value
        grid.table._tbl.append(row)
        return row

    def hidden_row(self, grid: Grid, label: str, note: str, skip: int = 1) -> None:
        """A row whose figures are hidden: the label, then the reason across the row."""
        row = copy.deepcopy(grid.template)
        cells = row.tc_lst
        for cell in cells[skip + 1:]:
            row.remove(cell)
        span = cells[skip]
        span.grid_span = len(cells) - skip
        span.width = sum(c.width or 0 for c in cells[skip:])
        cells[0].p_lst[0].r_lst[0].t_lst[0].text = label
        note_run = span.p_lst[0].r_lst[0]
        note_run.t_lst[0].text = note
        note_run.get_or_add_rPr().append(OxmlElement("w:i"))
        grid.table._tbl.append(row)
    def landscape(self, wide: bool) -> None:
        """Go on in a new section on landscape (`wide`) or portrait pages."""
        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        width, height = sorted((section.page_width, section.page_height), reverse=wide)
        section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = width, height

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def title_of(view: ReportView) -> str:
    if view.kind == "company":
        return _("Company report: {name}").format(name=view.subject.label)
    return _("Territory report: {name}").format(name=view.subject.label)


# Sections --------------------------------------------------------------------------------


def cover(writer: Writer) -> None:
    view = writer.view
    writer.paragraph(_("Needs assessment report"), style="Title")
    writer.paragraph(title_of(view), style="Subtitle")
    writer.paragraph(_("Wave: {title}").format(title=view.wave.title))
    writer.paragraph(_("From {start} to {end}").format(start=day(view.wave.opens_on),
                                                        end=day(view.wave.closes_on)))
    writer.paragraph(_("Prepared on {date}").format(date=day(date.today())))
    writer.paragraph(_("Anonymous aggregated figures: no answer of any one person can be "
                       "read in this report."))
    writer.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def executive_summary(writer: Writer) -> None:
    """Two or three pages a board reads: who answered, the most shared needs as a chart,
    the strongest need of each area, and what to do next; the tables follow in the
    appendix."""
    view = writer.view
    writer.heading(_("Executive summary"))
    writer.paragraph(rate_sentence(view.rates[0]) if view.rates else "")
    if not view.needs:
        writer.paragraph(_("No need can be shown: the groups are too small, or nobody "
                           "expressed one."))
    else:
        needs_chart(writer)
        areas_table(writer)
    participation_chart(writer)
    writer.heading(_("Next steps"), level=2)
    for text in (
        _("Discuss the most shared needs with the people concerned, in a workplace "
          "community lab, before choosing answers."),
        _("The program's community makers turn needs shared across companies and towns "
          "into initiatives: see the proposals in Legami."),
        _("Run the survey again after the initiatives: the next report compares the two "
          "waves."),
    ):
        writer.paragraph(text, style="List Bullet")
    writer.paragraph(_("The full tables, question by question and group by group, are in "
                       "the appendix; the last section explains the method and the "
                       "privacy rules."))


def needs_chart(writer: Writer) -> None:
    """The most shared needs as bars, beside the territory's when it is shown."""
    view = writer.view
    writer.heading(_("The most shared needs"), level=2)
    writer.paragraph(_("Share of those who answered each question who expressed the need."))
    compare = {(n.question, n.option): n for n in view.compare_needs}
    labels = [group_name(view.subject)] + ([group_name(view.compare)] if view.compare
                                           and compare else [])
    if len(labels) > 1:
        legend(writer, labels)
    grid = writer.grid((CHART_LABEL_WIDTH, BAR_SPACE + Cm(1), Cm(2.5)))
    for need in view.needs[:TOP_NEEDS]:
        other = compare.get((need.question, need.option))
        lines = [(0, need)] + ([(1, other)] if other is not None and len(labels) > 1 else [])
        row = writer.row(grid, [need_label(need), "", " · ".join(
            percent(line.share) for _colour, line in lines)])
        for colour, line in lines:
            paragraph = row.tc_lst[1].p_lst[0] if colour == 0 else row.tc_lst[1].add_p()
            paragraph.style = TABLE_STYLE_ID
            _bar(writer, paragraph, colour, Share(line.option, need_label(line), line.count,
                                                  line.share), labels[colour])
    writer.paragraph()
    for need in view.needs[:TOP_NEEDS]:
        writer.paragraph(need_sentence(need, compare.get((need.question, need.option))),
                         style="List Bullet")


def areas_table(writer: Writer) -> None:
    """The most shared need of each area, the areas in the order of their top need."""
    strongest: dict[str, Need] = {}
    for need in writer.view.needs:  # most shared first
        strongest.setdefault(need.area_label, need)
    writer.heading(_("Needs by area"), level=2)
    table = writer.table([_("Area"), _("Most shared need"), _("Share")],
                         _spread((CHART_LABEL_WIDTH, Cm(8.5)), 3))
    for area, need in strongest.items():
        writer.row(table, [area, need_label(need), f"{percent(need.share)} "
                                                   f"({need.count}/{need.n})"])


def participation_chart(writer: Writer) -> None:
    """The response rate of each group shown, as bars; hidden groups say why."""
    rates = [rate for rate in writer.view.rates if rate.invited is not None]
    if not rates:
        return
    writer.heading(_("Who answered"), level=2)
    grid = writer.grid((CHART_LABEL_WIDTH, BAR_SPACE + Cm(1), Cm(2.5)))
    for rate in rates:
        if rate.hidden or rate.rate is None:
            writer.row(grid, [group_name(rate.group), rate.note, ""])
            continue
        at_least = "≥ " if rate.at_least else ""
        row = writer.row(grid, [group_name(rate.group), "", at_least + percent(rate.rate)])
        _bar(writer, row.tc_lst[1].p_lst[0], 0,
             Share("rate", _("Response rate"), rate.answered or 0, rate.rate),
             group_name(rate.group))


def appendix(writer: Writer) -> None:
    writer.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    writer.heading(_("Appendix: the full tables"))
    writer.paragraph(_("Every figure of the wave for this report, group by group: the same "
                       "as in Legami's results pages."))


def rate_sentence(rate: Rate) -> str:
    """The response rate of the report's subject, in words."""
    if rate.hidden or rate.invited is None or rate.answered is None:
        return _("The response rate is not shown: {reason}.").format(reason=rate.note)
    if rate.at_least:
        return _("At least {answered} of the {invited} people invited have answered so "
                 "far (counted in steps of 5 while the wave is open).").format(
            answered=rate.answered, invited=rate.invited)
    return _("{answered} of the {invited} people invited answered ({rate}).").format(
        answered=rate.answered, invited=rate.invited,
        rate=percent(rate.rate or 0.0))


def need_label(need: Need) -> str:
    """A need in words; the points of a 1–5 scale say which question and which points."""
    if "-" in need.option:
        low, *_middle, high = need.option.split("-")
        return _("{question} ({low} to {high} out of 5)").format(
            question=need.question_text, low=low, high=high)
    return need.label


def need_sentence(need: Need, compare: Need | None) -> str:
    label = need_label(need)
    sentence = _("{need} ({area}): {share} of those who answered ({count} of {n})").format(
        need=label, area=need.area_label, share=percent(need.share), count=need.count,
        n=need.n)
    if compare is not None:
        sentence += "; " + _("in the territory: {share}").format(share=percent(compare.share))
    return sentence


def rates(writer: Writer) -> None:
    writer.heading(_("Response rate"), level=2)
    table = writer.table([_("Group"), _("People invited"), _("Answered"), _("Response rate")],
                         _spread((LABEL_WIDTH,), 4))
    for rate in writer.view.rates:
        label = group_name(rate.group)
        if rate.invited is None:
            writer.hidden_row(table, label, rate.note)
        elif rate.hidden:
            writer.row(table, [label, str(rate.invited), rate.note, "—"])
        else:
            at_least = "≥ " if rate.at_least else ""
            writer.row(table, [label, str(rate.invited), at_least + str(rate.answered),
                               at_least + percent(rate.rate) if rate.rate is not None
                               else "—"])


def questions_heading(writer: Writer) -> None:
    writer.heading(_("Results by question"), level=2)
    writer.paragraph(_("Percentages are of those who answered each question. Where a "
                       "group is too small, or could be worked out from the others, its "
                       "figures are not shown and the table says why."))


def question(result: QuestionResult) -> Callable[[Writer], None]:
    """The step that writes one question: its chart, then its table."""

    def write(writer: Writer) -> None:
        info = result.question
        writer.heading(info.text, level=3)
        if info.area_label:
            writer.paragraph(_("Area: {area}").format(area=info.area_label))
        chart(writer, result)
        question_table(writer, result.figures, info.type)

    return write


def chart(writer: Writer, result: QuestionResult) -> None:
    """Bars of the subject's figure, beside the territory's when both are shown."""
    figures = chart_figures(writer.view, result.figures)
    if not figures:
        return
    shown = [f for f in figures if not f.hidden]
    for figure in figures:
        if figure.hidden:
            writer.paragraph(_("No chart for {group}: {reason}.").format(
                group=group_name(figure.group), reason=figure.note))
    if not shown:
        return
    if result.question.type == "grid":
        grid_chart(writer, shown[0])
        return
    if len(shown) > 1:
        legend(writer, [group_name(f.group) for f in shown])
    bar_chart(writer, shown)


def chart_figures(view: ReportView, figures: list[Figure]) -> list[Figure]:
    keys = [view.subject.key] + ([view.compare.key] if view.compare else [])
    by_key = {f.group.key: f for f in figures}
    return [by_key[key] for key in keys if key in by_key]


def legend(writer: Writer, labels: Iterable[str]) -> None:
    paragraph = writer.document.add_paragraph()
    for colour, label in enumerate(labels):
        writer.bars.swatch(paragraph._p, colour, label)
        paragraph.add_run(f" {label}   ")


def bar_chart(writer: Writer, figures: list[Figure]) -> None:
    """One row per answer: its label, one bar per figure, and the percentages."""
    grid = writer.grid((CHART_LABEL_WIDTH, BAR_SPACE + Cm(1), Cm(2.5)))
    for index, share in enumerate(figures[0].shares):
        lines = [(colour, f.group, f.shares[index]) for colour, f in enumerate(figures)
                 if index < len(f.shares)]
        row = writer.row(grid, [share.label, "", " · ".join(percent(s.share)
                                                          for _c, _g, s in lines)])
        bar_cell = row.tc_lst[1]
        for colour, group, line in lines:
            paragraph = bar_cell.p_lst[0] if colour == 0 else bar_cell.add_p()
            paragraph.style = TABLE_STYLE_ID
            _bar(writer, paragraph, colour, line, group_name(group))


def grid_chart(writer: Writer, figure: Figure) -> None:
    """One stacked bar per item of a grid, one colour per answer."""
    if not figure.rows:
        return
    writer.paragraph(group_name(figure.group))
    legend(writer, [share.label for share in figure.rows[0].shares])
    grid = writer.grid((CHART_LABEL_WIDTH, BAR_SPACE + Cm(1)))
    for grid_row in figure.rows:
        row = writer.row(grid, [grid_row.label, ""])
        for colour, share in enumerate(grid_row.shares):
            _bar(writer, row.tc_lst[1].p_lst[0], colour, share, grid_row.label)


def _bar(writer: Writer, paragraph: Any, colour: int, share: Share, whose: str) -> None:
    if share.share > 0:
        text = f"{whose} · {share.label}: {percent(share.share)}"
        writer.bars.add(paragraph, colour, int(BAR_SPACE * share.share), text)


def question_table(writer: Writer, figures: list[Figure], kind: str) -> None:
    """Every group's figure: respondents, the share of each answer, the mean."""
    if kind == "grid":
        grid_table(writer, figures)
        return
    first = next((f for f in figures if not f.hidden), None)
    answers = [share.label for share in first.shares] if first else []
    with_mean = kind in ("scale", "number")
    header = [_("Group"), _("Respondents"), *answers] + ([_("Mean")] if with_mean else [])
    table = writer.table(header, _spread((LABEL_WIDTH, COUNT_WIDTH), len(header)))
    for figure in figures:
        if figure.hidden:
            writer.hidden_row(table, group_name(figure.group), figure.note)
            continue
        values = [group_name(figure.group), str(figure.n)]
        values += [f"{percent(s.share)} ({s.count})" for s in figure.shares]
        if with_mean:
            values.append(decimal(figure.mean) if figure.mean is not None else "—")
        writer.row(table, values)


def grid_table(writer: Writer, figures: list[Figure]) -> None:
    first = next((f for f in figures if not f.hidden and f.rows), None)
    answers = [share.label for share in first.rows[0].shares] if first else []
    table = writer.table([_("Group"), _("Item"), _("Respondents"), *answers],
                         _spread((LABEL_WIDTH, LABEL_WIDTH, COUNT_WIDTH), 3 + len(answers)))
    for figure in figures:
        if figure.hidden:
            writer.hidden_row(table, group_name(figure.group), figure.note)
            continue
        for grid_row in figure.rows:
            writer.row(table, [group_name(figure.group), grid_row.label, str(grid_row.n),
                               *[f"{percent(s.share)} ({s.count})" for s in grid_row.shares]])


def _spread(fixed: tuple[int, ...], columns: int, page: int = PAGE_WIDTH) -> tuple[int, ...]:
    """`fixed` widths first, then the rest of the page shared by the other columns."""
    rest = max(columns - len(fixed), 1)
    return (*fixed, *[(page - sum(fixed)) // rest] * rest)


def crosstabs(writer: Writer) -> None:
    writer.heading(_("Cross-tabulations"), level=2)
    writer.paragraph(_("Defined in advance by the program: the answers to some questions, "
                       "split by the answer to another."))
    for crosstab in writer.view.crosstabs:
        writer.heading(crosstab.attribute_text, level=3)
        for result in crosstab.questions:
            writer.heading(result.question.text, level=4)
            question_table(writer, result.figures, result.question.type)


def heat_maps(writer: Writer) -> None:
    """Groups × need areas, on landscape pages: a column per area."""
    writer.landscape(True)
    for title, heat_map in writer.view.heat_maps:
        writer.heading(title, level=2)
        writer.paragraph(_("Each cell names the most shared need of the area in the group, "
                           "with the share of those who answered."))
        table = writer.table([_("Group"), *[area.label for area in heat_map.areas]],
                             _spread((LABEL_WIDTH,), 1 + len(heat_map.areas), LANDSCAPE_WIDTH))
        for heat_row in heat_map.rows:
            notes = {cell.note for cell in heat_row.cells if cell.hidden}
            if len(notes) == 1 and all(cell.hidden for cell in heat_row.cells):
                writer.hidden_row(table, group_name(heat_row.group), notes.pop())
            else:
                writer.row(table, [group_name(heat_row.group),
                                   *[heat_cell(cell) for cell in heat_row.cells]])
    writer.landscape(False)


def heat_cell(cell: AreaCell) -> str:
    if cell.hidden:
        return cell.note
    if cell.share is None:
        return "—"
    return f"{cell.need}: {percent(cell.share)}"


def comments(writer: Writer) -> None:
    found = writer.view.comments
    if found is None:
        return
    writer.heading(_("Comments"), level=2)
    if found.hidden or not found.items:
        writer.paragraph(_("No comment is shown: {reason}.").format(
            reason=found.note or _("nobody wrote one")))
        return
    writer.paragraph(_("In random order, without names, e-mail addresses, phone numbers "
                       "or tax codes."))
    for item in found.items:
        writer.paragraph(f"{item.question_text}: «{item.text}»", style="List Bullet")


def method(writer: Writer) -> None:
    limits = writer.view.thresholds
    writer.heading(_("Method and privacy"))
    for text in (
        _("The answers are anonymous by construction: who was invited and who answered is "
          "kept apart from what was answered, and no answer carries a name, an address or "
          "the time it was given."),
        _("No figure, count or response rate is shown for a group of fewer than {count} "
          "respondents.").format(count=limits.group),
        _("Free-text comments are shown only after the wave has closed, only for groups of "
          "at least {count} respondents, in random order and without e-mail addresses, "
          "phone numbers, tax codes or names.").format(count=limits.text),
        _("Complementary suppression: a group is also hidden when its figures could be "
          "worked out from those shown, by subtracting the other groups from their total, "
          "the companies from their territory, or one wave from another. A hidden cell "
          "says why in words; it is never a zero."),
        _("With multiple choice a person may choose several answers, so the percentages "
          "can add up to more than 100%."),
        _("This report holds aggregated figures only: individual answers never leave "
          "Legami."),
    ):
        writer.paragraph(text)


# The whole report ------------------------------------------------------------------------

Step = Callable[[Writer], None]


def steps(view: ReportView) -> list[Step]:
    """The sections in order; the job records its progress after each one."""
    found: list[Step] = [cover, executive_summary, appendix, rates, questions_heading]
    found += [question(result) for result in view.questions
              if result.question.type != "text"]
    if view.crosstabs:
        found.append(crosstabs)
    if view.heat_maps:
        found.append(heat_maps)
    return [*found, comments, method]


def render(view: ReportView) -> bytes:
    """The whole report as .docx bytes, in the current language."""
    writer = Writer(view)
    for step in steps(view):
        step(writer)
    return writer.save()


def filename(view: ReportView) -> str:
    """`rapporto-<subject>-<wave>.docx`, in plain ASCII."""
    prefix = _("report")
    return f"{slug(prefix)}-{slug(view.subject.label)}-{slug(view.wave.title)}.docx"


def slug(text: str) -> str:
    """`text` as a safe piece of a file name: ASCII lower case and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "x"
