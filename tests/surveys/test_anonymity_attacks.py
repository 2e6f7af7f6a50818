"""The employer as attacker: each class of attack of issue 11 (results and timing),
played through the same service, API and pages an HR manager and program staff use.

Responses go in through the real answering path (`answering.submit`, the ballot box and
its flush job); waves close through `surveys.waves.close_wave`. Each test fails on the
code before the change named in its docstring.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.crypto import token_hash
from app.errors import InvalidInput
from surveys.answering import service as answering
from surveys.answering.service import resolve_link
from surveys.ballot import service as ballot
from surveys.results import frozen, service
from surveys.results.model import ThresholdsUpdate
from surveys.results.tables import ResultCount, ResultRelease
from surveys.tables import Ballot, Response
from surveys.waves import service as waves
from tests.factories import sign_in
from tests.surveys.answering.test_answering import invite
from tests.surveys.results.test_results import (
    Program,
    by_group,
    caller,
    make_company,
    make_program,
    make_wave,
    question,
)

_people = iter(range(10_000))


async def answer(program: Program, wave: UUID, company: UUID, count: int, stress: int = 3,
                 department: str = "Produzione") -> None:
    """`count` employees invited and answering through the answer path."""
    for _ in range(count):
        number = next(_people)
        person = await invite({"wave": wave, "company": company}, name=f"Persona {number}",
                              email=f"p{number}@x.example", ref=f"R-{number:04}",
                              department=department)
        invitee = await resolve_link(person["secret"])
        assert invitee is not None
        outcome = await answering.submit(invitee, {"has_children_u14": "no",
                                                   "stress": str(stress)}, "it")
        assert outcome != "closed"


async def open_wave(program: Program, companies: list[UUID], days_ago: int = 1) -> UUID:
    return await make_wave(program, companies, status="open",
                           opens_on=date.today() - timedelta(days=days_ago))


def stress_of(results: Any, label: str) -> Any:
    return by_group(question(results, "stress"))[label]


async def views_of_hr(client: Any, program: Program, company: UUID, wave: UUID
                      ) -> list[Any]:
    """What the HR manager reads of the company's stress figure: service, API, page."""
    hr = await caller(program.hr[company])
    figure = stress_of(await service.company_results(hr, company, wave), "Officine Rossi")
    await sign_in(client, program.hr[company])
    api = (await client.get(f"/api/v1/results/companies/{company}/waves/{wave}")).json()
    stress = next(q for q in api["questions"] if q["question"]["key"] == "stress")
    page = (await client.get(f"/portal/{company}/results/{wave}/sections/1")).text
    return [figure.n, stress["figures"][0].get("n"), figure.note in page]


# 1. Figures that move while a wave is open ---------------------------------------------


async def test_no_figure_moves_while_the_wave_is_open(client: Any) -> None:
    """Before: the company figure went 5 → 6 as the sixth person's batch arrived."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await open_wave(program, [a])
    await answer(program, wave, a, 5, stress=2)
    await ballot.flush_wave(wave)
    first = await views_of_hr(client, program, a, wave)
    await answer(program, wave, a, 5, stress=5)
    await ballot.flush_wave(wave)
    second = await views_of_hr(client, program, a, wave)
    assert first == second == [None, None, True]
    staff = await caller(program.staff)
    program_view = await service.program_results(staff, wave)
    assert stress_of(program_view, "Tutte le aziende").n is None
    assert await ResultCount.count() == 0  # nothing folded while open


async def test_closing_empties_the_ballot_box_before_the_figures_are_frozen() -> None:
    """Before: closing moved the one waiting response after the figure was shown, and
    the company figure changed by one person."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await open_wave(program, [a])
    await answer(program, wave, a, 10)
    await ballot.flush_wave(wave)
    await answer(program, wave, a, 1, stress=5)  # waits in the ballot box
    assert await Ballot.count() == 1
    staff = await caller(program.staff)
    await waves.close_wave(staff, wave)
    hr = await caller(program.hr[a])
    figure = stress_of(await service.company_results(hr, a, wave), "Officine Rossi")
    assert figure.n == 11 and await Ballot.count() == 0
    rates = await service.wave_rates(hr, wave)
    assert rates[0].invited == 11


async def test_a_released_figure_never_changes_nor_disappears() -> None:
    """Before: raising the threshold hid a figure already shown, and responses stored
    after the close moved it."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await open_wave(program, [a])
    await answer(program, wave, a, 12)
    staff = await caller(program.staff)
    await waves.close_wave(staff, wave)
    hr = await caller(program.hr[a])
    before = await service.company_results(hr, a, wave)
    await service.set_thresholds(staff, ThresholdsUpdate(group=20, text=20))
    await Response.delete().where(Response.wave == wave)  # even with rows gone
    after = await service.company_results(hr, a, wave)
    assert stress_of(after, "Officine Rossi") == stress_of(before, "Officine Rossi")
    assert stress_of(after, "Officine Rossi").n == 12


async def test_the_results_cache_never_keeps_a_block_of_counts() -> None:
    """Before: the cache kept a fold of counts for a single respondent (the last one)."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await open_wave(program, [a])
    await answer(program, wave, a, 6)
    await ballot.flush_wave(wave)
    hr = await caller(program.hr[a])
    await service.company_results(hr, a, wave)
    await answer(program, wave, a, 1)
    await waves.close_wave(await caller(program.staff), wave)
    await service.company_results(hr, a, wave)
    assert await ResultCount.count() == 0
    # Written once: the company-level cells and the company's part (its town's slice,
    # `frozen.TOWN`, and the program's view repeat what the first holds).
    assert await ResultRelease.count().where(
        (ResultRelease.wave == wave) & ResultRelease.part.not_like(frozen.TOWN + "%")
        & (ResultRelease.part != frozen.PROGRAM_VIEW)) == 2


# 2. Watching participation move --------------------------------------------------------


async def test_participation_moves_in_steps_of_five_and_invited_always_shows(client: Any
                                                                             ) -> None:
    """Before: answered moved one by one (HR learnt who had just answered), and a
    department of 30 invited read "Persone invitate: meno di 5" while few had answered."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await open_wave(program, [a])
    for number in range(30):
        await invite({"wave": wave, "company": a}, name=f"Invitato {number}",
                      email=f"i{number}@x.example", ref=f"I-{number:03}",
                      department="Produzione" if number < 24 else "Logistica")
    hr = await caller(program.hr[a])
    staff = await caller(program.staff)
    await sign_in(client, program.hr[a])
    seen: list[int | None] = []
    people = [row async for row in _uninvited_answers(wave, a)]
    for invitee in people:
        await answering.submit(invitee, {"has_children_u14": "no", "stress": "3"}, "it")
        rates = await service.wave_rates(hr, wave)
        company, groups = rates[0], rates[1:]
        assert company.invited == 30
        assert [g.invited for g in groups] == [6, 24]
        assert all(g.answered is None for g in groups)  # groups never while open
        seen.append(company.answered)
        program_rate = (await service.wave_rates(staff, wave))[0]
        assert program_rate.answered == company.answered
        page = (await client.get(f"/waves/{wave}")).text
        assert "meno di 5" not in page and ">30<" in page
    assert all(n is None or (n % 5 == 0 and n <= 25) for n in seen)
    steps = [b - a for a, b in zip([0, *[n or 0 for n in seen]], [n or 0 for n in seen],
                                   strict=False) if b != a]
    assert steps and all(step >= 5 for step in steps)
    assert seen[-1] == 25  # all 30 answered: still "at least 25", never "30 of 30"


async def _uninvited_answers(wave: UUID, company: UUID) -> Any:
    """The invitees of the wave, each resolved through a fresh link."""
    from surveys.distribution.tokens import new_link_token
    from surveys.tables import Invitation

    rows = await Invitation.select(Invitation.id).where(Invitation.wave == wave).order_by(
        Invitation.id)
    for row in rows:
        secret = new_link_token()
        await Invitation.update({Invitation.token_hash: token_hash(secret)}).where(
            Invitation.id == row["id"])
        invitee = await resolve_link(secret)
        assert invitee is not None
        yield invitee


# 3. Wave moments -------------------------------------------------------------------------


async def test_wave_moments_are_the_servers_and_a_wave_closed_early_says_when(client: Any
                                                                              ) -> None:
    """Before: a wave could be created with an opening date in the past, and the
    employees' page of a wave closed on day 6 said it stayed open until day 20."""
    from datetime import datetime

    from babel.dates import format_date

    from surveys.tables import Wave
    from surveys.waves.service import WaveCreate, create_wave

    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    staff = await caller(program.staff)
    wave = await open_wave(program, [a])
    await Wave.update({Wave.closes_on: date.today() + timedelta(days=14)}).where(
        Wave.id == wave)
    person = await invite({"wave": wave, "company": a}, ref="M-1")
    await waves.close_wave(staff, wave)
    row = await Wave.select(Wave.opened_at, Wave.closed_at).where(Wave.id == wave).first()
    assert isinstance(row["closed_at"], datetime)
    page = await client.get(f"/r/{person['secret']}")
    assert format_date(date.today(), format="long", locale="it") in page.text
    planned = format_date(date.today() + timedelta(days=14), format="long", locale="it")
    assert planned not in page.text
    shown = await waves.get_wave(staff, wave)
    assert shown.closes_on == date.today() and shown.closed_at is not None

    with pytest.raises(InvalidInput) as refused:
        await create_wave(staff, WaveCreate(
            version_id=program.version, title="Retrodatata", company_ids=[a],
            opens_on=date.today() - timedelta(days=30),
            closes_on=date.today() + timedelta(days=5), channels=["code"]))
    assert "opens_on" in refused.value.errors


# 4. Comments by subtraction ------------------------------------------------------------


async def test_no_two_comment_lists_differ_by_one_to_nine_comments() -> None:
    """Before: staff saw 14 comments on the wave and 12 on one company's page: the 2
    others were the comments of a company with 2 respondents."""
    from tests.surveys.results.test_results import answered

    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    b = await make_company(program, "Latteria Demo")
    wave = await make_wave(program, [a, b])
    await answered(wave, a, 12, ideas="Serve un nido")
    await answered(wave, b, 2, ideas="Solo noi due")
    staff = await caller(program.staff)
    everyone = (await service.program_results(staff, wave)).comments
    company = (await service.company_results(staff, a, wave)).comments
    assert len(everyone.items) == len(company.items) == 12
    assert all(c.text != "Solo noi due" for c in everyone.items)

    # Two small companies together hold 11 comments: pooled into the wave's list.
    c = await make_company(program, "Molino Sud")
    d = await make_company(program, "Salumificio Po")
    pooled = await make_wave(program, [a, c, d], opens_on=date(2026, 9, 1))
    await answered(pooled, a, 12, ideas="Serve un nido")
    await answered(pooled, c, 6, ideas="Mensa")
    await answered(pooled, d, 5, ideas="Orari")
    lists = [len((await service.program_results(staff, pooled)).comments.items),
             *[len((await service.company_results(staff, x, pooled)).comments.items)
               for x in (a, c, d)]]
    assert lists == [23, 12, 0, 0]
    assert all(abs(x - y) == 0 or abs(x - y) >= 10 for x in lists for y in lists if x and y)


# 5. The town minus one's own company -------------------------------------------------------


async def test_hr_sees_its_town_only_when_it_mixes_two_other_companies_none_dominant(
        client: Any) -> None:
    """Before: in a town of two partner companies, one company's HR manager subtracted
    their own figures from the town's and read the other company's."""
    from tests.surveys.results.test_results import answered

    program = await make_program()
    a = await make_company(program, "Officine Rossi", "Crema")
    b = await make_company(program, "Latteria Demo", "Crema")
    c = await make_company(program, "Molino Sud", "Crema")
    two = await make_wave(program, [a, b], opens_on=date(2026, 1, 1))
    await answered(two, a, 20, stress=2)
    await answered(two, b, 30, stress=4)
    dominant = await make_wave(program, [a, b, c], opens_on=date(2026, 4, 1))
    await answered(dominant, a, 20, stress=2)
    await answered(dominant, b, 40, stress=4)
    await answered(dominant, c, 6, stress=1)
    mixed = await make_wave(program, [a, b, c], opens_on=date(2026, 8, 1))
    await answered(mixed, a, 20, stress=2)
    await answered(mixed, b, 30, stress=4)
    await answered(mixed, c, 20, stress=1)
    hr = await caller(program.hr[a])
    await sign_in(client, program.hr[a])
    for wave, shown in ((two, False), (dominant, False), (mixed, True)):
        results = await service.company_results(hr, a, wave)
        assert (results.territory is not None) == shown
        labels = [f.group.label for f in question(results, "stress").figures]
        assert ("Crema" in labels) == shown
        api = (await client.get(f"/api/v1/results/companies/{a}/waves/{wave}")).json()
        assert (api["territory"] is not None) == shown
    staff = await caller(program.staff)  # the program's own view keeps its rule
    town = stress_of(await service.program_results(staff, two), "Crema")
    assert town.n == 50


# 6. A small group that answered as one ------------------------------------------------------


async def test_a_small_group_all_giving_one_answer_is_not_shown_nor_worked_out() -> None:
    """Before: a department of 5 who all chose the same answer told HR each one's answer."""
    from tests.surveys.results.test_results import answered

    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await make_wave(program, [a])
    await answered(wave, a, 5, "Produzione", stress=5)
    for stress in (1, 2, 3, 4):
        await answered(wave, a, 3, "Logistica", stress=stress)
    results = await service.company_results(await caller(program.hr[a]), a, wave)
    figures = by_group(question(results, "stress"))
    assert figures["Produzione"].hidden == "unanimous" and figures["Produzione"].n is None
    assert figures["Produzione"].note
    # Company minus Logistica would give Produzione: Logistica hides too.
    assert figures["Logistica"].n is None and figures["Officine Rossi"].n == 17


# 8. Any history, any look: no two views differ by 1 to 4 ---------------------------------

Step = tuple[Any, ...]
STEPS = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(["A", "B"]), st.sampled_from(["D1", "D2"]),
              st.integers(1, 7)),
    st.tuples(st.just("open")),  # a new wave over the same people, side by side
    st.tuples(st.just("close")),
    st.tuples(st.just("look"), st.sampled_from(["hr:A", "hr:B", "staff"])),
)


async def _look(role: str, program: Program, ids: dict[str, UUID], wave: UUID
                ) -> dict[str, int]:
    """Every count the role sees of a wave: figures' n and answered (exact or at least)."""
    if role == "staff":
        who = await caller(program.staff)
        seen = [(await service.program_results(who, wave)).questions]
        companies = list(ids.values())
    else:
        who = await caller(program.hr[ids[role[3:]]])
        seen, companies = [], [ids[role[3:]]]
    rates = list(await service.wave_rates(who, wave))
    for company in companies:
        results = await service.company_results(who, company, wave)
        seen.append(results.questions)
        rates += results.rates
    found: dict[str, int] = {}
    for questions in seen:
        for figure in next(q for q in questions if q.question.key == "stress").figures:
            if figure.n is not None:
                found[f"n:{figure.group.key}"] = figure.n
    for rate in rates:
        if rate.answered is not None:
            found[f"{'step' if rate.at_least else 'answered'}:{rate.group.key}"] = rate.answered
    return found


def _apart(a: int, b: int) -> bool:
    return a == b or abs(a - b) >= 5


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(STEPS, min_size=3, max_size=9))
async def test_no_two_views_anyone_takes_differ_by_one_to_four(steps: list[Step]) -> None:
    from app.db import engine
    from tests.conftest import _all_tables
    from tests.surveys.results.test_results import answered

    for table in reversed(_all_tables()):  # each example starts from nothing
        await engine().run_ddl(f"DELETE FROM {table._meta.tablename}")
    program = await make_program()
    ids = {"A": await make_company(program, "Officine Rossi"),
           "B": await make_company(program, "Latteria Demo")}
    staff = await caller(program.staff)
    running: list[UUID] = []
    every: list[UUID] = []
    views: dict[tuple[str, UUID, str], list[int]] = {}

    async def look(role: str) -> None:
        for wave in every:
            for key, value in (await _look(role, program, ids, wave)).items():
                views.setdefault((role, wave, key), []).append(value)

    for step in [*steps, ("close",), ("close",), ("close",),
                 ("look", "hr:A"), ("look", "hr:B"), ("look", "staff")]:
        if step[0] == "open" or (step[0] == "answer" and not running):
            running.append(await open_wave(program, list(ids.values()), days_ago=1))
            every.append(running[-1])
        if step[0] == "answer":
            _, company, department, count = step
            await answered(running[-1], ids[company], count // 2, department, stress=2)
            await answered(running[-1], ids[company], count - count // 2, department, stress=4)
        elif step[0] == "close" and running:
            await waves.close_wave(staff, running.pop(0))
        elif step[0] == "look":
            await look(step[1])

    for (role, _wave, key), values in views.items():  # one figure, looked at again
        assert all(_apart(a, b) for a, b in zip(values, values[1:], strict=False)), (role, key)
    for (role, wave, key), values in views.items():  # the same figure in two waves
        for (other_role, other, other_key), others in views.items():
            if other_role == role and other_key == key and other != wave and key[0] != "s":
                assert _apart(values[-1], others[-1]), (role, key, values, others)
