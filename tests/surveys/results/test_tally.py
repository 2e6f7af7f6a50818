"""A wave's counts are added up, sealed, as its ballot box empties, so its close does not
read the answers again (issue 11, Speed): the tallies give exactly the counts the answers
give, hold nothing readable, go with the release, and are set aside whenever they do not
add up every stored response."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from app.db import transaction
from surveys.ballot.service import BALLOT_PURPOSE, flush_wave
from surveys.results import cache, frozen, service, tally
from surveys.results.release import count
from surveys.results.tables import ResultTally
from surveys.sealing import seal
from surveys.tables import Ballot, Wave
from tests.surveys.results import test_results as made_by
from tests.surveys.results.test_freeze_scale import _plain, _reads_of_answers


async def _sealed(wave: UUID, company: UUID, count_: int, department: str = "Produzione",
                  children: str = "no", site: str = "", **answers: Any) -> None:
    """`count_` submitted responses waiting in the ballot box, invitations answered."""
    await made_by.add_invitations(wave, company, count_, count_, department)
    for _ in range(count_):
        rows = [{"question": "has_children_u14", "option_key": children}]
        for key, value in answers.items():
            for row in made_by._rows(made_by.uuid4(), key, value):
                rows.append({k: v for k, v in row.to_dict().items()
                             if k in ("question", "row_key", "option_key", "number", "text")
                             and v not in (None, "")})
        group_values = {"department": department, "has_children_u14": children,
                        **({"site": site} if site else {})}
        await Ballot(wave=wave, box=seal({
            "company": str(company), "submitted_on": str(date(2026, 3, 2)),
            "group_values": group_values, "answers": rows}, BALLOT_PURPOSE)).save()


async def _wave_through_the_ballot_box() -> tuple[made_by.Program, UUID, list[UUID]]:
    """Three companies whose responses arrive in two flushes (the second adds to the
    tallies the first wrote), with every kind of question, empty and missing values."""
    program = await made_by.make_program()
    made = [await made_by.make_company(program, f"Azienda {i}", town=f"Comune {i % 2}")
            for i in range(3)]
    wave = await made_by.make_wave(program, made, groups=("department", "site"))
    for number, company in enumerate(made):
        await _sealed(wave, company, 3 + number, children="yes", stress=number + 1,
                      childcare_needs=["nursery", "after_school"], commute=7 * number,
                      balance={"children": "often", "housework": "never"},
                      ideas=f"Più nidi {number}")
    assert await flush_wave(wave) == 12
    for company in made:
        await _sealed(wave, company, 2, department="Logistica", site="Nord",
                      childcare_needs=["nothing"], stress=5, ideas="Orari flessibili")
        await _sealed(wave, company, 1, department="", children="no", commute=99)
        await _sealed(wave, company, 6, department="Amministrazione", children="yes",
                      stress=2, commute=40, childcare_needs=["nursery"])
    assert await flush_wave(wave) == 27
    return program, wave, made


async def test_the_tallies_give_exactly_the_counts_of_the_answers() -> None:
    """Every cell, question, grid row, option, number range, multiple choice and
    cross-tabulation, and every comment (fewer than the sample's size), as counting the
    stored answers gives them."""
    _program, wave, made = await _wave_through_the_ballot_box()
    ctx = await service._context(wave)
    async with transaction():
        tallied = await tally.load(ctx)
        counted = await count(ctx)
        by_row = await cache.count(ctx.id, ctx.dimensions, ctx.counted, [
            (d, asked) for d, asked in ctx.split_by() if d.from_answers], by_cell=False)
    assert tallied is not None
    folded, comments = tallied
    assert _plain(folded) == _plain(counted) == _plain(by_row)
    assert _plain(folded)["respondents"][(made[2], "", "")] == 5 + 9
    assert sorted(comments[made[1]]) == sorted(
        [("ideas", "Più nidi 1")] * 4 + [("ideas", "Orari flessibili")] * 2)


async def test_a_wave_through_the_ballot_box_is_released_without_reading_its_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the freeze counted the answers again (minutes at a million responses)."""
    program, wave, made = await _wave_through_the_ballot_box()
    assert await _reads_of_answers(monkeypatch, lambda: service.release_wave(wave)) == 0
    results = await service.company_results(await made_by.caller(program.staff), made[2], wave)
    figure = made_by.by_group(made_by.question(results, "stress"))["Azienda 2"]
    assert figure.n == 2 + 6 + 5  # the first flush, then Logistica and Amministrazione
    assert await ResultTally.count().where(ResultTally.wave == wave) == 0  # gone with it


async def test_a_tally_holds_nothing_readable() -> None:
    """Whoever holds the database sees which companies have stored responses, never a
    question, an option, a group or a comment in a tally."""
    _program, wave, made = await _wave_through_the_ballot_box()
    rows = await ResultTally.select().where(ResultTally.wave == wave)
    assert {row["company"] for row in rows} == set(made)
    for row in rows:
        for plain in ("stress", "nursery", "Logistica", "Nord", "Più nidi", "Orari", "ideas"):
            assert plain not in row["box"]
    # bound to its wave and company: a box copied onto another company opens nothing
    assert tally._open(rows[0]["box"], wave, made[1] if rows[0]["company"] == made[0]
                       else made[0]) is None


async def test_a_response_stored_outside_the_ballot_box_sets_the_tallies_aside() -> None:
    """The tallies no longer add up every stored response: the freeze counts the answers,
    and the figures include that response."""
    program, wave, made = await _wave_through_the_ballot_box()
    await made_by.add_responses(wave, made[2], 1, department="Amministrazione", stress=4)
    ctx = await service._context(wave)
    assert await tally.load(ctx) is None
    await service.release_wave(wave)
    results = await service.company_results(await made_by.caller(program.staff), made[2], wave)
    assert made_by.by_group(made_by.question(results, "stress"))["Azienda 2"].n == 14


async def test_tallies_made_for_other_reporting_groups_are_set_aside() -> None:
    """Reporting groups changed after the first responses were added up: the tallies
    count by the old ones, so the freeze counts the answers by the new ones."""
    program, wave, made = await _wave_through_the_ballot_box()
    await Wave.update({Wave.reporting_groups: [{"key": "department", "source": "roster"}]}
                      ).where(Wave.id == wave)
    ctx = await service._context(wave)
    assert await tally.load(ctx) is None
    await service.release_wave(wave)
    found = await frozen.groups(wave, made[2])
    dimensions = {key[0] for key in found.sizes}
    assert "department" in dimensions and "site" not in dimensions


async def test_a_tally_no_key_opens_is_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    """BALLOT_KEY rotated without the key that sealed the tallies: nothing is lost, the
    freeze counts the answers."""
    program, wave, made = await _wave_through_the_ballot_box()
    ctx = await service._context(wave)
    monkeypatch.setattr(tally, "unseal_bytes", lambda *args: None)
    assert await tally.load(ctx) is None
    await service.release_wave(wave)
    results = await service.company_results(await made_by.caller(program.staff), made[2], wave)
    assert made_by.by_group(made_by.question(results, "stress"))["Azienda 2"].n == 13


async def test_a_fault_while_adding_up_holds_nothing_up(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    """The ballot box still empties, the wave's tallies are set aside, and the close
    counts the answers. The log says of which kind and where the fault was, never its
    message (it could quote an answer)."""
    program, wave, made = await _wave_through_the_ballot_box()

    def broken(*args: Any) -> None:
        raise ValueError("Amministrazione stress=1")

    monkeypatch.setattr(tally._Working, "add", broken)
    await _sealed(wave, made[2], 5, department="Amministrazione", stress=1)
    assert await flush_wave(wave) == 5
    assert await ResultTally.count().where(ResultTally.wave == wave) == 0
    assert "ValueError at test_tally.py:" in caplog.text
    assert "Amministrazione" not in caplog.text and "stress" not in caplog.text
    await service.release_wave(wave)
    results = await service.company_results(await made_by.caller(program.staff), made[2], wave)
    assert made_by.by_group(made_by.question(results, "stress"))["Azienda 2"].n == 13 + 5


async def test_a_freeze_that_fails_while_writing_leaves_nothing_half_written(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The release is written in batches while the freeze goes on deciding: a fault after
    some batches have gone out rolls all of them back, no batch is left running on the
    connection, and the wave's tallies stay for the next close, which releases the wave
    from them (without reading its answers)."""
    program, wave, made = await _wave_through_the_ballot_box()
    monkeypatch.setattr(frozen, "BATCH", 1)
    encode, calls = frozen.encode_groups, []

    def failing(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        if len(calls) == 3:  # the first two companies' parts already sent
            raise ValueError("a fault")
        return encode(*args, **kwargs)

    monkeypatch.setattr(frozen, "encode_groups", failing)
    with pytest.raises(ValueError, match="a fault"):
        await service.release_wave(wave)
    assert await frozen.ResultRelease.count().where(frozen.ResultRelease.wave == wave) == 0
    assert await ResultTally.count().where(ResultTally.wave == wave) == 3
    monkeypatch.setattr(frozen, "encode_groups", encode)
    assert await _reads_of_answers(monkeypatch, lambda: service.release_wave(wave)) == 0
    results = await service.company_results(await made_by.caller(program.staff), made[2], wave)
    assert made_by.by_group(made_by.question(results, "stress"))["Azienda 2"].n == 13
