"""Accessible SVG charts, rendered on the server from the results DTOs.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (the
values in words), drawn with presentation attributes only: the CSP forbids `style`
attributes and elements, and pages need no script. A hidden figure is never drawn as a
zero: its bar or cell is hatched and labelled with the reason. Pages always show the
table behind a chart as well.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from app.i18n import _
from surveys.results.model import AreaCell, Figure, HeatMap, QuestionResult, Share

WIDTH = 320  # viewBox units; the SVG scales to its container (a phone is ~360 px wide)
LABEL_H, BAR_H, GAP = 14, 12, 8
COLOURS = ("#1f5f8b", "#8a5a00")  # first and second series: 7:1 and 5:1 on white
INK, MUTED, HATCH = "#1b1b1b", "#555555", "#767676"
HEAT = ("#e8f1f8", "#b9d4ea", "#7fb0d8", "#3d80b8", "#1f5f8b")  # light to dark
HEAT_INK = ("#1b1b1b", "#1b1b1b", "#1b1b1b", "#ffffff", "#ffffff")


def percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


def _open(chart_id: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {WIDTH} {height:g}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<defs><pattern id="{chart_id}-hatch" patternUnits="userSpaceOnUse" width="6" '
        f'height="6"><rect width="6" height="6" fill="#ffffff"/><path d="M0,6 L6,0" '
        f'stroke="{HATCH}" stroke-width="1.2"/></pattern></defs>',
    ]


def _text(x: float, y: float, text: str, fill: str = INK, size: int = 10,
          anchor: str = "start") -> str:
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _bars(figure: Figure) -> list[tuple[str, Share]]:
    """A figure's bars: its shares, or each grid row's shares labelled by the row."""
    if figure.rows:
        return [(f"{row.label}: {share.label}", share) for row in figure.rows
                for share in row.shares]
    return [(share.label, share) for share in figure.shares]


def bar_chart(result: QuestionResult, series: list[Figure], chart_id: str) -> Markup:
    """Horizontal bars of each answer's share for up to two figures (e.g. a company and
    its town); a hidden figure's bars are hatched and say why. A Likert question (a grid
    or a 1–5 scale) is drawn as `stacked_bars`."""
    if result.question.type in LIKERT:
        return stacked_bars(result, series, chart_id)
    drawn = [f for f in series if not f.hidden][:2] or series[:1]
    labels = [label for label, _share in _bars(drawn[0])] if not drawn[0].hidden else []
    step = LABEL_H + len(drawn) * (BAR_H + 2) + GAP
    height = max(1, len(labels)) * step + (LABEL_H if len(drawn) > 1 else 0) + 4
    desc = "; ".join(_describe(f) for f in series)
    parts = _open(chart_id, height, result.question.text, desc)
    if drawn[0].hidden:
        parts += _hidden_bar(chart_id, 0, drawn[0].note)
    for index, label in enumerate(labels):
        y = index * step
        parts.append(_text(0, y + 11, label))
        for number, figure in enumerate(drawn):
            share = dict(_bars(figure)).get(label)
            parts += _bar(y + LABEL_H + number * (BAR_H + 2), share, COLOURS[number])
    if len(drawn) > 1:
        parts += _legend(drawn, height - LABEL_H)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text is escaped above)


def _bar(y: float, share: Share | None, colour: str) -> list[str]:
    value = share.share if share else 0.0
    width = max(1.0, value * (WIDTH - 40))
    return [f'<rect x="0" y="{y:g}" width="{width:.1f}" height="{BAR_H}" fill="{colour}"/>',
            _text(width + 4, y + BAR_H - 2, percent(value), MUTED)]


def _hidden_bar(chart_id: str, y: float, note: str) -> list[str]:
    return [f'<rect x="0" y="{y:g}" width="{WIDTH}" height="{LABEL_H + BAR_H}" '
            f'fill="url(#{chart_id}-hatch)" stroke="{HATCH}"/>',
            f'<rect x="4" y="{y + 5:g}" width="{min(WIDTH - 8, 8 + 5.2 * len(note)):.0f}" '
            f'height="16" fill="#ffffff"/>',
            _text(8, y + 17, note)]


def _legend(series: list[Figure], y: float) -> list[str]:
    parts, x = [], 0.0
    for number, figure in enumerate(series):
        parts += [f'<rect x="{x:g}" y="{y + 3:g}" width="10" height="10" '
                  f'fill="{COLOURS[number]}"/>', _text(x + 14, y + 12, figure.group.label)]
        x += WIDTH / 2
    return parts


def _describe(figure: Figure) -> str:
    if figure.hidden:
        return f"{figure.group.label}: {figure.note}"
    values = ", ".join(f"{label} {percent(share.share)}" for label, share in _bars(figure))
    return _("{group} ({count} answers): {values}").format(
        group=figure.group.label, count=figure.n, values=values)


# Likert questions: one stacked bar per item ------------------------------------------

LIKERT = ("grid", "scale")
STACK_H, LEGEND_H = 18, 16
OUTSIDE = frozenset({"not_relevant", "not_applicable", "dont_know", "prefer_not"})
OUTSIDE_FILL = "#d9d9d9"
MIN_LABELLED = 24  # viewBox units: a narrower segment carries no percentage inside
LABEL_MAX = 56  # characters of a 10-unit label across the chart (the table has it whole)


def stacked_bars(result: QuestionResult, series: list[Figure], chart_id: str) -> Markup:
    """One horizontal bar per item (a grid's row; a scale's whole figure), split into
    its answers in their order, light to dark, each segment with its share when it has
    room; one bar per figure of `series` (e.g. the company and its town). A hidden
    figure's bars are hatched and say "n.d." with the reason."""
    items = _items(series)
    answers = _answer_labels(series)
    legend_rows = _legend_rows(answers)
    top = legend_rows * LEGEND_H + 4
    height = top + sum(LABEL_H + STACK_H + GAP for _item in items) + 2
    parts = _open(chart_id, height, result.question.text,
                  "; ".join(_describe(f) for f in series))
    parts += _stack_legend(answers)
    y = float(top)
    for label, figure, shares in items:
        parts.append(_text(0, y + 11, _short(label, LABEL_MAX)))
        y += LABEL_H
        parts += (_hidden_stack(chart_id, y, figure.note) if figure.hidden
                  else _stack(y, shares))
        y += STACK_H + GAP
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text is escaped in _text)


def _items(series: list[Figure]) -> list[tuple[str, Figure, list[Share]]]:
    """(label, figure, shares) per bar: each grid row for each figure, or each figure."""
    rows = next(([row.label for row in f.rows] for f in series if f.rows), [])
    several = len(series) > 1
    found: list[tuple[str, Figure, list[Share]]] = []
    for row_index, row in enumerate(rows or [""]):
        for figure in series:
            shares = figure.rows[row_index].shares if figure.rows else figure.shares
            name = figure.group.label
            label = (f"{row} · {name}" if several else row) if rows else name
            found.append((label, figure, shares))
    return found


def _answer_labels(series: list[Figure]) -> list[Share]:
    shown = next((f for f in series if not f.hidden), None)
    if shown is None:
        return []
    return shown.rows[0].shares if shown.rows else shown.shares


def _colours(shares: list[Share]) -> list[tuple[str, str]]:
    """(fill, ink) of each answer: the ordered ones spread from light to dark, an answer
    outside the order ("does not apply") grey."""
    ordered = [s for s in shares if s.key not in OUTSIDE]
    last = max(1, len(ordered) - 1)
    found, index = [], 0
    for share in shares:
        if share.key in OUTSIDE:
            found.append((OUTSIDE_FILL, INK))
            continue
        step = round(index * (len(HEAT) - 1) / last)
        found.append((HEAT[step], HEAT_INK[step]))
        index += 1
    return found


def _legend_rows(answers: list[Share]) -> int:
    return -(-len(answers) // 2) if answers else 0


def _stack_legend(answers: list[Share]) -> list[str]:
    parts = []
    for index, (share, (fill, _ink)) in enumerate(zip(answers, _colours(answers),
                                                      strict=True)):
        x, y = (index % 2) * WIDTH / 2, (index // 2) * LEGEND_H
        parts += [f'<rect x="{x:g}" y="{y + 2:g}" width="10" height="10" '
                  f'fill="{fill}" stroke="{MUTED}" stroke-width="0.5"/>',
                  _text(x + 14, y + 11, _short(share.label, 30), INK, 9)]
    return parts


def _stack(y: float, shares: list[Share]) -> list[str]:
    parts, x = [], 0.0
    for share, (fill, ink) in zip(shares, _colours(shares), strict=True):
        width = share.share * WIDTH
        if width <= 0:
            continue
        parts.append(f'<rect x="{x:.1f}" y="{y:g}" width="{width:.1f}" height="{STACK_H}" '
                     f'fill="{fill}" stroke="#ffffff" stroke-width="1"/>')
        if width >= MIN_LABELLED:
            parts.append(_text(x + width / 2, y + 12.5, percent(share.share), ink, 9,
                               "middle"))
        x += width
    return parts


def _hidden_stack(chart_id: str, y: float, note: str) -> list[str]:
    text = _("n.d.: {reason}").format(reason=note)
    return [f'<rect x="0" y="{y:g}" width="{WIDTH}" height="{STACK_H}" '
            f'fill="url(#{chart_id}-hatch)" stroke="{HATCH}"/>',
            f'<rect x="3" y="{y + 3:g}" width="{min(WIDTH - 6, 6 + 4.6 * len(text)):.0f}" '
            f'height="12" fill="#ffffff"/>',
            _text(6, y + 12.5, _short(text, 66), INK, 8)]


# Heat map ------------------------------------------------------------------------------

CELL_W, CELL_H = 44, 22
CHAR_W = 5.6  # viewBox units per character of a 10-unit label, a generous average
NAME_MAX = 40  # characters of a row's name drawn; the table behind has it whole
SLANT = 0.7071  # sin and cos of the column labels' 45° slant


def heat_map(heat: HeatMap, chart_id: str, title: str) -> Markup:
    """Groups (rows) × need areas (columns): each cell is the share of the area's most
    shared need, darker for more; hidden cells are hatched and marked "n.d.".

    Drawn at its own size (one viewBox unit a pixel), never shrunk to a phone's width,
    inside a region that scrolls sideways by keyboard: its labels stay readable and are
    sized from the longest ones, so none is cut or runs off the picture."""
    names = [_short(row.group.label, NAME_MAX) for row in heat.rows]
    name_w = 8 + CHAR_W * max((len(n) for n in names), default=0)
    label = CHAR_W * 0.9 * max((len(a.label) for a in heat.areas), default=0)
    head_h = 12 + label * SLANT
    width = name_w + CELL_W * len(heat.areas) + label * SLANT
    height = head_h + CELL_H * len(heat.rows) + 4
    desc = _("Rows: {rows}. Columns: need areas. Each cell: the share of people with "
             "the area's most shared need; hatched cells are not shown to protect small "
             "groups.").format(rows=len(heat.rows))
    parts = _open(chart_id, height, title, desc)
    parts[0] = parts[0].replace(f'viewBox="0 0 {WIDTH} {height:g}" width="100%"',
                                f'viewBox="0 0 {width:.0f} {height:g}" width="{width:.0f}" '
                                f'height="{height:.0f}"')
    for column, area in enumerate(heat.areas):
        x = name_w + column * CELL_W + CELL_W / 2
        parts.append(f'<text transform="translate({x:g},{head_h - 4:g}) rotate(-45)" '
                     f'font-size="9" fill="{INK}">{escape(area.label)}</text>')
    for index, row in enumerate(heat.rows):
        y = head_h + index * CELL_H
        parts.append(_text(0, y + 15, names[index]))
        for column, cell in enumerate(row.cells):
            parts += _cell(chart_id, name_w + column * CELL_W, y, cell)
    parts.append("</svg>")
    chart = "".join(parts)
    name = _("Chart: {title}").format(title=title)
    return Markup(  # noqa: S704 (every text is escaped above)
        f'<div class="table-wrap heat" role="region" tabindex="0" '
        f'aria-label="{escape(name)}">{chart}</div>')


def _cell(chart_id: str, x: float, y: float, cell: AreaCell) -> list[str]:
    box = f'x="{x:g}" y="{y:g}" width="{CELL_W - 2}" height="{CELL_H - 2}"'
    if cell.hidden:
        return [f'<rect {box} fill="url(#{chart_id}-hatch)" stroke="{HATCH}"/>',
                f'<rect x="{x + 7:g}" y="{y + 5:g}" width="{CELL_W - 16}" height="11" '
                f'fill="#ffffff"/>',
                _text(x + CELL_W / 2 - 1, y + 14, _("n.d."), INK, 9, "middle")]
    if cell.share is None:  # no need of the area shown: not a zero, not a dash
        return [f'<rect {box} fill="#ffffff" stroke="#d0d0d0"/>',
                _text(x + CELL_W / 2 - 1, y + 14, _("none"), MUTED, 8, "middle")]
    step = min(len(HEAT) - 1, int(cell.share * len(HEAT)))
    return [f'<rect {box} fill="{HEAT[step]}"/>',
            _text(x + CELL_W / 2 - 1, y + 14, percent(cell.share), HEAT_INK[step], 9,
                  "middle")]


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"
