"""What of a wave may be shown: the suppression decisions, before any DTO is built.

`company_release` decides for the companies of a wave (all of them, or one town's) and
for their towns and the program; `group_release` for the reporting groups inside one
company. Both take the counts of `count` (`cache`, a few statements for the whole wave)
and decide through `suppression`, so pages, the API, reports and exports all show the
same cells.

Three layers, each hiding at least what the one before hides: response rates (sizes
invited and answered), respondents (the people behind the figures), and each question
(the people who answered it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.values import json_value
from surveys.definition import Definition, Question, linked, questions
from surveys.results import cache, queries
from surveys.results.figures import UNANIMOUS_BELOW, base, unanimous
from surveys.results.queries import CROSSTABS, Dimension
from surveys.results.suppression import (
    Reason,
    Sizes,
    Sum,
    Territory,
    Thresholds,
    across_waves,
    is_small,
    protect,
    territory,
)

PARENT = "company"  # the company's own cell among its groups' cells
ByQuestion = dict[str, dict[tuple[str, str], tuple[int, int]]]


@dataclass
class WaveContext:
    """A wave and what its results need: definition, companies, earlier waves."""

    wave: dict[str, Any]
    definition: Definition
    towns: dict[UUID, str]  # company -> town
    names: dict[UUID, str]
    dimensions: list[Dimension]  # the wave's reporting groups

    @property
    def id(self) -> UUID:
        return self.wave["id"]  # type: ignore[no-any-return]

    @property
    def counted(self) -> list[Question]:
        """The questions with counts (free text has none)."""
        return [q for q in questions(self.definition) if q.type != "text"]

    def crosstabs(self) -> list[tuple[Question, list[Question]]]:
        """The predefined cross-tabulations this wave's survey can show."""
        found = []
        by_key = {q.key: q for q in questions(self.definition)}
        for key, areas in CROSSTABS.items():
            attribute = by_key.get(key)
            targets = [q for q in self.counted if q.area in areas and q.key != key
                       and not linked(self.definition, q.key, key)]
            if attribute is not None and attribute.type == "single" and targets:
                found.append((attribute, targets))
        return found

    def split_by(self) -> list[tuple[Dimension, list[Question]]]:
        """Every dimension with the questions shown for it: the reporting groups for
        all questions, the cross-tabulation attributes that are not reporting groups
        for their questions only."""
        dims = [(d, self.counted) for d in self.dimensions]
        reporting = {d.key for d in self.dimensions}
        dims += [(Dimension(attribute.key, from_answers=True), targets)
                 for attribute, targets in self.crosstabs() if attribute.key not in reporting]
        return dims


def dimensions_of(wave: Mapping[str, Any]) -> list[Dimension]:
    """A wave's reporting groups (its `reporting_groups`) as dimensions."""
    return [Dimension(g["key"], roster=g.get("source") == "roster")
            for g in json_value(wave["reporting_groups"]) or []]


@dataclass
class CompanyRelease:
    """Company-level cells of a wave, with its towns and the program, in three layers.

    `rate_*` have sizes (invited, answered), the respondents layer (`sizes`,
    `hidden`, `territory`) has (respondents,), `q_*` the question's base. Each layer's
    territory says which companies each town and the program include.
    """

    thresholds: Thresholds
    rate_sizes: dict[UUID, Sizes]
    rate_hidden: dict[UUID, Reason]
    rate_territory: Territory
    sizes: dict[UUID, Sizes] = field(default_factory=dict)
    hidden: dict[UUID, Reason] = field(default_factory=dict)
    territory: Territory = field(default_factory=Territory)
    counts: dict[UUID, ByQuestion] = field(default_factory=dict)
    multiple: dict[UUID, dict[str, int]] = field(default_factory=dict)
    q_sizes: dict[str, dict[UUID, Sizes]] = field(default_factory=dict)
    q_hidden: dict[str, dict[UUID, Reason]] = field(default_factory=dict)
    q_territory: dict[str, Territory] = field(default_factory=dict)
    labels: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    running: bool = False  # an open wave: rates only, in steps (`views.company_rate`)
    # Released comments (question, text): each shown company's, and the pooled rest.
    comments: dict[UUID, list[tuple[str, str]]] = field(default_factory=dict)
    pool: list[tuple[str, str]] = field(default_factory=list)
    # Each town's and the program's counts per question, added up once at the freeze
    # (question -> place -> counts); without them a view adds up `counts`.
    places: dict[str, dict[str, dict[tuple[str, str], tuple[int, int]]]] = field(
        default_factory=dict)


async def rate_release(ctx: WaveContext, companies: list[UUID], thresholds: Thresholds,
                       invited: queries.Invited | None = None) -> CompanyRelease:
    """Decide the response rates of `companies` and their territory (`invited`: the
    wave's invitations, `queries.invitations`, when already read)."""
    k = thresholds.group
    if invited is None:
        invited = await queries.invitations(ctx.id, companies)
    sizes: dict[UUID, Sizes] = {c: invited.companies.get(c, (0, 0)) for c in companies}
    hidden = protect(sizes, [], k)
    return CompanyRelease(thresholds, sizes, hidden,
                          territory(sizes, hidden, _town_members(ctx, companies), k))


async def count(ctx: WaveContext) -> cache.Folded:
    """The wave's counts for every company and reporting group, in a few statements
    (inside the caller's transaction)."""
    return await cache.count(ctx.id, ctx.dimensions, ctx.counted,
                             [(d, asked) for d, asked in ctx.split_by() if d.from_answers])


async def company_release(ctx: WaveContext, companies: list[UUID], thresholds: Thresholds,
                          folded: cache.Folded, earlier: Sequence[Mapping[UUID, int]] = (),
                          invited: queries.Invited | None = None) -> CompanyRelease:
    """Decide every company-level cell of `companies` in the wave (their counts
    `folded`, `count`), and their territory, against the respondents of each company in
    the `earlier` released waves (`invited`: as `rate_release`)."""
    k = thresholds.group
    release = await rate_release(ctx, companies, thresholds, invited)
    now = {c: folded.respondents.get((c, "", ""), 0) for c in companies}
    release.sizes = {c: (now[c],) for c in companies}
    release.hidden, release.territory = decide_companies(
        now, earlier, release.rate_hidden, _town_members(ctx, companies), k)
    release.counts = {c: folded.counts.get((c, "", ""), {}) for c in companies}
    release.multiple = {c: folded.multiple.get((c, "", ""), {}) for c in companies}
    for question in ctx.counted:
        _decide_question(release, question)
    return release


def _town_members(ctx: WaveContext, companies: Iterable[UUID]) -> dict[str, list[UUID]]:
    towns: dict[str, list[UUID]] = {}
    for company in companies:
        towns.setdefault(ctx.towns.get(company, ""), []).append(company)
    return towns


def decide_companies(now: Mapping[Any, int], earlier: Sequence[Mapping[Any, int]],
                     forced: Mapping[Any, Reason], towns: Mapping[str, list[Any]],
                     k: int) -> tuple[dict[Any, Reason], Territory]:
    """Which companies' respondents cells hide (`now` sizes, `earlier` waves' sizes,
    `forced` by the rates), and what each town and the program include."""
    sizes = {c: (n,) for c, n in now.items()}
    hidden = protect(sizes, [], k, {**across_waves(now, earlier, k), **forced})
    closed = _closed_pools(now, earlier, hidden, towns, k)
    return hidden, territory(sizes, hidden, towns, k, closed)


def _closed_pools(now: Mapping[Any, int], earlier: Sequence[Mapping[Any, int]],
                  hidden: Mapping[Any, Reason], towns: Mapping[str, list[Any]],
                  k: int) -> set[str]:
    """Towns (and PROGRAM) whose pooled remainder would differ from an earlier wave's by
    1 to k − 1 people: they pool nothing in this wave."""
    before = _earlier_pools(earlier, towns, k)
    closed: set[str] = set()
    while True:
        pools = territory({c: (n,) for c, n in now.items()}, hidden, towns, k, closed).pools
        newly = {place for place, size in pools.items() if size and place not in closed
                 and any(0 < abs(size - old.get(place, 0)) < k for old in before)}
        if not newly:
            return closed
        closed |= newly


def _earlier_pools(earlier: Sequence[Mapping[Any, int]], towns: Mapping[str, list[Any]],
                   k: int) -> list[dict[str, int]]:
    """Each earlier wave's pooled remainders, from its respondents alone (a wave's cells
    against the waves before it, as when it was shown)."""
    found = []
    for index, counts in enumerate(earlier):
        sizes = {c: (counts.get(c, 0),) for members in towns.values() for c in members}
        forced = across_waves(counts, earlier[:index], k)
        found.append(territory(sizes, protect(sizes, [], k, forced), towns, k).pools)
    return found


def _decide_question(release: CompanyRelease, question: Question) -> None:
    k = release.thresholds.group
    sizes = {c: base(question, release.counts[c].get(question.key, {}), release.multiple[c])
             for c in release.sizes}
    hidden: dict[UUID, Reason] = {c: release.hidden[c] for c in sizes if c in release.hidden}
    hidden.update({c: "small" for c, size in sizes.items()
                   if c not in hidden and is_small(size, k)})
    hidden.update({c: "unanimous" for c, size in sizes.items() if c not in hidden and unanimous(
        question, release.counts[c].get(question.key, {}), size, k)})
    release.q_sizes[question.key] = sizes
    release.q_hidden[question.key] = hidden
    # Inside the territory decided on respondents, never beyond it: what it left out
    # stays out, and the rest may pool again on the question's base.
    release.q_territory[question.key] = territory(
        sizes, hidden, release.territory.towns, k, (), release.territory.program)


# Inside one company --------------------------------------------------------------------


@dataclass
class GroupRelease:
    """The reporting-group cells of one company, keys (dimension, value), in the same
    layers as `CompanyRelease` (rates for roster groups only)."""

    values: dict[str, list[str]] = field(default_factory=dict)  # dimension -> its values
    rate_sizes: dict[tuple[str, str], Sizes] = field(default_factory=dict)
    rate_hidden: dict[Any, Reason] = field(default_factory=dict)
    sizes: dict[tuple[str, str], Sizes] = field(default_factory=dict)
    hidden: dict[Any, Reason] = field(default_factory=dict)
    counts: dict[tuple[str, str], ByQuestion] = field(default_factory=dict)
    multiple: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    q_sizes: dict[str, dict[Any, Sizes]] = field(default_factory=dict)
    q_hidden: dict[str, dict[Any, Reason]] = field(default_factory=dict)


async def group_rates(ctx: WaveContext, release: CompanyRelease, company: UUID,
                      preloaded: Mapping[str, Mapping[UUID, Mapping[str, Sizes]]] | None = None
                      ) -> GroupRelease:
    """Decide the response rates of `company`'s roster groups (`preloaded`: every
    company's invited and answered per roster field, `queries.invitations`' groups)."""
    found = GroupRelease()
    roster = [d.key for d in ctx.dimensions if d.roster]
    if preloaded is None:
        preloaded = (await queries.invitations(ctx.id, [company], roster)).groups
    for key in roster:
        invited = preloaded[key].get(company, {})
        found.values[key] = sorted(invited, key=lambda v: (v == "", v))
        found.rate_sizes.update({(key, v): n for v, n in invited.items()})
    found.rate_hidden = decide_group_rates(
        found.rate_sizes, {key: found.values[key] for key in roster},
        release.rate_sizes[company], release.rate_hidden.get(company),
        release.thresholds.group)
    return found


def decide_group_rates(sizes: Mapping[tuple[str, str], Sizes],
                       values: Mapping[str, list[str]], parent: Sizes,
                       parent_reason: Reason | None, k: int,
                       also: Mapping[Any, Reason] | None = None) -> dict[Any, Reason]:
    """Which roster groups' response rates (sizes invited, answered) of a company hide
    (`also`: groups hidden for another reason, such as across waves)."""
    forced: dict[Any, Reason] = {key: r for key, r in (also or {}).items() if key in sizes}
    if parent_reason:
        forced[PARENT] = parent_reason
    sums = [Sum(PARENT, tuple((d, v) for v in found)) for d, found in values.items()]
    return protect({**sizes, PARENT: parent}, sums, k, forced)


async def group_release(ctx: WaveContext, release: CompanyRelease, company: UUID,
                        folded: cache.Folded,
                        history: Sequence[Mapping[tuple[str, str], int]] = (),
                        invited: Mapping[str, Mapping[UUID, Mapping[str, Sizes]]] | None = None,
                        split: Sequence[tuple[Dimension, list[Question]]] | None = None
                        ) -> GroupRelease:
    """Decide every cell of `company`'s reporting groups (`ctx.split_by()`, counts
    `folded`), with complementary suppression in every partition, against the same
    groups' respondents in the earlier released waves (`history`, one mapping per
    wave). `split`: `ctx.split_by()` worked out once for every company of a freeze."""
    k = release.thresholds.group
    split = ctx.split_by() if split is None else split
    found = await group_rates(ctx, release, company, invited)
    for dimension, _asked in split:
        _load_dimension(company, dimension, folded, found)
    found.hidden = decide_groups(
        {key: size[0] for key, size in found.sizes.items()}, found.values,
        release.sizes[company][0], release.hidden.get(company), history, found.rate_hidden, k)
    for dimension, asked in split:
        keys = [(dimension.key, v) for v in found.values[dimension.key]]
        for question in asked:
            _decide_group_question(found, release, company, question, keys, k)
    return found


def decide_groups(now: Mapping[tuple[str, str], int], values: Mapping[str, list[str]],
                  parent: int, parent_reason: Reason | None,
                  history: Sequence[Mapping[tuple[str, str], int]], forced: Mapping[Any, Reason],
                  k: int) -> dict[Any, Reason]:
    """Which reporting-group cells (dimension, value) of a company hide: small ones, those
    too close to an earlier wave, `forced` ones, and their complements in every
    partition of the company (`PARENT`, of size `parent`)."""
    sizes: dict[Any, Sizes] = {key: (n,) for key, n in now.items()}
    sizes[PARENT] = (parent,)
    forced = _not_sole({**across_waves(now, history, k), **forced}, values)
    if parent_reason:
        forced[PARENT] = parent_reason
    sums = [Sum(PARENT, tuple((d, v) for v in found)) for d, found in values.items()]
    return protect(sizes, sums, k, forced)


def _not_sole(forced: Mapping[Any, Reason], values: Mapping[str, list[str]]
              ) -> dict[Any, Reason]:
    """`forced` without the groups that are a whole company (the one value of their
    dimension): such a group is the company's own cell, decided with the company, and
    hiding it alone would only hide the company (from every view, its town's too)."""
    sole = {(d, found[0]) for d, found in values.items() if len(found) == 1}
    return {key: reason for key, reason in forced.items() if key not in sole}


def _parent(hidden: Mapping[UUID, Reason], company: UUID) -> dict[Any, Reason]:
    return {PARENT: hidden[company]} if company in hidden else {}


def _load_dimension(company: UUID, dimension: Dimension, folded: cache.Folded,
                    found: GroupRelease) -> None:
    current = folded.values.get((company, dimension.key), {})
    values = set(current) | set(found.values.get(dimension.key, []))
    found.values[dimension.key] = sorted(values, key=lambda v: (v == "", v))
    for value in found.values[dimension.key]:
        cell = (company, dimension.key, value)
        found.sizes[(dimension.key, value)] = (current.get(value, 0),)
        found.counts[(dimension.key, value)] = folded.counts.get(cell, {})
        found.multiple[(dimension.key, value)] = folded.multiple.get(cell, {})


def _decide_group_question(found: GroupRelease, release: CompanyRelease, company: UUID,
                           question: Question, keys: list[tuple[str, str]], k: int) -> None:
    """Decide `question` in one partition of the company (`keys`, a dimension's groups)."""
    cells = [found.counts[key].get(question.key, {}) for key in keys]
    sizes: dict[Any, Sizes] = {key: base(question, cell, found.multiple[key])
                               for key, cell in zip(keys, cells, strict=True)}
    sizes[PARENT] = release.q_sizes[question.key][company]
    forced: dict[Any, Reason] = {key: found.hidden[key] for key in keys if key in found.hidden}
    # Only a figure of fewer than 2 × k people can be unanimous: most groups are spared
    # the look at their counts.
    limit = UNANIMOUS_BELOW * k
    forced.update({key: "unanimous" for key, cell in zip(keys, cells, strict=True)
                   if key not in forced and min(sizes[key]) < limit
                   and unanimous(question, cell, sizes[key], k)})
    forced.update(_parent(release.q_hidden[question.key], company))
    hidden = protect(sizes, [Sum(PARENT, tuple(keys))], k, forced)
    found.q_sizes.setdefault(question.key, {}).update(sizes)
    found.q_hidden.setdefault(question.key, {}).update(hidden)
