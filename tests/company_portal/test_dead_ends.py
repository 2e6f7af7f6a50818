"""Pages that used to end the journey now say where to go next."""

from __future__ import annotations

from typing import Any

from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.company_portal.roster.test_roster import PEOPLE, csv_file, import_file, world  # noqa: F401
from tests.factories import make_org, make_user, sign_in
from tests.page_checks import accessible, axe_source, check_page, desk, phone, visit


async def test_a_new_wave_without_a_survey_leads_to_preparing_one(client: Any) -> None:
    company = await make_org(name="Officine Rossi")
    await sign_in(client, await make_user("hr@rossi.example", company, "hr_manager"))
    page = (await client.get("/waves/new")).text
    assert 'href="/surveys#new"' in page


async def test_an_applied_roster_import_leads_to_a_wave_and_the_set_up(
        client: Any, world: Any) -> None:  # noqa: F811
    await sign_in(client, world.hr)
    import_id = await import_file(client, world.rossi, csv_file(PEOPLE))
    page = (await client.get(f"/portal/{world.rossi}/roster/imports/{import_id}")).text
    assert 'href="/waves/new"' in page
    assert f'href="/portal/{world.rossi}/onboarding"' in page


async def test_both_pages_in_a_browser(browser: Any, live_server: LiveServer,  # noqa: F811
                                       world: Any) -> None:  # noqa: F811
    axe = axe_source()
    for screen in (phone, desk):
        context = await screen(browser, live_server, world.hr)
        try:
            page = await context.new_page()
            await visit(page, live_server, "/waves/new")
            assert await page.get_attribute("a[href='/surveys#new']", "class") == "button"
            if screen is phone:
                await check_page(page, axe, "new wave without a survey")
            await visit(page, live_server, f"/portal/{world.rossi}/roster")
            await page.set_input_files("#file", files=[{
                "name": "organico.csv", "mimeType": "text/csv", "buffer": csv_file(PEOPLE)}])
            async with page.expect_navigation():
                await page.click("form:has(#file) [type=submit]")
            async with page.expect_navigation():
                await page.click("#import [type=submit]")
            assert await page.locator("a[href='/waves/new']").count() == 1
            if screen is phone:
                await check_page(page, axe, "roster imported")
            else:
                await accessible(page, axe, "roster imported at 1280 px")
        finally:
            await context.close()


async def test_the_roster_page_offers_a_file_to_fill_in_that_imports_as_is(
        client: Any, world: Any) -> None:  # noqa: F811
    await sign_in(client, world.hr)
    path = f"/portal/{world.rossi}/roster/template.csv"
    assert f'href="{path}"' in (await client.get(f"/portal/{world.rossi}/roster")).text
    template = await client.get(path)
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    await import_file(client, world.rossi, template.content)  # the example row imports
    await sign_in(client, world.hr_bianchi)
    assert (await client.get(path)).status_code == 404
