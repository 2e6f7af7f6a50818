"""Results: the figures are right on both databases, small groups never show, free text
waits for the close and is scrubbed, and tenants see only their own company."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.exceptions import NotFoundException

from app.auth.caller import Caller, load_caller
from app.errors import InvalidInput
from company_portal.tables import RosterEntry
from surveys.definition import Condition, Definition, Option, Question, Section, encode
from surveys.results import service
from surveys.results.model import Figure, ThresholdsUpdate
from surveys.results.suppression import MIN_GROUP
from surveys.tables import Answer, Invitation, Response, Survey, SurveyVersion, Wave, WaveCompany
from tests.factories import make_org, make_user, sign_in


def _options(*keys: str) -> list[Option]:
    return [Option(key, {"it": key.capitalize(), "en": key.capitalize()}) for key in keys]


def _q(key: str, kind: str, area: str = "", **extra: Any) -> Question:
    return Question(key=key, type=kind, text={"it": f"Domanda {key}", "en": f"Question {key}"},
                    area=area, **extra)


SCALE = _options("1", "2", "3", "4", "5")
DEFINITION = Definition(
    title={"it": "Bisogni", "en": "Needs"},
    sections=[Section(key="main", title={"it": "Tutto", "en": "All"}, questions=[
        _q("has_children_u14", "single", "children", options=_options("yes", "no"),
           reporting_attribute=True),
        _q("childcare_needs", "multiple", "children",
           options=_options("nursery", "after_school", "nothing"),
           show_if=Condition("has_children_u14", ["yes"])),
        _q("stress", "scale", "working_time", options=SCALE),
        _q("commute", "number", "commuting", minimum=0, maximum=99),
        _q("balance", "grid", "working_time", options=_options("never", "often"),
           rows=_options("children", "housework")),
        _q("ideas", "text", "participation"),
    ])],
)


# Factories: waves, invitations and responses written straight into the tables ----------


@dataclass
class Program:
    id: UUID
    staff: UUID
    version: UUID
    hr: dict[UUID, UUID] = field(default_factory=dict)  # company -> its HR manager


async def make_program() -> Program:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("staff@farelegami.example", program, "program_admin")
    survey = Survey(owner=program, title="Bisogni")
    await survey.save()
    version = SurveyVersion(survey=survey.id, number=1, definition=encode(DEFINITION))
    await version.save()
    return Program(program, staff, version.id)


_serial = itertools.count()


async def make_company(program: Program, name: str, town: str = "Crema") -> UUID:
    company = await make_org("company", name, town)
    program.hr[company] = await make_user(f"hr{next(_serial)}@example.org", company,
                                          "hr_manager")
    return company


async def make_wave(program: Program, companies: list[UUID], status: str = "closed",
                    opens_on: date = date(2026, 3, 1), groups: tuple[str, ...] = ("department",),
                    attributes: tuple[str, ...] = ("has_children_u14",)) -> UUID:
    closes = opens_on + timedelta(days=14)
    wave = Wave(version=program.version, owner=program.id, title=f"Ondata {opens_on}",
                opens_on=opens_on, closes_on=closes, status=status,
                reporting_groups=[{"key": k, "source": "roster"} for k in groups]
                + [{"key": k, "source": "question"} for k in attributes])
    await wave.save()
    for company in companies:
        await WaveCompany(wave=wave.id, company=company).save()
    return wave.id


async def add_invitations(wave: UUID, company: UUID, invited: int, answered: int,
                          department: str = "Produzione", site: str = "") -> None:
    if invited:
        await Invitation.insert(*[
            Invitation(wave=wave, company=company, channel="code",
                       group_values=_groups(department, site), answered=i < answered)
            for i in range(invited)])


def _groups(department: str, site: str) -> dict[str, str]:
    return {"department": department, **({"site": site} if site else {})}


async def add_responses(wave: UUID, company: UUID, count: int, department: str = "Produzione",
                        children: str = "no", site: str = "", **answers: Any) -> None:
    """`count` responses with the same answers: `answers` maps a question key to an
    option, a list of options, a number, a {row: option} dict or a text."""
    responses = [Response(id=uuid4(), wave=wave, company=company,
                          submitted_on=date(2026, 3, 2),
                          group_values={**_groups(department, site),
                                        "has_children_u14": children})
                 for _ in range(count)]
    if not responses:
        return
    await Response.insert(*responses)
    rows = [row for response in responses for row in [
        Answer(response=response.id, question="has_children_u14", option_key=children),
        *(row for key, value in answers.items() for row in _rows(response.id, key, value))]]
    for start in range(0, len(rows), 500):
        await Answer.insert(*rows[start:start + 500])


def _rows(response: UUID, key: str, value: Any) -> list[Answer]:
    if isinstance(value, list):
        return [Answer(response=response, question=key, option_key=v) for v in value]
    if isinstance(value, dict):
        return [Answer(response=response, question=key, row_key=r, option_key=v)
                for r, v in value.items()]
    if isinstance(value, int):
        return [Answer(response=response, question=key, number=value)]
    if key == "ideas":
        return [Answer(response=response, question=key, text=value)]
    return [Answer(response=response, question=key, option_key=value)]


async def answered(wave: UUID, company: UUID, count: int, department: str = "Produzione",
                   children: str = "no", **answers: Any) -> None:
    """People who were invited and answered: an invitation and a response each."""
    await add_invitations(wave, company, count, count, department)
    await add_responses(wave, company, count, department, children, **answers)


async def caller(user: UUID) -> Caller:
    found = await load_caller(user)
    assert found is not None
    return found


def by_group(result: Any) -> dict[str, Figure]:
    return {figure.group.label: figure for figure in result.figures}


def question(results: Any, key: str) -> Any:
    return next(r for r in results.questions if r.question.key == key)


def shares(figure: Figure) -> dict[str, tuple[int, float]]:
    return {s.key: (s.count, round(s.share, 4)) for s in figure.shares}


# The numbers -----------------------------------------------------------------------


async def test_company_figures_count_shares_means_grids_and_numbers() -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await make_wave(program, [a])
    await answered(wave, a, 6, children="yes", childcare_needs=["nursery", "after_school"],
                   stress=5, commute=12, balance={"children": "often", "housework": "never"})
    await answered(wave, a, 4, children="no", stress=2, commute=40,
                   balance={"children": "never", "housework": "never"})
    await add_invitations(wave, a, 5, 0)

    results = await service.company_results(await caller(program.hr[a]), a, wave)

    [rate] = [r for r in results.rates if r.group.kind == "company"]
    assert (rate.invited, rate.answered, rate.rate) == (15, 10, pytest.approx(10 / 15))
    company = by_group(question(results, "stress"))["Officine Rossi"]
    assert company.n == 10 and company.mean == pytest.approx(3.8)
    assert shares(company)["5"] == (6, 0.6) and shares(company)["2"] == (4, 0.4)
    care = by_group(question(results, "childcare_needs"))["Officine Rossi"]
    # The 6 parents all chose both: shown, it would tell each one's answer (issue 11).
    assert (care.n, care.hidden) == (None, "unanimous")
    commute = by_group(question(results, "commute"))["Officine Rossi"]
    assert commute.mean == pytest.approx((6 * 12 + 4 * 40) / 10)
    assert [(s.label, s.count) for s in commute.shares] == [
        ("0–19", 6), ("20–39", 0), ("40–59", 4), ("60–79", 0), ("80–99", 0)]
    grid = by_group(question(results, "balance"))["Officine Rossi"]
    assert [(row.key, row.n, [(s.key, s.count) for s in row.shares]) for row in grid.rows] == [
        ("children", 10, [("never", 4), ("often", 6)]),
        ("housework", 10, [("never", 10), ("often", 0)])]
    assert [(n.question, n.option, n.count) for n in results.needs] == [("stress", "4-5", 6)]


async def test_a_group_of_four_is_never_shown_nor_its_complement() -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await make_wave(program, [a])
    await answered(wave, a, 12, "Produzione", stress=4)
    await answered(wave, a, 6, "Logistica", stress=3)
    await answered(wave, a, 4, "Amministrazione", stress=1)

    results = await service.company_results(await caller(program.hr[a]), a, wave)

    figures = by_group(question(results, "stress"))
    assert figures["Officine Rossi"].n == 22
    assert figures["Amministrazione"].hidden == "small"
    assert figures["Amministrazione"].note == "meno di 5 risposte"
    assert figures["Logistica"].hidden == "complement"
    assert figures["Logistica"].n is None and figures["Logistica"].shares == []
    assert figures["Produzione"].n == 12
    rates = {r.group.label: r for r in results.rates}
    assert rates["Amministrazione"].answered is None and rates["Amministrazione"].rate is None
    assert rates["Logistica"].hidden == "complement"


async def test_a_roster_column_chosen_at_import_is_a_group_named_as_the_file_names_it(
) -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await make_wave(program, [a], groups=(), attributes=())
    await Wave.update({Wave.reporting_groups: [
        {"key": "col_turno", "source": "roster", "label": "Turno"}]}).where(Wave.id == wave)
    for shift, count in (("notte", 7), ("giorno", 8)):
        await Invitation.insert(*[Invitation(wave=wave, company=a, channel="code",
                                             group_values={"col_turno": shift}, answered=True)
                                  for _ in range(count)])
        await Response.insert(*[Response(id=uuid4(), wave=wave, company=a,
                                         submitted_on=date(2026, 3, 2),
                                         group_values={"col_turno": shift})
                                for _ in range(count)])

    results = await service.company_results(await caller(program.hr[a]), a, wave)

    groups = {(r.group.dimension_label, r.group.label): r.answered for r in results.rates
              if r.group.kind == "group"}
    assert groups == {("Turno", "notte"): 7, ("Turno", "giorno"): 8}


async def test_hr_of_company_a_gets_404_on_company_b(client) -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    b = await make_company(program, "Latteria Demo", "Cremona")
    wave = await make_wave(program, [a, b])
    await answered(wave, b, 8, stress=3)

    with pytest.raises(NotFoundException):
        await service.company_results(await caller(program.hr[a]), b, wave)
    with pytest.raises(NotFoundException):
        await service.program_results(await caller(program.hr[a]), wave)
    await sign_in(client, program.hr[a])
    for path in (f"/portal/{b}/results/{wave}", f"/api/v1/results/companies/{b}/waves/{wave}",
                 f"/results/{wave}", f"/api/v1/results/waves/{wave}",
                 f"/api/v1/results/companies/{b}/trend"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Latteria" not in response.text


async def test_only_a_program_admin_raises_the_thresholds_and_never_below_five() -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    staff = await caller(program.staff)
    with pytest.raises(InvalidInput):
        await service.set_thresholds(staff, ThresholdsUpdate(group=4, text=10))
    with pytest.raises(NotFoundException):
        await service.set_thresholds(await caller(program.hr[a]), ThresholdsUpdate(8, 12))
    assert (await service.set_thresholds(staff, ThresholdsUpdate(8, 12))).group == 8
    assert (await service.thresholds()).group == 8
    assert MIN_GROUP == 5


async def test_the_api_states_the_thresholds_bounds_and_says_them_in_words(client) -> None:
    """The OpenAPI document gives the bounds (5 to 1000, 10 to 1000), so a body outside them
    is refused before the service, with the bound in the reader's language."""
    program = await make_program()
    await sign_in(client, program.staff)
    document = (await client.get("/api/schema/openapi.json")).json()
    schema = document["components"]["schemas"]["ThresholdsUpdate"]["properties"]
    assert (schema["group"]["minimum"], schema["text"]["minimum"]) == (5, 10)
    await client.get("/api/v1/me")
    headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
    low = await client.put("/api/v1/results/thresholds", json={"group": 3, "text": 12},
                           headers=headers)
    assert low.status_code == 422
    assert low.json()["errors"] == {"group": "Almeno 5."}
    high = await client.put("/api/v1/results/thresholds", json={"group": 8, "text": 5000},
                            headers=headers)
    assert high.json()["errors"] == {"text": "Al massimo 1000."}
    assert (await service.thresholds()).group == MIN_GROUP


async def test_the_pages_show_charts_tables_and_reasons_in_words(client) -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi", "Crema")
    b = await make_company(program, "Latteria Demo", "Crema")
    c = await make_company(program, "Salumificio Po", "Casalmaggiore")
    wave = await make_wave(program, [a, b, c])
    await answered(wave, a, 12, "Produzione", children="yes", stress=4,
                   childcare_needs=["nursery"], ideas="Un nido vicino, scrivete a mario@rossi.it")
    await answered(wave, a, 3, "Amministrazione", stress=2)
    await answered(wave, b, 9, stress=5)
    await answered(wave, c, 3, stress=1)
    await sign_in(client, program.hr[a])

    base = f"/portal/{a}/results/{wave}"
    summary, section, comments = [await client.get(f"{base}{part}")
                                  for part in ("", "/sections/1", "/comments")]

    assert {summary.status_code, section.status_code, comments.status_code} == {200}
    assert 'role="img"' in section.text and "<title id=" in section.text
    assert "<desc id=" in section.text
    assert "meno di 5 risposte" in section.text and "Crema" in summary.text
    assert "mario@rossi.it" not in comments.text and "[e-mail]" in comments.text
    for shown in (summary.text, section.text, comments.text):
        assert ' style="' not in shown and "<style" not in shown
    await sign_in(client, program.staff)
    staff = [await client.get(f"/results/{wave}{part}")
             for part in ("", "/towns", "/companies", "/sections/1")]
    assert {page.status_code for page in staff} == {200}
    assert "Casalmaggiore" in staff[1].text and "Salumificio Po" in staff[2].text
    for shown in (summary.text, section.text, *(page.text for page in staff)):
        assert not re.search(r"<td>\s*[–—]\s*</td>", shown)  # it would read as "no need"
        assert not re.search(r">\s*[–—]\s*</text>", shown)  # in a chart, too
    api = await client.get(f"/api/v1/results/waves/{wave}")
    assert api.status_code == 200 and api.json()["program"]["kind"] == "program"


async def _roster_name(company: UUID, name: str) -> None:
    await RosterEntry(company=company, employee_ref=name[:3], name=name,
                      roster_key=f"{company}:{name}").save()


async def test_comments_wait_for_the_close_need_ten_people_and_are_scrubbed() -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    b = await make_company(program, "Latteria Demo")
    await _roster_name(a, "Giulia Bianchi")
    text = ("Chiedete a Giulia Bianchi, giulia.b@example.org, 333 123 4567, "
            "BNCGLI80A41D142X: serve un nido")
    open_wave = await make_wave(program, [a], status="open",
                                opens_on=date.today() - timedelta(days=1))
    await answered(open_wave, a, 12, ideas=text)
    hr = await caller(program.hr[a])
    assert (await service.company_results(hr, a, open_wave)).comments.hidden == "not_closed"

    wave = await make_wave(program, [a, b], opens_on=date(2026, 5, 1))
    await answered(wave, a, 10, ideas=text)
    await answered(wave, b, 9, ideas="Poco tempo")
    comments = (await service.company_results(hr, a, wave)).comments
    assert [c.text for c in comments.items] == [
        "Chiedete a [nome], [e-mail], [telefono], [codice fiscale]: serve un nido"] * 10
    few = (await service.company_results(await caller(program.hr[b]), b, wave)).comments
    assert (few.items, few.hidden, few.note) == ([], "few_for_text", "meno di 10 risposte")


async def test_a_raised_threshold_hides_more_and_the_town_pools_small_companies() -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi", "Crema")
    b = await make_company(program, "Latteria Demo", "Crema")
    c = await make_company(program, "Salumificio Po", "Crema")
    d = await make_company(program, "Molino Sud", "Cremona")
    wave = await make_wave(program, [a, b, c, d])
    await answered(wave, a, 20, stress=5)
    await answered(wave, b, 3, stress=1)
    await answered(wave, c, 3, stress=1)
    await answered(wave, d, 4, stress=2)
    staff = await caller(program.staff)

    results = await service.program_results(staff, wave)
    stress = by_group(question(results, "stress"))
    assert stress["Crema"].n == 26  # a plus the pool of b and c (6 people together)
    assert stress["Cremona"].hidden == "small"  # d alone: left out, not pooled
    assert stress["Tutte le aziende"].n == 26
    mine = await service.company_results(await caller(program.hr[a]), a, wave)
    assert mine.territory is not None and mine.territory.label == "Crema"

    # A raised threshold holds for waves released from then on; a released figure
    # never disappears (hiding it would tell that it changed).
    await service.set_thresholds(staff, ThresholdsUpdate(group=21, text=21))
    released = await service.company_results(await caller(program.hr[a]), a, wave)
    assert by_group(question(released, "stress"))["Officine Rossi"].n == 20
    later = await make_wave(program, [a], opens_on=date(2026, 9, 1))
    await answered(later, a, 20, stress=5)
    raised = await service.company_results(await caller(program.hr[a]), a, later)
    assert by_group(question(raised, "stress"))["Officine Rossi"].note == (
        "meno di 21 risposte")


async def test_a_group_that_moved_by_fewer_than_five_since_the_last_wave_is_hidden() -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    first = await make_wave(program, [a], opens_on=date(2026, 1, 10))
    await answered(first, a, 10, "Produzione", stress=3)
    await answered(first, a, 10, "Logistica", stress=3)
    second = await make_wave(program, [a], opens_on=date(2026, 6, 10))
    await answered(second, a, 12, "Produzione", stress=3)
    await answered(second, a, 16, "Logistica", stress=3)
    hr = await caller(program.hr[a])

    figures = by_group(question(await service.company_results(hr, a, second), "stress"))

    assert figures["Officine Rossi"].n == 28  # 20 → 28: far enough apart
    assert figures["Produzione"].hidden == "across_waves"  # 10 → 12
    assert figures["Logistica"].hidden == "complement"  # else 28 − 16 gives Produzione
    assert "differisce di meno di 5" in figures["Produzione"].note
    trend = await service.company_trend(hr, a)
    assert [p.rate.answered for p in trend.points] == [20, 28]


async def test_no_figure_while_the_wave_is_open_and_released_figures_never_move() -> None:
    """Figures used to follow each ballot batch while the wave was open (5, then 6 of 6:
    the sixth person's whole response); now they appear at the close, once."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await make_wave(program, [a], status="open",
                           opens_on=date.today() - timedelta(days=1))
    hr = await caller(program.hr[a])
    await answered(wave, a, 6, stress=2)
    figure = by_group(question(await service.company_results(hr, a, wave), "stress"))[
        "Officine Rossi"]
    assert (figure.n, figure.hidden) == (None, "open")
    await Wave.update({Wave.status: "closed"}).where(Wave.id == wave)
    await answered(wave, a, 5, stress=4)
    figure = by_group(question(await service.company_results(hr, a, wave), "stress"))[
        "Officine Rossi"]
    assert figure.n == 11 and shares(figure)["4"] == (5, round(5 / 11, 4))
    await answered(wave, a, 5, stress=1)  # stored after the release: nothing moves
    again = by_group(question(await service.company_results(hr, a, wave), "stress"))[
        "Officine Rossi"]
    assert (again.n, shares(again)) == (11, shares(figure))


async def test_no_question_is_split_by_its_own_condition(client: Any) -> None:
    """Childcare needs are asked of parents only: split by "children under 14?" its
    "no" column was empty by construction, as a reporting group and as a
    cross-tabulation."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    wave = await make_wave(program, [a])
    await answered(wave, a, 10, children="yes", stress=4, childcare_needs=["nursery"])
    await answered(wave, a, 10, children="no", stress=2)

    results = await service.company_results(await caller(program.hr[a]), a, wave)

    childcare = question(results, "childcare_needs")
    assert [f.group.dimension for f in childcare.figures] == ["", "department"]
    stress = question(results, "stress")
    assert "has_children_u14" in [f.group.dimension for f in stress.figures]
    pairs = {(t.attribute, q.question.key) for t in results.crosstabs for q in t.questions}
    assert ("has_children_u14", "childcare_needs") not in pairs
    assert ("has_children_u14", "stress") in pairs  # parents' and others' working time
    await sign_in(client, program.hr[a])
    api = (await client.get(f"/api/v1/results/companies/{a}/waves/{wave}")).json()
    assert [(t["attribute"], [q["question"]["key"] for q in t["questions"]])
            for t in api["crosstabs"]] == [("has_children_u14", ["stress", "balance"])]
