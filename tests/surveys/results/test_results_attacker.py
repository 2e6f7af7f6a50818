"""The attacker: from every table a role can see, try to recover a group of fewer than 5.

Hypothesis generates populations (towns, companies, departments and sites, many of them
small) over two waves, runs the results' own suppression decisions, and hands what each
role sees (each HR manager: their company, its groups and its town; program staff:
everything, which also covers HR managers acting together) to an attacker who knows the
rules and every structural sum (a company is the sum of its departments and of its
sites; a town the sum of the companies it includes; the program the sum of its towns
and its pool). The attacker solves the linear system exactly (fractions) and wins if it
determines a hidden cell, or the sum of hidden cells of one partition whose true total
is 1 to 4, or sees a cell or a pooled remainder differ by 1 to 4 between the waves.

Most examples run on the pure decisions (`release.decide_companies`,
`release.decide_groups`); a few go through the database and the service.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.results import service
from surveys.results.release import (
    PARENT,
    decide_companies,
    decide_group_rates,
    decide_groups,
)
from surveys.results.suppression import PROGRAM, protect
from tests.surveys.results.test_results import (
    add_invitations,
    add_responses,
    caller,
    make_company,
    make_program,
    make_wave,
)

K = 5
DEPARTMENTS = ("Produzione", "Logistica", "Uffici")
SITES = ("Nord", "Sud")


# A population: people per (company, department, site), in two waves ------------------


@dataclass
class Population:
    towns: dict[str, str]  # company -> town
    waves: list[dict[tuple[str, str, str], int]]  # (company, department, site) -> people


small = st.integers(0, 12) | st.integers(0, 4)  # many tiny groups


@st.composite
def populations(draw: Any) -> Population:
    companies = [f"c{i}" for i in range(draw(st.integers(1, 5)))]
    towns = {c: draw(st.sampled_from(["Crema", "Cremona", "Casalmaggiore"])) for c in companies}
    first = {(c, d, s): draw(small) for c in companies for d in DEPARTMENTS for s in SITES}
    change = st.integers(-3, 3) | st.just(0)
    second = {key: max(0, n + draw(change)) for key, n in first.items()}
    return Population(towns, [first, second])


# The release, as the service decides it ------------------------------------------------


@dataclass
class View:
    """What one role sees in one wave: values by cell, and the structure it knows."""

    known: dict[str, int] = field(default_factory=dict)
    secret: dict[str, int] = field(default_factory=dict)
    sums: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    partitions: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    pools: dict[str, int] = field(default_factory=dict)
    hidden: set[str] | None = None  # suppressed cells; None: all that are not known

    def suppressed(self) -> set[str]:
        return self.hidden if self.hidden is not None else set(self.secret) - set(self.known)


def _sizes(wave: Mapping[tuple[str, str, str], int]) -> tuple[dict[str, int], dict[Any, int]]:
    companies: dict[str, int] = {}
    groups: dict[Any, int] = {}
    for (company, department, site), n in wave.items():
        companies[company] = companies.get(company, 0) + n
        for key in (("department", department), ("site", site)):
            groups[(company, *key)] = groups.get((company, *key), 0) + n
    return companies, groups


def release(population: Population) -> list[View]:
    """The staff's view of each wave, decided by the service's own functions."""
    views, earlier, earlier_groups = [], [], []
    for wave in population.waves:
        companies, groups = _sizes(wave)
        towns: dict[str, list[str]] = {}
        for company in companies:
            towns.setdefault(population.towns[company], []).append(company)
        # Here everyone invited answered: rates have sizes (n, n).
        rates = protect({c: (n, n) for c, n in companies.items()}, [], K)
        hidden, territory = decide_companies(companies, earlier, rates, towns, K)
        view = View()
        for company, n in companies.items():
            _company_cells(view, company, n, hidden.get(company), rates.get(company), groups,
                           earlier_groups)
        _territory_cells(view, companies, hidden, territory, towns)
        views.append(view)
        earlier.append(companies)
        earlier_groups.append(groups)
    return views


def _company_cells(view: View, company: str, n: int, reason: Any, rate_reason: Any,
                   groups: Mapping[Any, int], earlier_groups: list[Mapping[Any, int]]) -> None:
    # A group exists in a wave when someone in it was invited (here: answered).
    mine = {(d, v): size for (c, d, v), size in groups.items() if c == company and size}
    values = {"department": [v for v in DEPARTMENTS if ("department", v) in mine],
              "site": [v for v in SITES if ("site", v) in mine]}
    history = [{(d, v): size for (c, d, v), size in old.items() if c == company}
               for old in earlier_groups]
    rates = decide_group_rates({key: (m, m) for key, m in mine.items()}, values, (n, n),
                               rate_reason, K)
    hidden = decide_groups(mine, values, n, reason, history, rates, K)
    view.secret[f"C:{company}"] = n
    if PARENT not in hidden:
        view.known[f"C:{company}"] = n
    for dimension, found in values.items():
        keys = tuple(f"G:{company}:{dimension}:{v}" for v in found)
        view.partitions.append((f"C:{company}", keys))
        for value, key in zip(found, keys, strict=True):
            view.secret[key] = mine[(dimension, value)]
            if (dimension, value) not in hidden:
                view.known[key] = mine[(dimension, value)]


def _territory_cells(view: View, companies: Mapping[str, int], hidden: Mapping[str, Any],
                     territory: Any, towns: Mapping[str, list[str]]) -> None:
    shown_towns = []
    for town, included in territory.towns.items():
        value = sum(companies[c] for c in included)
        if value >= K:
            shown_towns.append(town)
            view.known[f"T:{town}"] = value
            view.secret[f"T:{town}"] = value
            view.sums.append((f"T:{town}", tuple(f"C:{c}" for c in included)))
            view.pools[f"pool:{town}"] = sum(companies[c] for c in included if c in hidden)
    program = sum(companies[c] for c in territory.program)
    if program >= K:
        view.known["P"] = program
        view.secret["P"] = program
        taken = {c for t in shown_towns for c in territory.towns[t]}
        leftover = [c for c in territory.program if c not in taken]
        view.sums.append(("P", tuple([f"T:{t}" for t in shown_towns]
                                     + [f"C:{c}" for c in leftover])))
        view.pools[f"pool:{PROGRAM}"] = sum(companies[c] for c in leftover)
    assert set(towns) >= set(territory.towns)


def hr_view(staff: View, company: str, town: str, territory_shown: bool) -> View:
    """What the HR manager of `company` sees: the company, its groups, and its town."""
    mine = f"C:{company}"
    known = {k: v for k, v in staff.known.items()
             if k == mine or k.startswith(f"G:{company}:")
             or (territory_shown and k == f"T:{town}")}
    return View(known, staff.secret, staff.sums, staff.partitions, {}, staff.suppressed())


# The attacker --------------------------------------------------------------------------


class Solver:
    """Exact linear algebra over the hidden cells: which combinations are determined."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.rows: list[dict[str, Fraction]] = []
        for parent, children in view.sums + view.partitions:
            row = {parent: Fraction(1)}
            for child in children:
                row[child] = row.get(child, Fraction(0)) - 1
            self._add({k: c for k, c in row.items() if k not in view.known and c})

    def _reduce(self, row: dict[str, Fraction]) -> dict[str, Fraction]:
        row = dict(row)
        for pivot_row in self.rows:
            pivot = next(iter(pivot_row))
            if row.get(pivot):
                factor = row[pivot] / pivot_row[pivot]
                for key, coefficient in pivot_row.items():
                    row[key] = row.get(key, Fraction(0)) - factor * coefficient
                row = {k: c for k, c in row.items() if c}
        return row

    def _add(self, row: dict[str, Fraction]) -> None:
        reduced = self._reduce(row)
        if reduced:
            pivot = next(iter(reduced))
            # Keep earlier rows free of the new pivot so reductions stay exact.
            self.rows = [self._eliminate(r, reduced, pivot) for r in self.rows] + [reduced]

    @staticmethod
    def _eliminate(row: dict[str, Fraction], by: dict[str, Fraction], pivot: str
                   ) -> dict[str, Fraction]:
        if not row.get(pivot):
            return row
        factor = row[pivot] / by[pivot]
        out = dict(row)
        for key, coefficient in by.items():
            out[key] = out.get(key, Fraction(0)) - factor * coefficient
        return {k: c for k, c in out.items() if c}

    def determined(self, cells: Iterable[str]) -> bool:
        """Whether the sum of these hidden cells follows from what is seen."""
        return not self._reduce({cell: Fraction(1) for cell in cells})


def recovered(view: View) -> list[str]:
    """Every small group the attacker can work out from `view`."""
    solver = Solver(view)
    found = []
    # Any hidden cell worked out exactly (an empty one protects nobody), or any sum of
    # hidden siblings that holds 1 to 4 people.
    found += [f"{cell} = {view.secret[cell]}" for cell in sorted(view.suppressed())
              if view.secret[cell] and solver.determined([cell])]
    for _parent, children in view.sums + view.partitions:
        unknown = [c for c in children if c not in view.known]
        for size in range(2, min(len(unknown), 6) + 1):
            for subset in itertools.combinations(unknown, size):
                total = sum(view.secret[c] for c in subset)
                if 0 < total < K and solver.determined(subset):
                    found.append(f"{' + '.join(subset)} = {total}")
    return found


def across_waves(first: View, second: View) -> list[str]:
    """Cells and pooled remainders seen in both waves that moved by 1 to 4."""
    # Towns and the program are sums of their companies and pools, checked one by one.
    seen = {k: v for k, v in {**first.known, **first.pools}.items()
            if not k.startswith(("T:", "P"))}
    later = {k: v for k, v in {**second.known, **second.pools}.items()
             if not k.startswith(("T:", "P"))}
    return [f"{k}: {seen[k]} → {later[k]}" for k in seen.keys() & later.keys()
            if 0 < abs(later[k] - seen[k]) < K]


# Pure examples ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(populations())
def test_no_role_recovers_a_group_under_five_from_what_it_sees(population: Population) -> None:
    views = release(population)
    for index, view in enumerate(views):
        assert recovered(view) == [], f"staff, wave {index + 1}"
        for company, town in population.towns.items():
            shown_town = f"T:{town}" in view.known and f"C:{company}" in view.known
            assert recovered(hr_view(view, company, town, shown_town)) == [], company
    assert across_waves(*views) == []


def test_the_attacker_wins_without_suppression() -> None:
    """The attacker is not toothless: shown as they are, small groups fall out."""
    view = View(known={"C:a": 12, "G:a:department:x": 9}, secret={
        "C:a": 12, "G:a:department:x": 9, "G:a:department:y": 3},
        partitions=[("C:a", ("G:a:department:x", "G:a:department:y"))])
    assert recovered(view) == ["G:a:department:y = 3"]
    pooled = View(known={"T:t": 20, "C:a": 10}, secret={"T:t": 20, "C:a": 10, "C:b": 4,
                                                        "C:c": 6},
                  sums=[("T:t", ("C:a", "C:b", "C:c"))])
    assert recovered(pooled) == []  # b and c stay pooled: 10 people together
    assert across_waves(View(known={"C:a": 10}), View(known={"C:a": 12})) == ["C:a: 10 → 12"]


# Through the database and the service ---------------------------------------------------


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(populations())
async def test_the_service_gives_the_attacker_nothing(monkeypatch: Any,
                                                      population: Population) -> None:
    # The model here knows sizes, not answers: the unanimity rule (a small group all
    # giving one answer, tests/surveys/test_anonymity_attacks.py) is left out of it.
    monkeypatch.setattr("surveys.results.figures.UNANIMOUS_BELOW", 0)
    from app.db import engine
    from tests.conftest import _all_tables  # clean state between examples

    for table in reversed(_all_tables()):
        await engine().run_ddl(f"DELETE FROM {table._meta.tablename}")
    program = await make_program()
    ids = {c: await make_company(program, c, town) for c, town in population.towns.items()}
    waves = []
    for index, people in enumerate(population.waves):
        wave = await make_wave(program, list(ids.values()), opens_on=date(2026, 3 + 3 * index, 1),
                               groups=("department", "site"), attributes=())
        for (company, department, site), n in people.items():
            await add_invitations(wave, ids[company], n, n, department, site)
            await add_responses(wave, ids[company], n, department, site=site, stress=3)
        waves.append(wave)
    staff = await caller(program.staff)
    expected = release(population)
    for wave, view in zip(waves, expected, strict=True):
        seen = await _service_view(staff, wave, ids, population)
        assert seen == view.known
        assert recovered(View(seen, view.secret, view.sums, view.partitions)) == []


async def _service_view(staff: Any, wave: Any, ids: Mapping[str, Any],
                        population: Population) -> dict[str, int]:
    """The values program staff see for the question everyone answered, keyed as in
    `release` (the program, towns, companies and their groups)."""
    names = {company_id: name for name, company_id in ids.items()}
    found: dict[str, int] = {}
    program = await service.program_results(staff, wave)
    for figure in _stress(program):
        key = "P" if figure.group.kind == "program" else f"T:{figure.group.label}"
        if not figure.hidden:
            found[key] = figure.n
    for company_id, name in names.items():
        results = await service.company_results(staff, company_id, wave)
        for figure in _stress(results):
            if figure.hidden or figure.group.kind == "town":
                continue
            group = figure.group
            found[f"C:{name}" if group.kind == "company" else
                  f"G:{name}:{group.dimension}:{group.value}"] = figure.n
    return found


def _stress(results: Any) -> list[Any]:
    return next(r for r in results.questions if r.question.key == "stress").figures
