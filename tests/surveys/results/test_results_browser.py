"""The results' summary and drill-down pages in a real browser, for the HR manager and
for program staff: they fit a 360 px phone, axe-core finds nothing, every focus shows,
and another company's drill-down answers 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.page_checks import accessible, axe_source, check_page, desk, labelled, phone, visit
from tests.surveys.results.test_results import answered, make_company, make_program, make_wave

GRID = {"children": "often", "housework": "never"}


async def _world() -> tuple[Any, Any, Any, Any, Any]:
    program = await make_program()
    a = await make_company(program, "Officine Rossi", "Crema")
    others = [await make_company(program, name, "Crema")
              for name in ("Latteria Demo", "Molino Nord", "Bottega Piccola")]
    far = await make_company(program, "Autotrasporti Fratelli Guerini S.n.c.", "Casalmaggiore")
    spring = await make_wave(program, [a, *others, far], opens_on=date(2026, 3, 2))
    autumn = await make_wave(program, [a, *others, far], opens_on=date(2026, 10, 5))
    for wave, more in ((spring, 0), (autumn, 6)):
        await answered(wave, a, 12 + more, "Produzione", children="yes", stress=4,
                       balance=GRID, childcare_needs=["nursery"], ideas="Un nido vicino")
        await answered(wave, a, 8, "Logistica", stress=2, balance=GRID)
        for company in others[:2]:
            await answered(wave, company, 9 + more, stress=5, balance=GRID)
        await answered(wave, others[2], 3, stress=1)  # left out of Crema's total
        await answered(wave, far, 4, stress=3)
    return program, a, others[0], spring, autumn


async def test_the_results_pages_read_well_on_a_phone_and_a_desk(
        browser: Any, live_server: LiveServer) -> None:  # noqa: F811
    axe = axe_source()
    program, a, b, _spring, wave = await _world()
    company = f"/portal/{a}/results/{wave}"
    pages = {program.hr[a]: [company, f"{company}/sections/1", f"{company}/groups/1",
                             f"{company}/needs", f"{company}/crosstabs",
                             f"{company}/comments"],
             program.staff: [f"/results/{wave}", f"/results/{wave}/towns",
                             f"/results/{wave}/companies", f"/results/{wave}/sections/1",
                             f"/results/{wave}/needs"]}
    for screen in (phone, desk):
        for user, paths in pages.items():
            context = await screen(browser, live_server, user)
            try:
                page = await context.new_page()
                for path in paths:
                    where = f"{path} at {'360' if screen is phone else '1280'} px"
                    await visit(page, live_server, path)
                    if screen is phone:
                        await check_page(page, axe, where)  # fits, labelled, axe, focus
                        if path in (company, f"/results/{wave}"):  # the summaries: no
                            wide = await page.evaluate(  # table to scroll sideways
                                "[...document.querySelectorAll('.table-wrap')]"
                                ".filter(w => w.scrollWidth > w.clientWidth).length")
                            assert wide == 0, where
                    else:
                        await labelled(page, where)
                        await accessible(page, axe, where)
                if user == program.hr[a]:
                    await visit(page, live_server, f"/portal/{b}/results/{wave}/groups/1", 404)
                    await visit(page, live_server, f"/results/{wave}/towns", 404)
            finally:
                await context.close()


async def test_the_summary_leads_to_a_section_by_keyboard(
        browser: Any, live_server: LiveServer) -> None:  # noqa: F811
    program, a, _b, _spring, wave = await _world()
    context = await phone(browser, live_server, program.hr[a])
    try:
        page = await context.new_page()
        await visit(page, live_server, f"/portal/{a}/results/{wave}")
        assert await page.locator("main svg").count() == 0  # the summary has no chart
        changes = page.locator("#changes + .table-wrap")
        assert "Tasso di risposta" in await changes.inner_text()
        link = page.get_by_role("link", name="Tutto")
        await link.focus()
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"**/portal/{a}/results/{wave}/sections/1")
        assert await page.locator("h1").inner_text() == "Tutto"
        assert await page.locator("main svg[role=img]").count() >= 1
    finally:
        await context.close()
