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
    its town); a hidden figure's bars are hatched and say why."""
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


# Heat map ------------------------------------------------------------------------------

CELL_W, CELL_H, HEAD_H, NAME_W = 44, 22, 64, 110


def heat_map(heat: HeatMap, chart_id: str, title: str) -> Markup:
    """Groups (rows) × need areas (columns): each cell is the share of the area's most
    shared need, darker for more; hidden cells are hatched and marked "n.d."."""
    width = NAME_W + CELL_W * len(heat.areas)
    height = HEAD_H + CELL_H * len(heat.rows) + 4
    desc = _("Rows: {rows}. Columns: need areas. Each cell: the share of people with "
             "the area's most shared need; hatched cells are not shown to protect small "
             "groups.").format(rows=len(heat.rows))
    parts = _open(chart_id, height, title, desc)
    parts[0] = parts[0].replace(f'viewBox="0 0 {WIDTH} ', f'viewBox="0 0 {width} ')
    for column, area in enumerate(heat.areas):
        x = NAME_W + column * CELL_W + CELL_W / 2
        parts.append(f'<text transform="translate({x:g},{HEAD_H - 4}) rotate(-40)" '
                     f'font-size="9" fill="{INK}">{escape(_short(area.label, 18))}</text>')
    for index, row in enumerate(heat.rows):
        y = HEAD_H + index * CELL_H
        parts.append(_text(0, y + 15, _short(row.group.label, 20)))
        for column, cell in enumerate(row.cells):
            parts += _cell(chart_id, NAME_W + column * CELL_W, y, cell)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text is escaped above)


def _cell(chart_id: str, x: float, y: float, cell: AreaCell) -> list[str]:
    box = f'x="{x:g}" y="{y:g}" width="{CELL_W - 2}" height="{CELL_H - 2}"'
    if cell.hidden:
        return [f'<rect {box} fill="url(#{chart_id}-hatch)" stroke="{HATCH}"/>',
                _text(x + CELL_W / 2 - 1, y + 14, _("n.a."), INK, 9, "middle")]
    if cell.share is None:
        return [f'<rect {box} fill="#ffffff" stroke="#d0d0d0"/>',
                _text(x + CELL_W / 2 - 1, y + 14, "–", MUTED, 9, "middle")]
    step = min(len(HEAT) - 1, int(cell.share * len(HEAT)))
    return [f'<rect {box} fill="{HEAT[step]}"/>',
            _text(x + CELL_W / 2 - 1, y + 14, percent(cell.share), HEAT_INK[step], 9,
                  "middle")]


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"
