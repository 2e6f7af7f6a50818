"""Exports of a wave's aggregated tables as CSV and XLSX.

The tables are read from the results service, so they hold exactly what the pages
show: a hidden figure is a row whose figure cells give the reason in words, never a
zero. Only aggregated tables leave: no response, and no free text.

CSV is UTF-8 with a byte-order mark (Excel then reads accents right); with the `;`
separator, the one Excel expects in Italy, decimals take a comma as well.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

import xlsxwriter
from litestar.exceptions import NotFoundException

from app.auth.caller import Caller
from app.i18n import _
from app.spreadsheets import text_cell
from surveys.reports.docx_report import Results, group_name, slug
from surveys.results import service as results
from surveys.results.model import (
    CompanyResults,
    Figure,
    HeatMap,
    Need,
    QuestionResult,
    Rate,
)

Separator = Literal[",", ";"]
TABLES = ("questions", "rates", "needs", "crosstabs", "heatmap")


class Percent(float):
    """A share (0.25 is 25%): a percentage in CSV, a percent-formatted cell in XLSX."""


Value = str | int | float | None


@dataclass
class ExportTable:
    name: str  # one of TABLES: the CSV's `table` and the sheet's order
    title: str
    header: list[str]
    rows: list[list[Value]] = field(default_factory=list)


async def load(caller: Caller, wave_id: UUID, company_id: UUID | None) -> Results:
    """A company's results, or (no company) the program's: 404 when out of reach."""
    if company_id is None:
        return await results.program_results(caller, wave_id)
    return await results.company_results(caller, company_id, wave_id)


def tables(found: Results) -> list[ExportTable]:
    """Every aggregated table of the results, in the current language."""
    made = [questions_table(found.questions), rates_table(found.rates),
            needs_table(found.needs + (found.territory_needs
                                       if isinstance(found, CompanyResults) else []))]
    if isinstance(found, CompanyResults):
        made.append(crosstabs_table(found))
    else:
        made.append(heat_table([(_("Companies"), found.heat_companies),
                                (_("Towns"), found.heat_towns)]))
    return made


def questions_table(found: Iterable[QuestionResult]) -> ExportTable:
    """One row per group, question, item and answer."""
    table = ExportTable("questions", _("Results by question"),
                        [_("Question"), _("Area"), _("Group"), _("Item"), _("Answer"),
                         _("Respondents"), _("People"), _("Percentage"), _("Mean")])
    for result in found:
        for figure in result.figures:
            before: list[Value] = [result.question.text, result.question.area_label,
                                   group_name(figure.group)]
            table.rows += figure_rows(before, figure)
    return table


def figure_rows(before: list[Value], figure: Figure) -> list[list[Value]]:
    if figure.hidden:
        return [[*before, "", "", *[figure.note] * 4]]
    if figure.rows:
        return [[*before, row.label, share.label, row.n, share.count, Percent(share.share), None]
                for row in figure.rows for share in row.shares]
    return [[*before, "", share.label, figure.n, share.count, Percent(share.share),
             figure.mean] for share in figure.shares]


def rates_table(rates: Iterable[Rate]) -> ExportTable:
    table = ExportTable("rates", _("Response rate"),
                        [_("Group"), _("People invited"), _("Answered"), _("Response rate")])
    for rate in rates:
        if rate.invited is None:
            table.rows.append([group_name(rate.group), *[rate.note] * 3])
        elif rate.hidden:
            table.rows.append([group_name(rate.group), rate.invited, rate.note, rate.note])
        elif rate.at_least:  # an open wave: a lower bound, said in words
            table.rows.append([group_name(rate.group), rate.invited,
                               _("at least %(num)s") % {"num": rate.answered}, None])
        else:
            table.rows.append([group_name(rate.group), rate.invited, rate.answered,
                               Percent(rate.rate) if rate.rate is not None else None])
    return table


def needs_table(needs: Iterable[Need]) -> ExportTable:
    table = ExportTable("needs", _("Needs"), [_("Area"), _("Question"), _("Need"),
                                              _("People"), _("Respondents"), _("Percentage")])
    table.rows += [[n.area_label, n.question_text, n.label, n.count, n.n, Percent(n.share)]
                   for n in needs]
    return table


def crosstabs_table(found: CompanyResults) -> ExportTable:
    table = ExportTable("crosstabs", _("Cross-tabulations"),
                        [_("Cross-tabulation"), *questions_table([]).header])
    for crosstab in found.crosstabs:
        inner = questions_table(crosstab.questions)
        table.rows += [[crosstab.attribute_text, *row] for row in inner.rows]
    return table


def heat_table(maps: Iterable[tuple[str, HeatMap]]) -> ExportTable:
    table = ExportTable("heatmap", _("Needs by area"),
                        [_("Map"), _("Group"), _("Area"), _("Most shared need"),
                         _("Respondents"), _("Percentage")])
    for title, heat_map in maps:
        labels = {area.key: area.label for area in heat_map.areas}
        for heat_row in heat_map.rows:
            for cell in heat_row.cells:
                before: list[Value] = [title, group_name(heat_row.group),
                                       labels.get(cell.area, cell.area)]
                if cell.hidden:
                    table.rows.append([*before, *[cell.note] * 3])
                else:
                    table.rows.append([*before, cell.need, cell.n, Percent(cell.share)
                                       if cell.share is not None else None])
    return table


# Files ------------------------------------------------------------------------------------


def to_csv(table: ExportTable, separator: Separator = ",") -> bytes:
    """The table as CSV, UTF-8 with a byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow([text_cell(title) for title in table.header])
    comma = separator == ";"
    writer.writerows([[_csv_value(value, comma) for value in row] for row in table.rows])
    return out.getvalue().encode("utf-8-sig")


def _csv_value(value: Value, comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Percent):
        value = round(value * 100, 1)
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if comma else text
    if isinstance(value, int):
        return str(value)
    return text_cell(value)


def to_xlsx(made: Iterable[ExportTable]) -> bytes:
    """One sheet per table, numbers as numbers, shares as percentages, text as text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold, share = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    for table in made:
        sheet = book.add_worksheet(_sheet_name(table.title))
        for column, title in enumerate(table.header):
            sheet.write_string(0, column, text_cell(title), bold)
        sheet.freeze_panes(1, 0)
        for index, row in enumerate(table.rows, start=1):
            for column, value in enumerate(row):
                _write_cell(sheet, index, column, value, share)
        sheet.set_column(0, len(table.header) - 1, 18)
    book.close()
    return buffer.getvalue()


def _write_cell(sheet: Any, row: int, column: int, value: Value, share: Any) -> None:
    """Never `sheet.write`, which turns a text starting with = into a live formula."""
    if isinstance(value, str):
        sheet.write_string(row, column, text_cell(value))
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, share if isinstance(value, Percent) else None)


def _sheet_name(title: str) -> str:
    # Excel's limits: 31 characters, none of []:*?/\
    return "".join(c for c in title if c not in "[]:*?/\\")[:31]


def file_name(found: Results, suffix: str) -> str:
    subject = found.company if isinstance(found, CompanyResults) else found.program
    prefix = _("results")
    return f"{slug(prefix)}-{slug(subject.label)}-{slug(found.wave.title)}.{suffix}"


# Entry points -----------------------------------------------------------------------------


async def export_csv(caller: Caller, wave_id: UUID, company_id: UUID | None,
                     table: str = "questions", separator: Separator = ","
                     ) -> tuple[str, bytes]:
    """(file name, CSV) of one aggregated table (see TABLES); 404 for one the view lacks."""
    found = await load(caller, wave_id, company_id)
    chosen = next((t for t in tables(found) if t.name == table), None)
    if chosen is None:
        raise NotFoundException()
    return file_name(found, f"{chosen.name}.csv"), to_csv(chosen, separator)


async def export_xlsx(caller: Caller, wave_id: UUID, company_id: UUID | None
                      ) -> tuple[str, bytes]:
    """(file name, XLSX) with every aggregated table, one sheet each."""
    found = await load(caller, wave_id, company_id)
    return file_name(found, "xlsx"), to_xlsx(tables(found))
