"""The results pages read as a summary first, then one section, group, town list or
company list at a time; territory totals say how many companies they leave out and why;
Likert questions are stacked bars and heat maps keep their labels whole."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from surveys.results import charts, service
from surveys.results.model import (
    Area,
    AreaCell,
    Figure,
    GridRow,
    Group,
    HeatMap,
    HeatRow,
    QuestionInfo,
    QuestionResult,
    Share,
)
from tests.factories import sign_in
from tests.surveys.results.test_results import (
    answered,
    caller,
    make_company,
    make_program,
    make_wave,
)

GRID = {"children": "often", "housework": "never"}


def _text(page: Any) -> str:
    """The page's words, without tags, on one line."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


async def test_the_summary_comes_first_and_each_section_and_group_has_its_own_page(
        client: Any) -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    spring = await make_wave(program, [a], opens_on=date(2026, 3, 1))
    await answered(spring, a, 10, "Produzione", stress=2, balance=GRID)
    await answered(spring, a, 10, "Logistica", stress=4, balance=GRID)
    autumn = await make_wave(program, [a], opens_on=date(2026, 10, 1))
    await answered(autumn, a, 20, "Produzione", stress=5, balance=GRID)
    await answered(autumn, a, 10, "Logistica", stress=4, balance=GRID)
    await sign_in(client, program.hr[a])
    base = f"/portal/{a}/results/{autumn}"

    page = await client.get(base)

    assert page.status_code == 200
    words = _text(page)
    assert "Tasso di risposta" in words and "Bisogni principali" in words
    # 10 of 20 had a need (stress 4–5) in spring, all 30 in autumn: the need went up.
    assert "Rispetto alla rilevazione precedente" in words
    assert "50% 100% prima: 50% in aumento di 50 punti" in words
    assert "1 marzo 2026" in words  # the previous wave, dated in words
    assert 'role="img"' not in page.text  # no chart on the summary: it links to them
    assert f'href="{base}/sections/1"' in page.text
    groups = re.findall(rf'href="{base}/groups/(\d+)">([^<]+)</a>', page.text)
    assert [label for _n, label in groups] == ["Logistica", "Produzione", "No"]

    section = await client.get(f"{base}/sections/1")
    assert section.status_code == 200 and 'role="img"' in section.text
    assert section.text.count('class="question-result"') == len(
        (await service.company_results(await caller(program.hr[a]), a, autumn)).questions)
    number = next(n for n, label in groups if label == "Logistica")
    group = await client.get(f"{base}/groups/{number}")
    assert group.status_code == 200
    assert "<h1>Reparto: Logistica</h1>" in group.text
    assert '<th scope="row">Reparto: Logistica' in group.text
    assert '<th scope="row">Reparto: Produzione' not in group.text
    by_section = await client.get(f"{base}/groups/{number}?section=1")  # one at a time
    assert by_section.status_code == 200 and 'aria-current="page"' in by_section.text
    assert by_section.text.count('class="question-result"') == group.text.count(
        'class="question-result"')
    for missing in ("/sections/2", "/sections/0", "/groups/9", f"/groups/{number}?section=2",
                    "/everything"):
        assert (await client.get(base + missing)).status_code == 404, missing

    first = _text(await client.get(f"/portal/{a}/results/{spring}"))
    assert "Questa è la prima rilevazione" in first


async def test_a_change_is_shown_only_where_both_waves_show_the_figure(client: Any) -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    spring = await make_wave(program, [a], opens_on=date(2026, 3, 1))
    await answered(spring, a, 4, stress=5)  # too few: nothing of it is shown
    autumn = await make_wave(program, [a], opens_on=date(2026, 10, 1))
    await answered(autumn, a, 12, stress=5)
    await sign_in(client, program.hr[a])

    words = _text(await client.get(f"/portal/{a}/results/{autumn}"))

    assert "Nulla si può confrontare con «Ondata 2026-03-01»" in words
    assert "in aumento" not in words and "in calo" not in words


async def test_another_companys_drill_down_answers_404(client: Any) -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    b = await make_company(program, "Latteria Demo")
    wave = await make_wave(program, [a, b])
    await answered(wave, b, 8, stress=3)
    await sign_in(client, program.hr[a])

    for part in ("", "/sections/1", "/groups/1", "/needs", "/crosstabs", "/comments"):
        response = await client.get(f"/portal/{b}/results/{wave}{part}")
        assert response.status_code == 404, part
        assert "Latteria" not in response.text
    for part in ("", "/sections/1", "/towns", "/companies", "/needs", "/comments"):
        assert (await client.get(f"/results/{wave}{part}")).status_code == 404, part


async def test_territory_totals_say_how_many_companies_they_leave_out_and_why(
        client: Any) -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi", "Crema")
    b = await make_company(program, "Latteria Demo", "Crema")
    c = await make_company(program, "Molino Nord", "Crema")
    small = await make_company(program, "Bottega Piccola", "Crema")
    alone = await make_company(program, "Salumificio Po", "Casalmaggiore")
    wave = await make_wave(program, [a, b, c, small, alone])
    for company in (a, b, c):
        await answered(wave, company, 8, stress=3)
    await answered(wave, small, 3, stress=3)
    await answered(wave, alone, 4, stress=3)
    staff = await caller(program.staff)

    left_out = {(o.group.label, o.hidden): o.companies
                for o in (await service.program_results(staff, wave)).left_out}

    # The program pools the two small companies (7 people from two companies).
    assert left_out == {("Crema", "small"): 1, ("Casalmaggiore", "territory_small"): 1}
    await sign_in(client, program.staff)
    towns = _text(await client.get(f"/results/{wave}/towns"))
    assert "Crema 1 azienda esclusa: meno di 5 risposte" in towns
    assert "Casalmaggiore 1 azienda esclusa: insieme hanno meno di 5 risposte" in towns
    summary = _text(await client.get(f"/results/{wave}"))
    assert "I dati del programma contano tutte le aziende." in summary
    lone = await make_wave(program, [a, b, c, small], opens_on=date(2026, 9, 1))
    for company in (a, b, c):
        await answered(lone, company, 15, stress=3)  # 7 more than before: shown
    await answered(lone, small, 3, stress=3)  # alone below 5: nothing to pool it with
    summary = _text(await client.get(f"/results/{lone}"))
    assert "I dati del programma: 1 azienda esclusa: meno di 5 risposte." in summary
    running = await make_wave(program, [a, b, c, small], status="open",
                              opens_on=date.today() - timedelta(days=1))
    await answered(running, a, 8, stress=3)
    assert (await service.program_results(staff, running)).left_out == []  # no total yet
    # The HR manager learns how many, never which company nor its own reason.
    await sign_in(client, program.hr[a])
    mine = await client.get(f"/portal/{a}/results/{wave}")
    assert "Esclude 1 azienda i cui dati non sono mostrati" in _text(mine)
    assert "Bottega" not in mine.text


def _share(key: str, count: int, n: int) -> Share:
    return Share(key, key.capitalize(), count, count / n)


def test_a_likert_grid_is_one_stacked_bar_per_item_and_a_hidden_one_says_why() -> None:
    company = Group("company", "company:x", "Officine Rossi")
    shown = Figure(company, n=10, rows=[
        GridRow("children", "la cura dei figli", 10,
                [_share("never", 2, 10), _share("often", 6, 10), _share("not_relevant", 2, 10)]),
        GridRow("housework", "le faccende di casa", 10,
                [_share("never", 5, 10), _share("often", 5, 10),
                 _share("not_relevant", 0, 10)])])
    hidden = Figure(Group("town", "town:Crema", "Crema"), hidden="small",
                    note="meno di 5 risposte")
    result = QuestionResult(QuestionInfo("balance", "grid", "Quanto spesso…", "", "", ""),
                            [shown, hidden])

    svg = str(charts.bar_chart(result, [shown, hidden], "chart-1"))

    labels = re.findall(r">([^<]+)</text>", svg)
    bars = [label for label in labels if "·" in label]
    assert bars == ["la cura dei figli · Officine Rossi", "la cura dei figli · Crema",
                    "le faccende di casa · Officine Rossi", "le faccende di casa · Crema"]
    assert labels.count("n.d.: meno di 5 risposte") == 2  # each item of the hidden figure
    assert [t for t in labels if t.endswith("%")] == ["20%", "60%", "20%", "50%", "50%"]
    assert 'fill="#d9d9d9"' in svg  # "does not apply" is grey, outside the order
    assert "<desc id=\"chart-1-desc\">" in svg and "Crema: meno di 5 risposte" in svg


def test_the_heat_map_keeps_its_size_and_its_labels_whole() -> None:
    areas = [Area("children", "Cura dei figli"),
             Area("elder_care", "Cura di familiari anziani o non autosufficienti")]
    rows = [HeatRow(Group("company", f"company:{uuid4()}", name),
                    [AreaCell("children", 0.5, 10, "Nido"), AreaCell("elder_care")])
            for name in ("Autotrasporti Fratelli Guerini S.n.c.", "Latteria")]
    rows.append(HeatRow(Group("company", "company:small", "Bottega"),
                        [AreaCell("children", hidden="small", note="meno di 5 risposte"),
                         AreaCell("elder_care", hidden="small", note="meno di 5 risposte")]))

    svg = str(charts.heat_map(HeatMap(areas, rows), "heat", "Bisogni per azienda"))

    width = re.search(r'viewBox="0 0 (\d+) \d+(?:\.\d+)?" width="(\d+)"', svg)
    assert width and width.group(1) == width.group(2)  # drawn at its size, never shrunk
    assert 'role="region" tabindex="0"' in svg  # and scrolled sideways by keyboard
    assert ">Cura di familiari anziani o non autosufficienti</text>" in svg
    assert ">Autotrasporti Fratelli Guerini S.n.c.</text>" in svg
    assert svg.count(">n.d.</text>") == 2 and svg.count(">nessuno</text>") == 2
    assert not re.search(r">\s*[–—]\s*</text>", svg)
