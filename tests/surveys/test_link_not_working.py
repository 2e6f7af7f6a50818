"""The "this link does not work" page speaks the reader's language and offers the others."""

from __future__ import annotations

from typing import Any

from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.page_checks import accessible, axe_source, check_page, desk, phone, visit

UNKNOWN = "/r/AAAAAAAAAAAAAAAAAAAAAA"


async def test_a_link_that_does_not_work_offers_the_language_switch(client) -> None:
    italian = await client.get(UNKNOWN)
    assert italian.status_code == 404 and "non funziona" in italian.text
    assert f'href="{UNKNOWN}?lang=en"' in italian.text
    english = await client.get(f"{UNKNOWN}?lang=en")
    assert english.status_code == 404 and "does not work" in english.text
    assert '<html lang="en">' in english.text


async def test_the_page_in_a_browser(browser: Any, live_server: LiveServer) -> None:  # noqa: F811
    axe = axe_source()
    for screen in (phone, desk):
        context = await screen(browser, live_server)
        try:
            page = await context.new_page()
            await visit(page, live_server, UNKNOWN, status=404)
            async with page.expect_navigation():
                await page.click("nav.languages a[hreflang=en]")
            assert "does not work" in await page.inner_text("h1")
            await page.goto(f"{live_server.url}{UNKNOWN}?lang=it")
            if screen is phone:
                await check_page(page, axe, "link not working")
            else:
                await accessible(page, axe, "link not working at 1280 px")
        finally:
            await context.close()
