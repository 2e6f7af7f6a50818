"""The pacts' pages in a real browser: the community maker on a 1280 px desktop and a
360 px phone (referral, the pact with its forms, the access log), and the family on a
360 px phone with JavaScript off, accepting from the mailed link. Every page fits the
screen, passes axe-core, labels its form controls and shows the focus."""

from __future__ import annotations

import re
from typing import Any

from app.auth.sessions import COOKIE, start_session
from pacts.pacts import service
from tests.browser import LiveServer, browser, live_server, wait_for_mail  # noqa: F401
from tests.pacts.world import as_caller, make_world
from tests.page_checks import accessible, axe_source, check_page, labelled, phone, visit

LINK = re.compile(r"https?://[^/\s]+/p/([A-Za-z0-9_-]{22})")
FAMILY = "amina@example.it"


async def desktop(browser: Any, server: LiveServer, user: Any) -> Any:  # noqa: F811
    context = await browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(8_000)
    token = await start_session(user)
    await context.add_cookies([{"name": COOKIE, "value": token, "url": server.url,
                                "httpOnly": True, "secure": True, "sameSite": "Lax"}])
    return context


async def check(page: Any, axe: str, where: str, wide: bool) -> None:
    """The phone's checks (fit in 360 px included); on the desktop, all but the fit."""
    if wide:
        await accessible(page, axe, where)
        await labelled(page, where)
    else:
        await check_page(page, axe, where)


async def test_the_maker_and_the_family_walk_the_pact(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    for make in (desktop, phone):
        context = await make(browser, live_server, world.maker_a)
        try:
            page = await context.new_page()
            await visit(page, live_server, "/pacts/new")
            await check(page, axe, f"new referral ({make.__name__})", make is desktop)
            await page.fill("#holder_name", "Amina Diallo")
            await page.select_option("#source", "school")
            await page.fill("#contact_email", FAMILY)
            await page.click("main button[type=submit]")
            assert "Record the day" in await page.content() or \
                "Registra il giorno" in await page.content()
            await check(page, axe, f"referral without consent ({make.__name__})", make is desktop)
            await page.fill("#source_consent_on", "2026-11-02")
            await page.click("main button[type=submit]")
            await page.wait_for_url(re.compile(r"/pacts/[0-9a-f-]{36}$"))
            await check(page, axe, f"the pact ({make.__name__})", make is desktop)
            await page.fill("#goal_0", "Trovare un lavoro part-time")
            await page.fill("#goal_0_result_0", "Un curriculum pronto")
            await page.click("form[action$='/versions'] button[type=submit]")
            await page.wait_for_url(re.compile(r"done=version"))
            await check(page, axe, f"the pact proposed ({make.__name__})", make is desktop)
            await page.click("a[href$='/access-log']")
            await check(page, axe, f"the access log ({make.__name__})", make is desktop)
            await visit(page, live_server, "/pacts")
            assert await page.locator("main table tbody tr").count() >= 1
            await check(page, axe, f"caseload ({make.__name__})", make is desktop)
        finally:
            await context.close()

    family = await browser.new_context(locale="it-IT", viewport={"width": 360, "height": 740},
                                       java_script_enabled=False, is_mobile=True)
    try:
        page = await family.new_page()
        mail = await wait_for_mail(page, live_server, FAMILY, timeout=20)
        match = LINK.search(mail["text"])
        assert match
        await visit(page, live_server, f"/p/{match.group(1)}")
        await check_page(page, axe, "the family's pact")
        await page.click("main button[type=submit]")
        await page.wait_for_url(re.compile(r"done=accepted"))
        await check_page(page, axe, "the family's pact accepted")
        await visit(page, live_server, f"/p/{match.group(1)}?lang=en")
        assert "Your goals" in await page.content()
    finally:
        await family.close()
    maker = await as_caller(world.maker_a)
    assert {p.status for p in await service.caseload(maker)} >= {"active"}
