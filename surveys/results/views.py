"""Building the result DTOs from the suppression decisions of `release`.

Pure functions: they read counts and decisions and never query. A hidden cell becomes a
figure with a reason in words; a shown one gets its counts, shares and mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from app.clock import ITALY
from app.i18n import _
from app.values import json_value
from surveys import bank
from surveys.definition import Question, questions, text_in
from surveys.results.figures import (
    add_counts,
    area_cells,
    figure,
    hidden_figure,
    info,
    need_label,
    needs,
    note,
    option_labels,
    rate,
    running_rate,
    stepped,
    unanimous,
)
from surveys.results.model import (
    Area,
    AreaCell,
    Figure,
    Group,
    HeatMap,
    HeatRow,
    Need,
    QuestionResult,
    Rate,
)
from surveys.results.release import CompanyRelease, GroupRelease, WaveContext
from surveys.results.suppression import PROGRAM, Sizes, Thresholds, add, is_small


def start_of(day: date | str) -> datetime:
    """The first moment of an Italian day (a wave's planned opening)."""
    return datetime.combine(_day(day), time(0), tzinfo=ITALY)


def end_of(day: date | str) -> datetime:
    """The first moment after an Italian day (a wave's planned closing)."""
    return start_of(_day(day) + timedelta(days=1))


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def program_group() -> Group:
    return Group("program", PROGRAM, _("All companies"))


def town_group(town: str) -> Group:
    return Group("town", f"town:{town}", town or _("Town not given"))


def company_group(ctx: WaveContext, company: UUID) -> Group:
    return Group("company", f"company:{company}", ctx.names.get(company, ""), company)


def dimension_label(ctx: WaveContext, key: str, language: str) -> str:
    labels = {"department": _("Department"), "site": _("Site")}
    if key in labels:
        return labels[key]
    found = next((q for q in questions(ctx.definition) if q.key == key), None)
    if found:
        return text_in(found.text, language)
    # A roster column chosen as a reporting group, named as the company's file names it.
    groups = json_value(ctx.wave.get("reporting_groups")) or []
    return next((str(g["label"]) for g in groups if g["key"] == key and g.get("label")), key)


def value_label(ctx: WaveContext, key: str, value: str, language: str) -> str:
    if not value:
        return _("not given")
    found = next((q for q in questions(ctx.definition) if q.key == key), None)
    option = next((o for o in found.options if o.key == value), None) if found else None
    return text_in(option.text, language) if option else value


def group_of(ctx: WaveContext, company: UUID, dimension: str, value: str,
             language: str) -> Group:
    return Group("group", f"group:{company}:{dimension}:{value}",
                 value_label(ctx, dimension, value, language), company, dimension,
                 dimension_label(ctx, dimension, language), value)


def question_text(question: Question, language: str) -> str:
    return text_in(question.text, language)


def areas() -> dict[str, dict[str, str]]:
    return bank.areas()


def sections(ctx: WaveContext, language: str) -> dict[str, str]:
    return {q.key: text_in(s.title, language) for s in ctx.definition.sections
            for q in s.questions}


# Company-level figures --------------------------------------------------------------


def company_figure(release: CompanyRelease, question: Question, company: UUID,
                   group: Group, language: str) -> Figure:
    reason = release.q_hidden[question.key].get(company)
    if reason:
        return hidden_figure(group, reason, release.thresholds)
    counts = release.counts.get(company, {}).get(question.key, {})
    return figure(group, question, counts, release.q_sizes[question.key][company], language,
                  labels(release, question, language))


def labels(release: CompanyRelease, question: Question, language: str) -> list[tuple[str, str]]:
    """A question's answer labels, worked out once per release and language."""
    key = (question.key, language)
    if key not in release.labels:
        release.labels[key] = option_labels(question, language)
    return release.labels[key]


def territory_members(release: CompanyRelease, question: Question, place: str) -> list[UUID]:
    """The companies a town (or PROGRAM) adds up for `question`."""
    decided = release.q_territory[question.key]
    return decided.program if place == PROGRAM else decided.towns.get(place, [])


def territory_figure(release: CompanyRelease, question: Question, place: str, group: Group,
                     language: str) -> Figure:
    """A town's (or with PROGRAM, the program's) figure: the sum of what it includes."""
    return place_figure(territory_counts(release, question, place), question, group,
                        release.thresholds, labels(release, question, language), language)


PlaceCounts = tuple[Sizes, dict[tuple[str, str], tuple[int, int]]]


def territory_counts(release: CompanyRelease, question: Question, place: str
                     ) -> PlaceCounts | None:
    """A town's (or PROGRAM's) base and counts for `question`: None when it includes
    nothing or too few people."""
    included = territory_members(release, question, place)
    size = _total(release.q_sizes[question.key], included)
    if not included or is_small(size, release.thresholds.group):
        return None
    counts = release.places.get(question.key, {}).get(place)
    if counts is None:
        counts = add_counts(release.counts.get(c, {}).get(question.key, {}) for c in included)
    return size, counts


def place_figure(found: PlaceCounts | None, question: Question, group: Group,
                 thresholds: Thresholds, labels: list[tuple[str, str]],
                 language: str) -> Figure:
    """A territory's figure from `territory_counts`."""
    if found is None:
        return hidden_figure(group, "small", thresholds)
    size, counts = found
    if unanimous(question, counts, size, thresholds.group):
        return hidden_figure(group, "unanimous", thresholds)
    return figure(group, question, counts, size, language, labels)


def _total(sizes: dict[Any, Sizes], keys: Iterable[Any]) -> Sizes:
    keys = list(keys)
    return add([sizes[k] for k in keys]) if keys else (0,)


def _stepped(release: CompanyRelease, company: UUID) -> int:
    invited, answered = release.rate_sizes[company]
    return stepped(invited, answered, release.thresholds.group)


def company_rate(release: CompanyRelease, company: UUID, group: Group) -> Rate:
    if release.running:
        return running_rate(group, release.rate_sizes[company][0],
                            _stepped(release, company), release.thresholds)
    return rate(group, release.rate_sizes[company], release.rate_hidden.get(company, ""),
                release.thresholds)


def territory_rate(release: CompanyRelease, place: str, group: Group) -> Rate:
    decided = release.rate_territory
    included = decided.program if place == PROGRAM else decided.towns.get(place, [])
    if release.running:  # the sum of what the companies show, so it adds nothing
        members = [c for c in release.rate_sizes if place == PROGRAM or c in included]
        return running_rate(group, sum(release.rate_sizes[c][0] for c in members),
                            sum(_stepped(release, c) for c in members), release.thresholds)
    return rate(group, *territory_rate_size(release, place), release.thresholds)


def territory_rate_size(release: CompanyRelease, place: str) -> tuple[Sizes, str]:
    """A released town's (or PROGRAM's) invited and answered, and why they hide ("")."""
    decided = release.rate_territory
    included = decided.program if place == PROGRAM else decided.towns.get(place, [])
    size = _total(release.rate_sizes, included)
    return size, "small" if not included or is_small(size, release.thresholds.group) else ""


def result(ctx: WaveContext, question: Question, figures: list[Figure],
           language: str) -> QuestionResult:
    return QuestionResult(info(question, sections(ctx, language).get(question.key, ""),
                               areas(), language), figures)


def needs_of(ctx: WaveContext, by_question: dict[str, Figure], language: str) -> list[Need]:
    shown = {key: f for key, f in by_question.items() if not f.hidden}
    return needs(ctx.counted, shown, areas(), language)


def heat_map(ctx: WaveContext, rows: list[tuple[Group, dict[str, Figure], str]],
             release: CompanyRelease, language: str) -> HeatMap:
    """Groups × need areas; `rows` are (group, its figures by question, hidden reason)."""
    used = used_areas(ctx)
    return heat_map_of(ctx, [
        HeatRow(group, area_cells(used, needs_of(ctx, figures, language), hidden,
                                  release.thresholds)) for group, figures, hidden in rows],
        language)


def heat_map_of(ctx: WaveContext, rows: list[HeatRow], language: str) -> HeatMap:
    labels = areas()
    return HeatMap([Area(key, text_in(labels[key], language)) for key in used_areas(ctx)],
                   rows)


def used_areas(ctx: WaveContext) -> list[str]:
    """The need areas of the wave's questions, in the heat maps' order."""
    return [key for key in areas() if any(q.area == key for q in ctx.counted)]


# A need: (question, option, count, n, share), its label worked out when it is shown
Candidate = tuple[str, str, int, int, float]


def heat_candidates(ctx: WaveContext, figures: dict[str, Figure],
                    order: NeedOrder | None = None, used: list[str] | None = None
                    ) -> dict[str, list[Candidate]]:
    """Per area, the needs a heat-map cell of these figures may show: those sharing its
    highest (share, count), in the order `needs` finds them. Which need the cell shows
    among them depends on the language only (`heat_cell`: the first label), so they are
    worked out once, at the freeze, in any language (`order`, `need_order`, and `used`,
    `used_areas`, worked out once for every company)."""
    language = "it"
    order = need_order(ctx) if order is None else order

    def found_at(need: Candidate) -> tuple[int, int]:
        index, options = order[need[0]]
        return index, options.index(need[1]) if need[1] in options else -1

    every = needs_of(ctx, figures, language)
    cells = {}
    for area in used_areas(ctx) if used is None else used:
        mine = [n for n in every if n.area == area]
        if mine:
            best = max((n.share, n.count) for n in mine)
            cells[area] = sorted(((n.question, n.option, n.count, n.n, n.share) for n in mine
                                  if (n.share, n.count) == best), key=found_at)
    return cells


NeedOrder = dict[str, tuple[int, list[str]]]


def need_order(ctx: WaveContext) -> NeedOrder:
    """Each counted question's place and its options' keys, as `needs` finds them."""
    return {q.key: (i, [key for key, _label in option_labels(q, "it")])
            for i, q in enumerate(ctx.counted)}


def heat_cell(area: str, candidates: list[Candidate], hidden: str, thresholds: Thresholds,
              label: Callable[[str, str], str]) -> AreaCell:
    """The cell `area_cells` makes from the needs `heat_candidates` kept (`label`: a
    need's label in the reader's language, `need_labels`)."""
    if hidden:
        return AreaCell(area, hidden=hidden, note=note(hidden, thresholds))
    if not candidates:
        return AreaCell(area)
    named = [(label(c[0], c[1]), c) for c in candidates]
    text, top = min(named, key=lambda found: found[0])  # the first of equal labels
    return AreaCell(area, top[4], top[3], text)


def need_labels(ctx: WaveContext, language: str) -> Callable[[str, str], str]:
    """A need's (question, option) label in `language`, each worked out once."""
    by_key = {q.key: q for q in ctx.counted}
    known: dict[tuple[str, str], str] = {}

    def label(question: str, option: str) -> str:
        if (question, option) not in known:
            known[question, option] = need_label(by_key[question], option, language)
        return known[question, option]

    return label


# Reporting groups ---------------------------------------------------------------------


def group_figure(ctx: WaveContext, groups: GroupRelease, question: Question, company: UUID,
                 key: tuple[str, str], language: str, release: CompanyRelease) -> Figure:
    group = group_of(ctx, company, key[0], key[1], language)
    reason = groups.q_hidden.get(question.key, {}).get(key) or groups.hidden.get(key)
    if reason:
        return hidden_figure(group, reason, release.thresholds)
    return figure(group, question, groups.counts[key].get(question.key, {}),
                  groups.q_sizes[question.key][key], language, labels(release, question, language))


def group_rate(ctx: WaveContext, groups: GroupRelease, company: UUID, key: tuple[str, str],
               release: CompanyRelease, language: str) -> Rate:
    group = group_of(ctx, company, key[0], key[1], language)
    if release.running:  # a group's steps could be subtracted from the company's
        return Rate(group, groups.rate_sizes.get(key, (0,))[0], hidden="open",
                    note=note("open", release.thresholds))
    if key not in groups.rate_sizes:  # answered under a value nobody was invited with
        return rate(group, (0, 0), "small", release.thresholds)
    return rate(group, groups.rate_sizes[key], groups.rate_hidden.get(key, ""),
                release.thresholds)
