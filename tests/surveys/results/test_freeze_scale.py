"""Freezing a wave counts every company at once, and a company's page reads its own
town's slice of the release: neither grows with the number of companies (issue 11,
Speed). The figures themselves are checked by the other results tests."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import pytest

from app.db import engine
from surveys.results import frozen, service
from surveys.tables import WaveCompany
from tests.surveys.results import test_results as made_by


async def _reads_of_answers(monkeypatch: pytest.MonkeyPatch,
                            work: Callable[[], Awaitable[Any]]) -> int:
    """How many statements `work` sends that read the answers."""
    seen: list[str] = []
    kind = type(engine())
    original = kind.run_querystring

    async def counted(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(kind, "run_querystring", counted)
    try:
        await work()
    finally:
        monkeypatch.setattr(kind, "run_querystring", original)
    return sum(" answers " in sql for sql in seen)


async def _closed_wave(companies: int, program: Any = None) -> tuple[Any, UUID, list[UUID]]:
    program = program or await made_by.make_program()
    made = [await made_by.make_company(program, f"Azienda {i}", town=f"Comune {i % 3}")
            for i in range(companies)]
    wave = await made_by.make_wave(program, made)
    for number, company in enumerate(made):
        await made_by.answered(wave, company, 6 + number, children="yes", stress=3)
        await made_by.answered(wave, company, 6, department="Logistica", children="no", stress=4)
    return program, wave, made


async def test_freezing_counts_every_company_in_the_same_few_statements(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: each company's reporting groups were counted by a statement of their own."""
    reads = []
    program = await made_by.make_program()
    for companies in (3, 9):
        _program, wave, _made = await _closed_wave(companies, program)
        reads.append(await _reads_of_answers(monkeypatch,
                                             lambda w=wave: service.release_wave(w)))
    assert reads[0] == reads[1]
    assert reads[0] <= 4  # the wave as a whole and in its groups, one per cross-tabulation


async def test_a_company_page_reads_only_its_towns_slice_and_shows_the_same_figures(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the page decoded every company of the wave to show one of them."""
    program, wave, made = await _closed_wave(9)
    await service.release_wave(wave)
    mine = made[0]
    staff = await made_by.caller(program.staff)
    whole = await frozen.load(wave)
    assert whole is not None
    decoded: list[set[UUID]] = []
    original = frozen.decode_companies

    def recorded(raw: bytes | str) -> Any:
        found = original(raw)
        decoded.append(set(found.sizes))
        return found

    monkeypatch.setattr(frozen, "decode_companies", recorded)
    results = await service.company_results(await made_by.caller(program.hr[mine]), mine, wave)
    monkeypatch.setattr(frozen, "decode_companies", original)

    town = {made[i] for i in range(0, 9, 3)}
    assert decoded == [town]
    program_view = await service.program_results(staff, wave)
    for key in ("stress", "has_children_u14"):
        shown = made_by.by_group(made_by.question(results, key))
        assert shown["Azienda 0"] == made_by.by_group(made_by.question(
            await service.company_results(staff, mine, wave), key))["Azienda 0"]
        town_figure = shown["Comune 0"]
        towns = made_by.by_group(made_by.question(program_view, key))
        assert town_figure == next(f for f in towns.values() if f.group.label == "Comune 0")


def _plain(folded: Any) -> dict[str, Any]:
    """A `cache.Folded` as plain mappings, to compare two of them."""
    return {"respondents": dict(folded.respondents),
            "counts": {c: {q: dict(v) for q, v in by_q.items()}
                       for c, by_q in folded.counts.items()},
            "multiple": {c: dict(v) for c, v in folded.multiple.items()},
            "values": {c: dict(v) for c, v in folded.values.items()}}


@pytest.mark.skipif(os.environ.get("LEGAMI_TEST_DB", "sqlite") != "postgres",
                    reason="the cells are folded in PostgreSQL")
async def test_counts_folded_into_cells_on_the_server_are_the_counts_row_by_row() -> None:
    """The freeze reads one row per company and group, not one per count: the same
    counts, to the last option, grid row, multiple choice and number range."""
    from app.db import transaction
    from surveys.results import cache
    from surveys.results.release import count

    program = await made_by.make_program()
    made = [await made_by.make_company(program, f"Azienda {i}", town=f"Comune {i % 2}")
            for i in range(3)]
    wave = await made_by.make_wave(program, made, groups=("department", "site"))
    for number, company in enumerate(made):
        await made_by.answered(wave, company, 3 + number, children="yes", stress=number + 1,
                               childcare_needs=["nursery", "after_school"], commute=7 * number,
                               balance={"children": "often", "housework": "never"})
        await made_by.add_responses(wave, company, 2, department="Logistica", site="Nord",
                                    childcare_needs=["nothing"], stress=5, ideas="Più nidi")
        await made_by.answered(wave, company, 1, department="", children="no", commute=99)
    ctx = await service._context(wave)
    async with transaction():
        by_cell = await count(ctx)  # the freeze's own call
        by_row = await cache.count(ctx.id, ctx.dimensions, ctx.counted, [
            (d, asked) for d, asked in ctx.split_by() if d.from_answers], by_cell=False)
    assert _plain(by_cell) == _plain(by_row)
    assert _plain(by_cell)["respondents"][(made[2], "", "")] == 8


async def test_the_program_page_reads_its_view_not_every_company_and_shows_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the program's page decoded every company's counts of the wave (2 s at
    1,000 companies) to show the program, the towns and one heat-map row per company."""
    from app.i18n import use_language

    program, wave, made = await _closed_wave(9)
    for number, company in enumerate(made[:3]):  # small companies: hidden, pooled
        small = await made_by.make_company(program, f"Piccola {number}", town="Comune 0")
        await WaveCompany(wave=wave, company=small).save()
        await made_by.answered(wave, small, 2 + number, children="yes", stress=2,
                               childcare_needs=["nursery"], ideas="Un nido aziendale")
        await made_by.answered(wave, company, 11, children="yes", stress=5,
                               childcare_needs=["nursery", "after_school"],
                               ideas="Orari flessibili")
    staff = await made_by.caller(program.staff)
    await service.release_wave(wave)
    decoded: list[int] = []
    original = frozen.decode_companies

    def recorded(raw: bytes | str) -> Any:
        decoded.append(1)
        return original(raw)

    monkeypatch.setattr(frozen, "decode_companies", recorded)
    for language in ("it", "en"):
        with use_language(language):
            viewed = await service.program_results(staff, wave)
        assert not decoded
        monkeypatch.setattr(frozen, "load_program_view", _none)
        with use_language(language):
            whole = await service.program_results(staff, wave)
        monkeypatch.undo()
        monkeypatch.setattr(frozen, "decode_companies", recorded)
        decoded.clear()
        assert whole.questions and whole.heat_companies.rows and whole.comments.items
        assert {c.text for c in viewed.comments.items} == {c.text for c in whole.comments.items}
        viewed.comments = whole.comments  # drawn in a fresh random order at each reading
        assert viewed == whole
        hidden = [row for row in viewed.heat_companies.rows if row.cells[0].hidden]
        assert hidden and any(r.cells[0].share for r in viewed.heat_companies.rows)


async def _none(wave_id: UUID) -> None:
    return None


def test_the_wave_wide_comments_are_kept_in_shuffled_pages_of_a_page_s_size() -> None:
    """Before: the program's page decoded the whole list (hundreds of thousands of
    comments at a million responses) to show 300 of them. Each page is 300 different
    comments, the pages hold every comment, and a short list is one page."""
    comments = [("ideas", f"Idea {number}") for number in range(650)]
    pages = frozen.comment_pages(comments)
    assert [len(page) for page in pages] == [frozen.MAX_COMMENTS] * 3
    assert all(len(set(page)) == frozen.MAX_COMMENTS for page in pages)
    assert set().union(*map(set, pages)) == set(comments)
    assert pages[0] != comments[:frozen.MAX_COMMENTS]  # shuffled, not in company order
    assert [sorted(page) for page in frozen.comment_pages(comments[:40])] == [
        sorted(comments[:40])]
    assert frozen.comment_pages([]) == []


async def test_the_program_page_reads_one_page_of_the_wave_wide_comments() -> None:
    program, wave, made = await _closed_wave(3)
    # Texts without digits: the scrubber takes a company id's run of digits for a phone.
    for letter, company in zip("ABC", made, strict=True):
        await made_by.answered(wave, company, 11, children="yes", stress=5,
                               ideas=f"Orari flessibili in azienda {letter}")
    await service.release_wave(wave)
    view = await frozen.load_program_view(wave)
    assert view is not None and view.comments == [] and view.comment_pages == 1
    shown = await service.program_results(await made_by.caller(program.staff), wave)
    assert {c.text for c in shown.comments.items} == {
        f"Orari flessibili in azienda {letter}" for letter in "ABC"}


@pytest.mark.skipif(os.environ.get("LEGAMI_TEST_DB", "sqlite") != "postgres",
                    reason="column compression is PostgreSQL's")
async def test_released_rows_compress_with_lz4_where_the_server_has_it() -> None:
    """A release is written in one statement of tens of megabytes: lz4 compresses it
    several times faster than PostgreSQL's default."""
    rows = await frozen.ResultRelease.raw(
        "SELECT a.attcompression::text AS method, EXISTS (SELECT 1 FROM pg_settings WHERE name = "
        "'default_toast_compression' AND 'lz4' = ANY(enumvals)) AS available "
        "FROM pg_attribute a WHERE a.attrelid = 'result_releases'::regclass "
        "AND a.attname = 'data'")
    assert rows[0]["method"] == ("l" if rows[0]["available"] else "")
