"""Results released once, when a wave closes, and never again recomputed.

Figures that move while a wave is open give away each new respondent: the difference
between two readings is one person's answers, and HR knows who answered last. So a
wave shows no figure until it has closed; then `freeze` reads the wave's sealed tallies
(`tally.load`, added up as the ballot box emptied) or, when they cannot be used, counts
every answer once (`release.count`: a few set-based statements), decides every cell
(against the waves released before it, in the order they closed) and writes the
decisions and the counts of the cells that may be shown into `result_releases`.
Pages, the API, reports and exports read only those rows (`load`, `groups`,
`company_view`): a released figure never changes and never disappears, whatever
arrives, is deleted or is raised (the thresholds) afterwards.

The counts live only in the freezing transaction's memory (the tallies they come from are
sealed, and deleted by the release): no table holds a block of a few respondents in the
clear. The released rows keep counts only of cells that are shown or pooled
into a shown town (at least k people together); a hidden cell keeps its size, never
its answers.
"""
# ruff: noqa: S608  (statements built from placeholders only)

from __future__ import annotations

import asyncio
import hashlib
import random
import secrets
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import msgspec

from app.clock import now
from app.db import begun, is_sqlite, transaction
from surveys.definition import questions
from surveys.results import cache, queries, tally, views
from surveys.results.figures import add_counts
from surveys.results.release import (
    CompanyRelease,
    GroupRelease,
    WaveContext,
    company_release,
    count,
    group_release,
)
from surveys.results.suppression import PROGRAM, Reason, Territory, Thresholds, add, is_small
from surveys.results.tables import ResultRelease, ResultState
from surveys.tables import Wave

COMPANIES = ""  # the part holding the company-level cells
TOWN = "town:"  # parts "town:<hash>": a town's slice for its companies' pages (`town_slice`)
PROGRAM_VIEW = "view:program"  # what the program's page shows (`program_view`)
COMMENTS = "view:comments:"  # parts "view:comments:<n>": the wave-wide list in pages
MAX_COMMENTS = tally.MAX_COMMENTS  # per company: enough to read, few enough for a page


# Encoding: JSON has string keys only, so mappings travel as [key, value] pairs ----------


def _unkey(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(key)
    try:
        return UUID(key)
    except ValueError:
        return key


def _pairs(mapping: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    # msgspec writes UUIDs as strings and tuples as arrays, in C
    return list(mapping.items())


def _mapping(pairs: list[list[Any]], value: Any = lambda v: v) -> dict[Any, Any]:
    return {_unkey(k): value(v) for k, v in pairs}


def _sizes(pairs: list[list[Any]]) -> dict[Any, tuple[int, ...]]:
    return _mapping(pairs, tuple)


def _counts(by_question: Mapping[str, Mapping[tuple[str, str], tuple[int, int]]]) -> Any:
    # `_pairs` inlined: a wave's groups have hundreds of thousands of question cells
    return {q: list(cells.items()) for q, cells in by_question.items()}


def _uncounts(data: Mapping[str, list[list[Any]]]) -> dict[str, dict[Any, tuple[int, int]]]:
    return {q: {tuple(k): tuple(v) for k, v in cells} for q, cells in data.items()}


def _territory(found: Territory) -> Any:
    return {"towns": found.towns, "program": found.program, "pools": found.pools}


def _shown_or_pooled(release: CompanyRelease) -> set[UUID]:
    """Companies whose counts a view may add up: shown ones, and those a shown town or
    the program includes (pooled with others into k people or more)."""
    found = {c for c in release.sizes if c not in release.hidden}
    for decided in [release.territory, *release.q_territory.values()]:
        found.update(c for members in decided.towns.values() for c in members)
        found.update(decided.program)
    return found


def encode_companies(release: CompanyRelease) -> bytes:
    kept = _shown_or_pooled(release)
    return msgspec.json.encode({
        "thresholds": [release.thresholds.group, release.thresholds.text],
        "rate_sizes": _pairs(release.rate_sizes),
        "rate_hidden": _pairs(release.rate_hidden),
        "rate_territory": _territory(release.rate_territory),
        "sizes": _pairs(release.sizes), "hidden": _pairs(release.hidden),
        "territory": _territory(release.territory),
        "counts": [[str(c), _counts(v)] for c, v in release.counts.items() if c in kept],
        "multiple": [[str(c), v] for c, v in release.multiple.items() if c in kept],
        "q_sizes": {q: _pairs(v) for q, v in release.q_sizes.items()},
        "q_hidden": {q: _pairs(v) for q, v in release.q_hidden.items()},
        "q_territory": {q: _territory(v) for q, v in release.q_territory.items()},
        "comments": [[str(c), [list(t) for t in v]] for c, v in release.comments.items()],
        "pool": [list(t) for t in release.pool],
        "places": {q: _counts(v) for q, v in release.places.items()},
    })


# The company-level part's shape, so msgspec builds its UUIDs, tuples and pairs in C: a
# wave of a thousand companies decodes in a fraction of the time of a generic decode.
CellCounts = list[tuple[tuple[str, str], tuple[int, int]]]


class _Territory(msgspec.Struct):
    towns: dict[str, list[UUID]]
    program: list[UUID]
    pools: dict[str, int]


class _Companies(msgspec.Struct):
    thresholds: tuple[int, int]
    rate_sizes: list[tuple[UUID, tuple[int, ...]]]
    rate_hidden: list[tuple[UUID, Reason]]
    rate_territory: _Territory
    sizes: list[tuple[UUID, tuple[int, ...]]]
    hidden: list[tuple[UUID, Reason]]
    territory: _Territory
    counts: list[tuple[UUID, dict[str, CellCounts]]]
    multiple: list[tuple[UUID, dict[str, int]]]
    q_sizes: dict[str, list[tuple[UUID, tuple[int, ...]]]]
    q_hidden: dict[str, list[tuple[UUID, Reason]]]
    q_territory: dict[str, _Territory]
    comments: list[tuple[UUID, list[tuple[str, str]]]] = []
    pool: list[tuple[str, str]] = []
    places: dict[str, dict[str, CellCounts]] = {}


_COMPANIES = msgspec.json.Decoder(_Companies)


def _typed_territory(found: _Territory) -> Territory:
    return Territory(found.towns, found.program, found.pools)


def _typed_counts(data: Mapping[str, CellCounts]) -> dict[str, dict[Any, tuple[int, int]]]:
    return {key: dict(cells) for key, cells in data.items()}


def decode_companies(raw: bytes | str) -> CompanyRelease:
    data = _COMPANIES.decode(raw)
    release = CompanyRelease(Thresholds(*data.thresholds), dict(data.rate_sizes),
                             dict(data.rate_hidden), _typed_territory(data.rate_territory))
    release.sizes, release.hidden = dict(data.sizes), dict(data.hidden)
    release.territory = _typed_territory(data.territory)
    release.counts = {c: _typed_counts(v) for c, v in data.counts}
    release.multiple = dict(data.multiple)
    release.q_sizes = {q: dict(v) for q, v in data.q_sizes.items()}
    release.q_hidden = {q: dict(v) for q, v in data.q_hidden.items()}
    release.q_territory = {q: _typed_territory(v) for q, v in data.q_territory.items()}
    release.comments = dict(data.comments)
    release.pool = data.pool
    release.places = {q: _typed_counts(v) for q, v in data.places.items()}
    return release


def encode_groups(found: GroupRelease, own: Mapping[str, Any] | None = None) -> bytes:
    """A company's groups and (`own`, `_own`) its company-level counts and comments."""
    shown = [key for key in found.counts if key not in found.hidden]
    return msgspec.json.encode({
        "own": own or {},
        "values": found.values, "rate_sizes": _pairs(found.rate_sizes),
        "rate_hidden": _pairs(found.rate_hidden), "sizes": _pairs(found.sizes),
        "hidden": _pairs(found.hidden),
        "counts": [[list(k), _counts(found.counts[k])] for k in shown],
        "multiple": [[list(k), found.multiple.get(k, {})] for k in shown],
        "q_sizes": {q: _pairs(v) for q, v in found.q_sizes.items()},
        "q_hidden": {q: _pairs(v) for q, v in found.q_hidden.items()},
    })


def decode_groups(raw: bytes | str) -> GroupRelease:
    return _groups_of(msgspec.json.decode(raw))


def _groups_of(data: Mapping[str, Any]) -> GroupRelease:
    return GroupRelease(
        values=data["values"], rate_sizes=_sizes(data["rate_sizes"]),
        rate_hidden=_mapping(data["rate_hidden"]), sizes=_sizes(data["sizes"]),
        hidden=_mapping(data["hidden"]),
        counts={tuple(k): _uncounts(v) for k, v in data["counts"]},
        multiple={tuple(k): v for k, v in data["multiple"]},
        q_sizes={q: _sizes(v) for q, v in data["q_sizes"].items()},
        q_hidden={q: _mapping(v) for q, v in data["q_hidden"].items()})


# What a company's page reads ------------------------------------------------------------


def add_places(release: CompanyRelease) -> None:
    """Add up, once, each town's and the program's counts per question, where the
    figure is shown (at least k people: a small territory keeps no counts)."""
    for question, decided in release.q_territory.items():
        places = {PROGRAM: decided.program, **decided.towns}
        for place, members in places.items():
            size = add([release.q_sizes[question][c] for c in members]) if members else (0,)
            if members and not is_small(size, release.thresholds.group):
                release.places.setdefault(question, {})[place] = add_counts(
                    release.counts.get(c, {}).get(question, {}) for c in members)


def town_part(town: str) -> str:
    """The part holding a town's slice (`town_slice`): town names can be long."""
    return TOWN + hashlib.sha256(town.encode()).hexdigest()[:32]


def town_slice(release: CompanyRelease, town: str, members: list[UUID]) -> CompanyRelease:
    """What a company's page reads of the wave besides its own part: the cells of its
    town's companies (`members`), its town's and the program's membership among them,
    and its town's added-up counts: a few rows, whatever the size of the wave."""
    keep = set(members)

    def only(cells: Mapping[UUID, Any]) -> dict[UUID, Any]:
        return {c: v for c, v in cells.items() if c in keep}

    def near(found: Territory) -> Territory:
        return Territory({town: found.towns[town]} if town in found.towns else {},
                         [c for c in found.program if c in keep],
                         {town: found.pools.get(town, 0)})

    part = CompanyRelease(release.thresholds, only(release.rate_sizes),
                          only(release.rate_hidden), near(release.rate_territory),
                          only(release.sizes), only(release.hidden), near(release.territory))
    part.q_sizes = {q: only(v) for q, v in release.q_sizes.items()}
    part.q_hidden = {q: only(v) for q, v in release.q_hidden.items()}
    part.q_territory = {q: near(v) for q, v in release.q_territory.items()}
    part.places = {q: {town: v[town]} for q, v in release.places.items() if town in v}
    return part


def _own(release: CompanyRelease, company: UUID, kept: set[UUID]) -> dict[str, Any]:
    """A company's counts (when kept, `_shown_or_pooled`) and comments, for its part."""
    return {"counts": _counts(release.counts.get(company, {})) if company in kept else {},
            "multiple": release.multiple.get(company, {}) if company in kept else {},
            "comments": [list(t) for t in release.comments.get(company, [])]}


async def company_view(wave_id: UUID, company: UUID, town: str
                       ) -> tuple[CompanyRelease, GroupRelease] | None:
    """A company's page's share of a released wave, in one query: its town's slice with
    its own counts and comments, and its reporting groups; None when the wave is not
    released (or was released before slices existed)."""
    rows = await ResultRelease.select(ResultRelease.part, ResultRelease.data).where(
        (ResultRelease.wave == wave_id)
        & ResultRelease.part.is_in([town_part(town), str(company)]))
    found = {row["part"]: row["data"] for row in rows}
    if town_part(town) not in found or str(company) not in found:
        return None
    release = decode_companies(found[town_part(town)])
    data = msgspec.json.decode(found[str(company)])
    own = data["own"]
    if own.get("counts"):
        release.counts[company] = _uncounts(own["counts"])
        release.multiple[company] = own["multiple"]
    if own.get("comments"):
        release.comments[company] = [tuple(t) for t in own["comments"]]
    return release, _groups_of(data)


# What the program's page reads -----------------------------------------------------------


class ProgramView(msgspec.Struct):
    """What the program's page shows of a released wave, worked out once at the freeze
    from the company-level cells (`program_view`), so the page reads one row of a few
    hundred kilobytes instead of every company's counts. Numbers only: texts are put in
    at reading, in the reader's language.

    `figures`: per question, the base and counts of PROGRAM and of each town whose
    figure is not too small (`views.territory_counts`); `rate_places`: their invited
    and answered and why they hide; `heat`: per shown company, the needs each heat-map
    cell may show (`views.heat_candidates`); `comments`: the wave-wide list (each shown
    company's, then the pool) and `respondents` the wave's. A release since the comment
    pages keeps the list in `comment_pages` parts of `MAX_COMMENTS` (`comment_pages`),
    the page reading one of them: a wave of a million responses has a list of hundreds
    of thousands of comments, for a page that shows 300.
    """

    thresholds: tuple[int, int]
    towns: list[str]
    rate_places: dict[str, tuple[tuple[int, ...], str]]
    rate_sizes: list[tuple[UUID, tuple[int, ...]]]
    rate_hidden: list[tuple[UUID, str]]
    hidden: list[tuple[UUID, str]]
    figures: dict[str, dict[str, tuple[tuple[int, ...], CellCounts]]]
    heat: list[tuple[UUID, dict[str, list[tuple[str, str, int, int, float]]]]]
    respondents: int
    comments: list[tuple[str, str]]
    # The companies each total (PROGRAM, each town) includes: what it leaves out, and a
    # town without a total, are told from it.
    territory: dict[str, list[UUID]] = msgspec.field(default_factory=dict)
    comment_pages: int = 0


_PROGRAM_VIEW = msgspec.json.Decoder(ProgramView)


def program_view(ctx: WaveContext, release: CompanyRelease) -> ProgramView:
    """The program's page's share of a release (`add_places` done), decided by the same
    functions the page used on the whole release."""
    towns = sorted(release.territory.towns)
    asked = ctx.counted
    figures: dict[str, dict[str, tuple[tuple[int, ...], CellCounts]]] = {}
    for question in asked:
        found = figures[question.key] = {}
        for place in [PROGRAM, *towns]:
            counted = views.territory_counts(release, question, place)
            if counted is not None:
                found[place] = (counted[0], list(counted[1].items()))
    heat = []
    order, used = views.need_order(ctx), views.used_areas(ctx)
    for company in sorted(release.sizes, key=str):
        if company not in release.hidden:
            group = views.company_group(ctx, company)
            heat.append((company, views.heat_candidates(ctx, {
                q.key: views.company_figure(release, q, company, group, "it")
                for q in asked}, order, used)))
    return ProgramView(
        thresholds=(release.thresholds.group, release.thresholds.text), towns=towns,
        rate_places={place: views.territory_rate_size(release, place)
                     for place in [PROGRAM, *towns]},
        rate_sizes=list(release.rate_sizes.items()),
        rate_hidden=list(release.rate_hidden.items()), hidden=list(release.hidden.items()),
        figures=figures, heat=heat,
        respondents=sum(size[0] for size in release.sizes.values()),
        comments=[t for c in sorted(release.comments, key=str) for t in release.comments[c]]
        + list(release.pool),
        territory={PROGRAM: list(release.territory.program), **{
            town: list(members) for town, members in release.territory.towns.items()}})


def comment_pages(comments: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The wave-wide comment list shuffled into pages of `MAX_COMMENTS` (the last one
    topped up from the first), so reading a page at random shows `MAX_COMMENTS` of the
    list drawn at random, as drawing them from the whole list did."""
    shuffled = list(comments)
    # Seeded from the system's randomness: the system's own draw per comment took a
    # second for a million-response wave's list.
    random.Random(secrets.token_bytes(32)).shuffle(shuffled)
    pages = [shuffled[i:i + MAX_COMMENTS] for i in range(0, len(shuffled), MAX_COMMENTS)]
    if len(pages) > 1:
        pages[-1] += shuffled[:MAX_COMMENTS - len(pages[-1])]
    return pages


async def comment_page(wave_id: UUID, pages: int) -> list[tuple[str, str]]:
    """One of a released wave's `pages` of wave-wide comments, at random."""
    raw = await _part(wave_id, f"{COMMENTS}{secrets.randbelow(pages)}")
    return [] if raw is None else [tuple(t) for t in msgspec.json.decode(raw)]


async def load_program_view(wave_id: UUID) -> ProgramView | None:
    """The program's page's share of a released wave; None when the wave is not
    released (or was released before the view existed)."""
    raw = await _part(wave_id, PROGRAM_VIEW)
    return None if raw is None else _PROGRAM_VIEW.decode(raw)


# Reading -------------------------------------------------------------------------------


async def _part(wave_id: UUID, part: str) -> str | None:
    row = await ResultRelease.select(ResultRelease.data).where(
        (ResultRelease.wave == wave_id) & (ResultRelease.part == part)).first()
    return None if row is None else row["data"]  # type: ignore[no-any-return]


async def load(wave_id: UUID) -> CompanyRelease | None:
    """The wave's released company-level cells, or None while it is not released."""
    raw = await _part(wave_id, COMPANIES)
    return None if raw is None else decode_companies(raw)


async def groups(wave_id: UUID, company: UUID) -> GroupRelease:
    """The released reporting groups of a company (none when it has no part)."""
    raw = await _part(wave_id, str(company))
    return GroupRelease() if raw is None else decode_groups(raw)


async def all_groups(wave_id: UUID) -> dict[UUID, GroupRelease]:
    """Every company's released reporting groups in a wave."""
    rows = await ResultRelease.select(ResultRelease.part, ResultRelease.data).where(
        (ResultRelease.wave == wave_id) & (ResultRelease.part != COMPANIES)
        & ResultRelease.part.not_like("view:%") & ResultRelease.part.not_like(TOWN + "%"))
    return {UUID(row["part"]): decode_groups(row["data"]) for row in rows}


async def released_order(companies: list[UUID]) -> list[UUID]:
    """Released waves sharing one of `companies`, in the order they were released."""
    if not companies:
        return []
    from surveys.tables import WaveCompany

    shared = WaveCompany.select(WaveCompany.wave).where(WaveCompany.company.is_in(companies))
    rows = await ResultRelease.select(ResultRelease.wave).where(
        ResultRelease.wave.is_in(shared) & (ResultRelease.part == COMPANIES)).order_by(
        ResultRelease.id)
    return [row["wave"] for row in rows]


# Freezing ------------------------------------------------------------------------------


async def _lock(wave_id: UUID) -> None:
    # One freeze at a time per program: a wave's release reads the ones released before
    # it. SQLite's IMMEDIATE transactions already queue.
    if not is_sqlite():
        key = int.from_bytes(hashlib.sha256(b"results:release").digest()[:8], "big",
                             signed=True)
        await ResultRelease.raw("SELECT pg_advisory_xact_lock({})", key)


class _Writer:
    """Writes a release's rows in batches, in the freeze's transaction, while the freeze
    goes on deciding: a batch is sent once the one before it is written, and the freeze
    yields to the event loop between companies so that the bytes go out. The database
    compresses and stores tens of megabytes while Python decides the next companies."""

    def __init__(self) -> None:
        self.pending: asyncio.Future[None] | None = None

    def write(self, rows: list[ResultRelease]) -> None:
        previous = self.pending

        async def written() -> None:
            if previous is not None:
                await previous
            await ResultRelease.insert(*rows)

        self.pending = asyncio.ensure_future(written())  # in this transaction's context

    async def done(self) -> None:
        """Every batch written (or the first fault raised)."""
        if self.pending is not None:
            await self.pending

    async def settle(self) -> None:
        """No batch still running on the transaction's connection (after a fault)."""
        if self.pending is not None:
            await asyncio.gather(self.pending, return_exceptions=True)


BATCH = 100  # companies' parts per INSERT


async def freeze(ctx: WaveContext, thresholds: Thresholds) -> bool:
    """Release a closed wave: decide every cell once and store it. The ballot box must
    have been flushed (`surveys.ballot.flush_wave` on the closed wave). Returns False
    when another process released it first."""
    # Millions of small objects (see `tally.paused_gc`): the collector comes back once
    # `_freeze` has returned and they are gone, rather than walking them all on its way.
    with tally.paused_gc():
        return await _freeze(ctx, thresholds)


async def _freeze(ctx: WaveContext, thresholds: Thresholds) -> bool:
    async with transaction():
        await _lock(ctx.id)
        if await _part(ctx.id, COMPANIES) is not None:
            return False
        companies = sorted(ctx.towns, key=str)
        roster = [d.key for d in ctx.dimensions if d.roster]
        # Counted by the database while the tallies are opened.
        reading = begun(lambda: queries.invitations(ctx.id, None, roster))
        earlier = [(await load(w), w) for w in await released_order(companies)]
        tallied = await tally.load(ctx)
        folded = tallied[0] if tallied is not None else await count(ctx)
        invited = await reading
        release = await company_release(
            ctx, companies, thresholds, folded,
            [{c: n[0] for c, n in r.sizes.items()} for r, _w in earlier if r], invited)
        await release_comments(ctx, release, None if tallied is None else tallied[1])
        before = [await all_groups(w) for _r, w in earlier]
        writer = _Writer()
        try:
            await _write(ctx, release, companies, folded, invited, before, writer)
        finally:
            await writer.settle()
        await cache.clear(ctx.id)
        await tally.clear(ctx.id)
        await ResultState.delete().where(ResultState.wave == ctx.id)
        await Wave.update({Wave.closed_at: now()}).where(
            (Wave.id == ctx.id) & Wave.closed_at.is_null())
    return True


async def _write(ctx: WaveContext, release: CompanyRelease, companies: list[UUID],
                 folded: cache.Folded, invited: queries.Invited,
                 before: list[dict[UUID, GroupRelease]], writer: _Writer) -> None:
    """Decide and write the release's parts: the company-level cells, each town's slice,
    the program's view and comment pages, then each company's groups (`_Writer`)."""
    add_places(release)
    rows = [ResultRelease(wave=ctx.id, part=COMPANIES, data=encode_companies(release).decode())]
    towns: dict[str, list[UUID]] = {}
    for company in companies:
        towns.setdefault(ctx.towns[company], []).append(company)
    rows += [ResultRelease(wave=ctx.id, part=town_part(town), data=encode_companies(
        town_slice(release, town, members)).decode()) for town, members in towns.items()]
    view = program_view(ctx, release)
    pages = comment_pages(view.comments)
    view.comments, view.comment_pages = [], len(pages)
    rows.append(ResultRelease(wave=ctx.id, part=PROGRAM_VIEW,
                              data=msgspec.json.encode(view).decode()))
    rows += [ResultRelease(wave=ctx.id, part=f"{COMMENTS}{number}",
                           data=msgspec.json.encode(page).decode())
             for number, page in enumerate(pages)]
    writer.write(rows)
    kept = _shown_or_pooled(release)
    split = ctx.split_by()
    rows = []
    for company in companies:
        history = [{k: n[0] for k, n in wave.get(company, GroupRelease()).sizes.items()}
                   for wave in before]
        found = await group_release(ctx, release, company, folded, history, invited.groups,
                                    split)
        rows.append(ResultRelease(wave=ctx.id, part=str(company), data=encode_groups(
            found, _own(release, company, kept)).decode()))
        if len(rows) == BATCH:
            writer.write(rows)
            rows = []
        await asyncio.sleep(0)  # the batches' bytes go out
    if rows:
        writer.write(rows)
    await writer.done()


async def release_comments(ctx: WaveContext, release: CompanyRelease,
                           sampled: Mapping[UUID, list[tuple[str, str]]] | None = None
                           ) -> None:
    """Choose the comments of the wave once: each shown company of at least the text
    threshold keeps its own (up to `MAX_COMMENTS`: its tally's sample, `sampled`, else a
    random draw from the answers); the other companies' comments go
    into one pool, kept only when it holds at least the text threshold of comments from
    two companies or more. The wave-wide list is the shown lists plus the pool, so it
    differs from any company's list by other shown lists or by 10 comments or more,
    never by a small company's handful."""
    keys = [q.key for q in questions(ctx.definition) if q.type == "text"]
    if not keys:
        return
    rest: dict[UUID, list[tuple[str, str]]] = {}
    every = sampled if sampled is not None else await queries.texts(ctx.id, keys,
                                                                   MAX_COMMENTS)
    for company in sorted(release.sizes, key=str):
        found = every.get(company, [])
        if company not in release.hidden and (
                release.sizes[company][0] >= release.thresholds.text):
            release.comments[company] = found
        elif found:
            rest[company] = found
    if len(rest) >= 2 and sum(map(len, rest.values())) >= release.thresholds.text:
        release.pool = [text for found in rest.values() for text in found]
