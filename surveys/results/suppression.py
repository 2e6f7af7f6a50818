"""Suppression: which figures may be shown, as pure functions over counts.

The one implementation of the anonymity thresholds; `surveys.waves` (invited and
answered counts) and the results service both call it. Everything here works on
in-memory sizes, so the property-based attacker tests can drive it directly.

The rules, for a threshold k (5 by default, never lower; see `Thresholds`):

- **Small groups.** A cell whose size is under k is hidden (`small`). A cell can have
  several sizes (respondents, invited, answered): each must reach k.
- **Complementary suppression inside a company.** A company is split by each reporting
  group (department, site, a self-reported attribute) into a partition that includes
  "not set". In every partition (`Sum`), no hidden cell may be the only unknown one
  (it would be the parent minus the shown cells), and the hidden children of a shown
  parent must add up to at least k (a sibling sum). `protect` hides the next smallest
  shown cell (`complement`) until both hold.
- **Territory = companies.** A town's figure is the sum of the figures of its shown
  companies, plus the hidden ones only when at least two of them add up to at least k
  (`pool`). The program's figure is the sum of the towns' plus, on the same terms, the
  companies no town took. So a town minus its shown companies is nothing or a pooled
  group of k or more: no single company is ever the difference.
- **Across waves.** The same cell in two waves sharing a company may differ in size by
  zero or by at least k, never by 1 to k−1: otherwise the later wave hides it
  (`across_waves`) and its partition is protected again (`across_waves`).
- **Free text** needs a shown group of at least `Thresholds.text` (10) respondents and
  a closed wave; `surveys.results.scrubber` removes what could name a person.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

MIN_GROUP = 5  # no figure for fewer respondents, ever (the admin may only raise it)
MIN_TEXT_GROUP = 10  # no free text for smaller groups

Reason = Literal["small", "complement", "across_waves", "open", "unanimous"]
Key = Any  # any hashable: a company id, (dimension, value), a label in the tests
Sizes = tuple[int, ...]


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force: `group` for any figure, `text` for free text."""

    group: int = MIN_GROUP
    text: int = MIN_TEXT_GROUP


@dataclass(frozen=True)
class Sum:
    """`parent` is the sum of `children`: a partition of a group."""

    parent: Hashable
    children: tuple[Hashable, ...]


def is_small(sizes: Sizes, threshold: int) -> bool:
    return min(sizes) < threshold


def protect(sizes: Mapping[Key, Sizes], sums: Sequence[Sum], threshold: int,
            forced: Mapping[Key, Reason] | None = None) -> dict[Key, Reason]:
    """Why each hidden cell is hidden: small ones, `forced` ones and their complements.

    Cells missing from `sizes` count as size 0. The result never hides fewer cells
    than `forced` and the small ones; it adds `complement` cells until no partition has
    a single hidden cell and no shown parent has hidden children adding up to under k.
    """
    hidden: dict[Key, Reason] = dict(forced or {})
    for key, size in sizes.items():
        if is_small(size, threshold):
            hidden[key] = "small"
    if not hidden:  # no hidden cell for a partition to give away
        return hidden
    while fixes := _violations(sizes, sums, hidden, threshold):
        for key in fixes:
            hidden.setdefault(key, "complement")
    return hidden


def _violations(sizes: Mapping[Key, Sizes], sums: Sequence[Sum],
                hidden: Mapping[Key, Reason], threshold: int) -> set[Key]:
    """One more cell to hide for each partition that gives a hidden cell away."""
    fixes: set[Key] = set()
    for part in sums:
        cells = (part.parent, *part.children)
        unknown = [c for c in cells if c in hidden or c in fixes]
        if not unknown or len(unknown) == len(cells):
            continue
        children_hidden = [c for c in part.children if c in hidden or c in fixes]
        lone = len(unknown) == 1
        too_few = part.parent not in unknown and _below(sizes, children_hidden, threshold)
        if lone or too_few:
            fix = _next_smallest(sizes, part, hidden, fixes)
            if fix is not None:
                fixes.add(fix)
    return fixes


def _below(sizes: Mapping[Key, Sizes], keys: Iterable[Hashable], threshold: int) -> bool:
    keys = list(keys)
    return bool(keys) and is_small(add([sizes.get(k, (0,)) for k in keys]), threshold)


def _next_smallest(sizes: Mapping[Key, Sizes], part: Sum, hidden: Mapping[Key, Reason],
                   fixes: set[Key]) -> Hashable | None:
    """The smallest shown child; the parent only when every child is hidden."""
    shown = [c for c in part.children if c not in hidden and c not in fixes]
    if shown:
        return min(shown, key=lambda c: (sizes.get(c, (0,)), str(c)))
    return part.parent if part.parent not in hidden and part.parent not in fixes else None


def add(sizes: Sequence[Sizes]) -> Sizes:
    """Component-wise sum over the components every size has."""
    if not sizes:
        return (0,)
    width = min(len(s) for s in sizes)
    return tuple(sum(s[i] for s in sizes) for i in range(width))


# Territory: towns and the program as sums of companies ------------------------------

PROGRAM = "program"  # the program's pool in `closed`


@dataclass
class Territory:
    """Which companies each town and the program include; `pools` is how many people
    each pooled remainder holds (by town, and PROGRAM), for the across-waves check."""

    towns: dict[str, list[Key]] = field(default_factory=dict)
    program: list[Key] = field(default_factory=list)
    pools: dict[str, int] = field(default_factory=dict)


def pool(members: Mapping[Key, Sizes], hidden: Iterable[Key], threshold: int,
         closed: bool = False) -> tuple[list[Key], list[Key]]:
    """The members a territory includes, and which of them are pooled: the shown ones,
    plus the hidden ones when at least two of them hold people (an empty member would
    leave the other alone in the pool) and they add up to `threshold` or more (their
    sum is a group of its own that no subtraction splits), unless the pool is `closed`."""
    hidden = set(hidden)
    shown = [key for key in members if key not in hidden]
    tucked = [key for key in members if key in hidden]
    holding = [key for key in tucked if min(members[key]) > 0]
    if (not closed and len(holding) >= 2
            and not is_small(add([members[k] for k in tucked]), threshold)):
        return shown + tucked, tucked
    return shown, []


def territory(sizes: Mapping[Key, Sizes], hidden: Iterable[Key],
              towns: Mapping[str, Iterable[Key]], threshold: int,
              closed: Iterable[str] = (), program: Iterable[Key] | None = None) -> Territory:
    """Towns (`towns` lists each town's members) and the program (`program`, else every
    member of a town) as sums of the members' cells, as the module doc says.

    A town whose included total is small is hidden and includes nothing; the program
    includes the shown towns' members plus, pooled, the members no town took. A town or
    PROGRAM in `closed` pools nothing.
    """
    hidden, closed = set(hidden), set(closed)
    found = Territory()
    for town, keys in sorted(towns.items()):
        members = {key: sizes.get(key, (0,)) for key in keys}
        included, pooled = pool(members, hidden, threshold, town in closed)
        if included and not is_small(add([members[k] for k in included]), threshold):
            found.towns[town] = included
            found.pools[town] = add([members[k] for k in pooled])[0] if pooled else 0
        else:
            found.towns[town] = []
    everyone = list(program) if program is not None else [
        key for keys in towns.values() for key in keys]
    taken = {key for included in found.towns.values() for key in included}
    leftover = {key: sizes.get(key, (0,)) for key in everyone if key not in taken}
    included, pooled = pool(leftover, leftover, threshold, PROGRAM in closed)
    found.program = [key for key in everyone if key in taken] + included
    found.pools[PROGRAM] = add([leftover[k] for k in pooled])[0] if pooled else 0
    return found


# The territory seen from one of its companies ------------------------------------------

DOMINANCE_N = 1  # Eurostat's (n, k) rule with n = 1 and k = 75%:
DOMINANCE_K = 0.75  # the largest other company holds at most 75% of the others
MIN_OTHERS = 2  # a town seen by a member: at least two other companies


def dominated(sizes: Mapping[Key, Sizes], members: Sequence[Key], viewer: Key) -> bool:
    """Whether a territory (`members`) must not be shown to `viewer`'s HR manager: it
    holds fewer than two other companies with people, or the largest `DOMINANCE_N` of
    them hold more than `DOMINANCE_K` of the others' people. The viewer subtracts their
    own figure; what is left must be a mix, not one company in all but name."""
    if viewer not in members:
        return True
    others = sorted((sizes.get(m, (0,))[0] for m in members if m != viewer), reverse=True)
    others = [n for n in others if n > 0]
    total = sum(others)
    return (len(others) < MIN_OTHERS or not total
            or sum(others[:DOMINANCE_N]) > DOMINANCE_K * total)


# Across waves ------------------------------------------------------------------------


def across_waves(current: Mapping[Key, int], earlier: Iterable[Mapping[Key, int]],
                 threshold: int) -> dict[Key, Reason]:
    """Cells of the current wave whose size differs from the same cell in an earlier
    wave by 1 to `threshold` − 1: hidden, so no subtraction between waves isolates a
    handful of people."""
    found: dict[Key, Reason] = {}
    for before in earlier:
        for key, size in current.items():
            if key in before and 0 < abs(size - before[key]) < threshold:
                found[key] = "across_waves"
    return found
