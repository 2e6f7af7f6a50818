"""The roster import in a real browser, at 360 and 1280 px: the preview's effects and its
choice of reporting groups, a file with problems in its rows, and one that cannot be read."""

from __future__ import annotations

from typing import Any

from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.company_portal.roster.test_roster import PEOPLE, csv_file, world  # noqa: F401
from tests.company_portal.roster.test_roster_preview import STAFF, STAFF_HEADER
from tests.page_checks import accessible, axe_source, check_page, desk, phone, visit

LONG_EMAIL = "una.persona.con.un.indirizzo.molto.lungo.davvero@officine-rossi-crema.example"


async def choose_file(page: Any, server: LiveServer, company: Any, name: str,
                      content: bytes) -> Any:
    await visit(page, server, f"/portal/{company}/roster")
    await page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv",
                                                "buffer": content}])
    async with page.expect_navigation() as navigation:
        await page.click("form:has(#file) [type=submit]")
    return await navigation.value


async def test_the_preview_and_a_bad_file_on_a_phone_and_a_desk(
        browser: Any, live_server: LiveServer, world: Any) -> None:  # noqa: F811
    axe = axe_source()
    staff = [*STAFF[:-1], (*STAFF[-1][:2], LONG_EMAIL, *STAFF[-1][3:])]
    for screen in (phone, desk):
        context = await screen(browser, live_server, world.hr)
        try:
            page = await context.new_page()
            await choose_file(page, live_server, world.rossi, "organico.csv",
                              csv_file(staff, header=STAFF_HEADER))
            where = f"roster preview ({screen.__name__})"
            assert await page.locator(".warning").count() == 1  # Lodi, 1 person
            assert await page.locator("input[name=reporting_groups]").count() == 2
            await (check_page if screen is phone else accessible)(page, axe, where)
            async with page.expect_navigation():
                await page.click(".effect-index a[href^='?effect=add']")
            assert await page.locator(".effect-list > li").count() == 12
            assert await page.locator("a[aria-current=page]").inner_text() == "12 persone nuove"
            await (check_page if screen is phone else accessible)(page, axe, where + ", new")

            response = await choose_file(page, live_server, world.rossi, "organico.xlsx",
                                         b"PK\x03\x04" + bytes(200))
            assert response.status == 422
            assert "cartella di lavoro" in await page.locator("#file-error").inner_text()
            where = f"roster upload refused ({screen.__name__})"
            await (check_page if screen is phone else accessible)(page, axe, where)
        finally:
            await context.close()


async def test_changes_and_people_leaving_fit_a_phone(
        browser: Any, live_server: LiveServer, world: Any) -> None:  # noqa: F811
    axe = axe_source()
    context = await phone(browser, live_server, world.hr)
    try:
        page = await context.new_page()
        await choose_file(page, live_server, world.rossi, "organico.csv", csv_file(PEOPLE))
        async with page.expect_navigation():
            await page.click("#import [type=submit]")
        changed = [(*PEOPLE[0][:2], LONG_EMAIL, "Manutenzione straordinaria", *PEOPLE[0][4:]),
                   *PEOPLE[1:4]]
        await choose_file(page, live_server, world.rossi, "organico.csv", csv_file(changed))
        text = await page.locator("main").inner_text()
        assert f"E-mail: niccolo.bertoli@rossi.example → {LONG_EMAIL}" in text
        assert "Marta Ghisetti" in text
        await check_page(page, axe, "roster preview with changes")

        bad = [*PEOPLE[:2], ("M-002", "Anna Bis", "non-una-email", "", "", "")]
        await choose_file(page, live_server, world.rossi, "organico.csv", csv_file(bad))
        assert "1 riga su 3 ha problemi." in await page.locator("[role=alert]").inner_text()
        assert await page.locator("#import").count() == 0  # nothing to confirm
        await check_page(page, axe, "roster preview of a file with problems")
    finally:
        await context.close()
