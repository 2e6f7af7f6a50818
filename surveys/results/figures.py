"""From counts to figures: shares, means, needs and heat-map cells (pure functions).

Counts come from `cache` keyed by question and (row, option); a figure is built only for
a group whose cell is shown, and a hidden one carries its reason in words instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from app.i18n import _
from surveys.bank import need_answers
from surveys.definition import Question, text_in
from surveys.results.model import (
    AreaCell,
    Figure,
    GridRow,
    Group,
    Need,
    QuestionInfo,
    Rate,
    Share,
)
from surveys.results.queries import buckets
from surveys.results.suppression import Sizes, Thresholds

UNANIMOUS_BELOW = 2  # × the threshold: smaller figures are tested for unanimity
SCALE_POINTS = ("1", "2", "3", "4", "5")

def note(reason: str, thresholds: Thresholds) -> str:
    """A hidden figure's reason, in words."""
    if reason == "small":
        return _("fewer than {count} responses").format(count=thresholds.group)
    if reason == "few_for_text":
        return _("fewer than {count} responses").format(count=thresholds.text)
    if reason == "not_closed":
        return _("comments are shown when the wave has closed")
    if reason == "open":
        return _("figures are shown when the wave has closed")
    if reason == "running":
        return _("shown in steps of {count} while the wave is open").format(
            count=thresholds.group)
    if reason == "no_comparison":
        return _("no comparison: the company's figure is not shown, or the town's is the "
                 "company's alone")
    if reason == "territory_small":
        return _("together they have fewer than {count} responses").format(
            count=thresholds.group)
    if reason == "unanimous":
        return _("hidden: in a group this small, (nearly) everyone gave the same answer, "
                 "which would tell each one's answer")
    if reason == "across_waves":
        return _("hidden: it differs by fewer than {count} responses from another "
                 "wave").format(count=thresholds.group)
    return _("hidden to protect a smaller group")


def add_counts(parts: Iterable[Mapping[Any, tuple[int, int]]]) -> dict[Any, tuple[int, int]]:
    """Counts and sums added key by key."""
    total: dict[Any, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for part in parts:
        for key, (n, s) in part.items():
            before = total[key]
            total[key] = (before[0] + n, before[1] + s)
    return dict(total)


def base(question: Question, counts: Mapping[tuple[str, str], tuple[int, int]],
         multiple: Mapping[str, int]) -> Sizes:
    """How many answered `question`: one size per grid row, else one size."""
    if question.type == "multiple":
        return (multiple.get(question.key, 0),)
    if question.type == "grid":
        rows = {row.key: 0 for row in question.rows}
        for (row, _o), (n, _s) in counts.items():
            if row in rows:
                rows[row] += n
        return tuple(rows[row.key] for row in question.rows) or (0,)
    return (sum([n for n, _s in counts.values()]),)


def unanimous(question: Question, counts: Mapping[tuple[str, str], tuple[int, int]],
              size: Sizes, threshold: int) -> bool:
    """Whether a figure of fewer than 2 × `threshold` people would tell each one's answer:
    one answer (an option, a scale point, a range; a grid row's option; a multiple
    choice's option) holds all of them or all but one. Such a figure is hidden
    (`unanimous`); larger groups are shown (see docs/privacy.md)."""
    rows = [row.key for row in question.rows] if question.type == "grid" else [""]
    for row, n in zip(rows, size, strict=False):
        if not 0 < n < UNANIMOUS_BELOW * threshold:
            continue
        top = max((c for (r, _o), (c, _s) in counts.items() if r == row), default=0)
        if top >= n - 1:
            return True
    return False


def info(question: Question, section: str, areas: Mapping[str, Mapping[str, str]],
         language: str) -> QuestionInfo:
    area = areas.get(question.area, {})
    return QuestionInfo(question.key, question.type, text_in(question.text, language),
                        question.area, text_in(dict(area), language) if area else "",
                        section)


def hidden_figure(group: Group, reason: str, thresholds: Thresholds) -> Figure:
    return Figure(group, hidden=reason, note=note(reason, thresholds))


def figure(group: Group, question: Question,
           counts: Mapping[tuple[str, str], tuple[int, int]], size: Sizes,
           language: str, labels: list[tuple[str, str]] | None = None) -> Figure:
    """The shown figure of `question` for `group` from its counts and base `size`;
    `labels` (from `option_labels`) spare working them out for every group."""
    labels = labels if labels is not None else option_labels(question, language)
    n = size[0] if question.type != "grid" else max(size)
    if question.type == "grid":
        rows = [GridRow(row.key, text_in(row.text, language), count,
                        _shares(labels, counts, row.key, count))
                for row, count in zip(question.rows, size, strict=False)]
        return Figure(group, n=n, rows=rows)
    mean = None
    if question.type in ("scale", "number") and n:
        mean = round(sum(total for _n, total in counts.values()) / n, 2)
    return Figure(group, n=n, shares=_shares(labels, counts, "", n), mean=mean)


def _shares(labels: list[tuple[str, str]], counts: Mapping[tuple[str, str], tuple[int, int]],
            row: str, n: int) -> list[Share]:
    return [Share(key, label, count, count / n if n else 0.0)
            for key, label in labels for count in [counts.get((row, key), (0, 0))[0]]]


def option_labels(question: Question, language: str) -> list[tuple[str, str]]:
    """The (key, label) pairs of a question's answers as `queries` folds them."""
    if question.type == "number":
        bucket = buckets(question)
        return [(str(i), _range(bucket.low + i * bucket.width,
                                min(bucket.low + (i + 1) * bucket.width - 1,
                                    question.maximum or 0)))
                for i in range(-(-((question.maximum or 0) - bucket.low + 1) // bucket.width))]
    if question.type == "scale":
        labels = {o.key: text_in(o.text, language) for o in question.options}
        return [(p, f"{p} · {labels[p]}" if labels.get(p) else p) for p in SCALE_POINTS]
    return [(o.key, text_in(o.text, language)) for o in question.options]


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


# Needs and the heat map -----------------------------------------------------------------


def needs(questions: Iterable[Question], figures: Mapping[str, Figure],
          areas: Mapping[str, Mapping[str, str]], language: str) -> list[Need]:
    """The needs in a group's shown figures, most shared first (see `model.Need`): the
    answers each question's rule names (`surveys.bank.need_answers`)."""
    found = []
    for question in questions:
        shown = figures.get(question.key)
        rule = need_answers(question)
        if (not question.area or question.reporting_attribute or not rule or shown is None
                or not shown.n):
            continue
        area = text_in(dict(areas.get(question.area, {})), language) or question.area
        text = text_in(question.text, language)
        if question.type == "scale":
            count = sum(s.count for s in shown.shares if s.key in rule)
            if count:
                found.append(Need(question.key, scale_need(rule), text, text, question.area,
                                  area, count, shown.n, count / shown.n))
            continue
        found += [Need(question.key, s.key, _choice(question, s.label, text), text,
                       question.area, area, s.count, shown.n, s.share)
                  for s in shown.shares if s.key in rule and s.count]
    return sorted(found, key=lambda need: (-need.count, -need.share, need.label))


def scale_need(points: Iterable[str]) -> str:
    """The option of a need on a 1–5 scale: its points, "1-2" (see `model.Need`)."""
    return "-".join(points)


def need_label(question: Question, option: str, language: str) -> str:
    """The label `needs` gives the need `option` of `question` (a scale's: its text)."""
    text = text_in(question.text, language)
    if question.type == "scale":
        return text
    return _choice(question, dict(option_labels(question, language))[option], text)


def _choice(question: Question, label: str, text: str) -> str:
    """A multiple choice's option says the need; a single choice's needs its question."""
    return label if question.type == "multiple" else f"{text} {label}"


def area_cells(areas: Iterable[str], group_needs: list[Need], hidden: str,
               thresholds: Thresholds) -> list[AreaCell]:
    """One heat-map cell per area: its most shared need, or why there is none."""
    cells = []
    for area in areas:
        mine = [need for need in group_needs if need.area == area]
        if hidden:
            cells.append(AreaCell(area, hidden=hidden, note=note(hidden, thresholds)))
        elif mine:
            top = max(mine, key=lambda need: (need.share, need.count))
            cells.append(AreaCell(area, top.share, top.n, top.label))
        else:
            cells.append(AreaCell(area))
    return cells


def rate(group: Group, sizes: Sizes, hidden: str, thresholds: Thresholds) -> Rate:
    """A response rate from (invited, answered) sizes; invited always shows."""
    if hidden:
        return Rate(group, sizes[0] if sizes else None, hidden=hidden,
                    note=note(hidden, thresholds))
    invited, answered = sizes
    return Rate(group, invited, answered, answered / invited if invited else None)


def stepped(invited: int, answered: int, step: int) -> int:
    """What an open wave shows of `answered`: rounded down to a multiple of `step`, and
    at least `step` below `invited` (else "all but a few have answered" would show)."""
    return max(0, min(answered, invited - step)) // step * step


def running_rate(group: Group, invited: int, answered: int | None,
                 thresholds: Thresholds) -> Rate:
    """An open wave's rate: `answered` already stepped, None when nothing may show."""
    if not answered:
        return Rate(group, invited, hidden="running", note=note("running", thresholds))
    return Rate(group, invited, answered, answered / invited, at_least=True)
