"""The pacts' pages in a real browser: the community maker's whole journey on a 1280 px
desktop and on a 360 px phone (caseload, a referral refused then opened, the pact with
goals (one linked to a Civic Center activity from the picker) and commitments of both
sides, the linked activity proposed to the family (refused until the consent to share is
recorded), a review scheduled and held, the access log, a closure refused then done), the
administrator's team pages reached from the menu with a refused addition, and the
family's `/p/<token>` page at both widths, accepted on a 360 px phone with JavaScript
off. Every page passes axe-core and labels its form controls; on the phone it also fits
the screen and shows the focus (tests/page_checks.py).

axe-core runs only where JavaScript runs: `axe.run` settles its promise on timers that a
page without JavaScript never fires, and Playwright's `evaluate` has no timeout of its
own, so checking the no-JavaScript page waited forever (the hang of 4704ea1). The family's
page is checked with JavaScript on, and walked and accepted with it off. The whole test
runs under `asyncio.timeout`: whatever waits in vain fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any
from uuid import UUID

from app.clock import ITALY, now
from app.tables import Organization
from civic.tables import ConsentNotice
from pacts.pacts import service
from pacts.tables import PactTeamMember
from tests.browser import LiveServer, browser, live_server, wait_for_mail  # noqa: F401
from tests.civic.referrals.world import make_activity
from tests.pacts.test_enrolments import school_family
from tests.pacts.world import World, as_caller, make_world, open_pact
from tests.page_checks import (
    PHONE,
    accessible,
    axe_source,
    check_page,
    desk,
    fits,
    labelled,
    phone,
    tab_to,
    visit,
)

LINK = re.compile(r"https?://[^/\s]+/p/([A-Za-z0-9_-]{22})")
PACT_PAGE = re.compile(r"/pacts/[0-9a-f-]{36}(\?done=\w+)?$")
# A bound on a hang, not on speed: the slowest run seen on the shared machine is far below.
WHOLE_TEST_SECONDS = 600
SCREENS = (("desktop", desk), ("phone", phone))


async def check(page: Any, axe: str, where: str, screen: str) -> None:
    """On the phone all four promises; on the desktop axe-core and labels."""
    if screen == "phone":
        await check_page(page, axe, where)
    else:
        await accessible(page, axe, f"{where} (1280 px)")
        await labelled(page, f"{where} (1280 px)")


async def submit(page: Any, button: str) -> None:
    async with page.expect_navigation():
        await page.click(button)


async def refer(page: Any, server: LiveServer, axe: str, screen: str, name: str,
                email: str) -> str:
    await visit(page, server, "/pacts/new")
    await check(page, axe, "new referral", screen)
    await page.fill("#holder_name", name)
    await page.select_option("#source", "school")
    await page.fill("#contact_email", email)
    await submit(page, "main form[action='/pacts/'] button[type=submit]")
    summary = page.locator("main .error-summary a[href='#source_consent_on']")
    assert await summary.count() == 1, "a referral without consent is refused"
    assert "Errore" in await page.title() or "Registra" in await page.content()
    await check(page, axe, "referral refused without consent", screen)
    await page.fill("#source_consent_on", (now().date() - timedelta(days=3)).isoformat())
    await submit(page, "main form[action='/pacts/'] button[type=submit]")
    assert PACT_PAGE.search(page.url), page.url
    await check(page, axe, "the pact, just opened", screen)
    return page.url.rsplit("/", 1)[-1].split("?")[0]


async def write_the_pact(page: Any, axe: str, screen: str, offer: str) -> None:
    await page.fill("#goal_0", "Trovare un lavoro part-time che lasci tempo per i figli")
    await page.fill("#goal_0_result_0", "Un curriculum pronto")
    await page.fill("#goal_0_due_0", (now().date() + timedelta(days=30)).isoformat())
    await page.fill("#goal_1", "I bambini seguiti nei compiti il pomeriggio")
    await page.fill("#goal_1_result_0", "Iscrizione al doposcuola")
    await page.select_option("#goal_1_link", offer)  # the picker: a Civic Center activity
    await page.select_option("#commitment_0_side", "family")
    await page.fill("#commitment_0_who", "Amina")
    await page.fill("#commitment_0_what", "Frequentare il corso di italiano")
    await page.select_option("#commitment_1_side", "community")
    await page.fill("#commitment_1_who", "Giulia, community maker")
    await page.fill("#commitment_1_what", "Accompagnare al centro per l'impiego")
    await page.fill("#give_back", "Due ore al mese nella biblioteca del Civic Center")
    await submit(page, "form[action$='/versions'] button[type=submit]")
    assert page.url.endswith("?done=version"), page.url
    version = page.locator("main section.card").first
    text = await version.inner_text()
    assert "La famiglia" in text and "La comunità" in text, text
    assert "Con: Doposcuola al Centro Civico" in text, text
    await check(page, axe, "the pact proposed", screen)


async def the_family_accepts(browser: Any, server: LiveServer, axe: str,  # noqa: F811
                             email: str) -> None:
    """The family's page is checked at both widths, then accepted without JavaScript."""
    probe = await desk(browser, server)
    try:
        mail = await wait_for_mail(await probe.new_page(), server, email, timeout=30)
    finally:
        await probe.close()
    match = LINK.search(mail["text"])
    assert match, mail["text"]
    path = f"/p/{match.group(1)}"
    for screen, make in SCREENS:
        context = await make(browser, server)
        try:
            page = await context.new_page()
            await visit(page, server, path)
            await check(page, axe, "the family's pact", screen)
            await visit(page, server, f"{path}?lang=en")
            assert await page.get_attribute("html", "lang") == "en"
            assert "Your goals" in await page.content()
            await check(page, axe, "the family's pact in English", "desktop")
            if screen == "phone":
                await fits(page, "the family's pact in English")
        finally:
            await context.close()
    family = await browser.new_context(locale="it-IT", viewport=PHONE, is_mobile=True,
                                       has_touch=True, java_script_enabled=False)
    family.set_default_timeout(8_000)
    try:
        page = await family.new_page()
        await visit(page, server, path)
        assert await page.locator("script").count() == 0
        family_text = await page.locator("main").inner_text()
        assert "La comunità" in family_text and "Doposcuola al Centro Civico" in family_text
        await page.locator("main form[action*='/accept'] button").focus()
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert "done=accepted" in page.url, page.url
        assert await page.locator("main .notice[role=status]").count() == 1
    finally:
        await family.close()


async def propose_the_linked_activity(page: Any, axe: str, screen: str) -> None:
    """The goal's Civic Center activity proposed to the family: refused until the family's
    consent to share with the Civic Center is recorded, then proposed to the child the
    school's record names, and the outcome shown on the goal."""
    form = "main form[action$='/enrolments/']"
    assert await page.locator("header nav a[href='/pacts/teams']").count() == 0
    await page.fill(f"{form} input[name=first_name]", "Omar")
    await submit(page, f"{form} button[type=submit]")
    assert await page.locator("main .error-summary a[href^='#enrol_']").count() == 1
    await check(page, axe, "a proposal refused without the consent to share", screen)
    await page.check("input[name=purpose][value=sharing]")
    await page.fill("#partner", "Civic Center Crema")
    await submit(page, "form[action$='/consents/'] button[type=submit]")
    await page.fill(f"{form} input[name=first_name]", "Omar")
    await submit(page, f"{form} button[type=submit]")
    assert page.url.endswith("?done=enrolment"), page.url
    text = await page.locator("main section.card").first.inner_text()
    assert "Omar: Proposta alla famiglia" in text, text
    await check(page, axe, "the activity proposed to the family", screen)


async def review_and_close(page: Any, server: LiveServer, axe: str, screen: str,
                           pact_id: str) -> None:
    when = (now() + timedelta(days=7)).astimezone(ITALY)
    await visit(page, server, f"/pacts/{pact_id}")
    await page.fill("#review_day", when.date().isoformat())
    await page.fill("#review_time", "17:30")
    await submit(page, "form[action$='/reviews/'] button[type=submit]")
    assert page.url.endswith("?done=review"), page.url
    await check(page, axe, "the pact with a review ahead", screen)

    await visit(page, server, "/pacts")
    row = page.locator("main table tbody tr").first
    assert "17:30" in await row.inner_text()
    assert not re.search(r"\d:\d\d:\d\d", await row.inner_text()), "times without seconds"
    await check(page, axe, "caseload", screen)
    if screen == "phone":
        await the_caseload_fits_the_phone(page)

    await visit(page, server, f"/pacts/{pact_id}")
    form = page.locator("main form[action*='/reviews/']").first
    await form.locator("select").first.select_option("started")
    await form.locator("input[name=ladder_before]").fill("3")
    await form.locator("input[name=ladder_after]").fill("5")
    await form.locator("textarea[name=summary]").fill("Il curriculum è quasi pronto.")
    await submit(page, "main form[action*='/reviews/'] button[type=submit]")
    assert page.url.endswith("?done=review"), page.url
    assert "3" in await page.locator("#reviews ~ section.card").first.inner_text()
    await check(page, axe, "the pact after the review", screen)

    await submit(page, "form[action$='/close'] button[type=submit]")
    assert await page.locator("main .error-summary a[href='#reason']").count() == 1
    await check(page, axe, "closure refused without a reason", screen)
    await page.select_option("#reason", "goals_reached")
    await page.select_option("#outcome", "partly")
    await submit(page, "form[action$='/close'] button[type=submit]")
    assert page.url.endswith("?done=closed"), page.url
    await check(page, axe, "the pact closed", screen)
    await page.click("a[href$='/access-log']")
    await check(page, axe, "the access log", screen)


async def the_caseload_fits_the_phone(page: Any) -> None:
    """One team's caseload keeps to three columns (the team is named in the caption), so
    on a 360 px phone nothing hides past the scroll region's edge; the region is named
    by the caption for a screen reader."""
    region = page.locator("main .table-wrap[role=region]")
    box = await region.evaluate(
        "(el) => ({client: el.clientWidth, scroll: el.scrollWidth,"
        " right: el.getBoundingClientRect().right, label: el.getAttribute('aria-labelledby')})")
    assert box["right"] <= PHONE["width"] and box["scroll"] <= box["client"], box
    assert "Crema" in await page.locator(f"#{box['label']}").inner_text()
    assert await page.locator("main table thead th").count() == 3


async def maker_journey(browser: Any, server: LiveServer, axe: str,  # noqa: F811
                        world: World, screen: str, make: Any, offer: str) -> UUID:
    email = f"amina.{screen}@example.it"
    context = await make(browser, server, world.maker_a)
    try:
        page = await context.new_page()
        await visit(page, server, "/pacts")
        await check(page, axe, "empty caseload" if screen == "desktop" else "caseload",
                    screen)
        pact_id = await refer(page, server, axe, screen, f"Amina Diallo ({screen})", email)
        await write_the_pact(page, axe, screen, offer)
        await the_family_accepts(browser, server, axe, email)
        await visit(page, server, f"/pacts/{pact_id}")
        assert "Attiva" in await page.locator("main .lead").inner_text()
        await propose_the_linked_activity(page, axe, screen)
        await review_and_close(page, server, axe, screen, pact_id)
    finally:
        await context.close()
    return UUID(pact_id)


async def the_admin_keeps_the_teams(browser: Any, server: LiveServer, axe: str,  # noqa: F811
                                    world: World, screen: str, make: Any) -> None:
    context = await make(browser, server, world.admin)
    try:
        page = await context.new_page()
        await visit(page, server, "/")
        await page.click("header nav a[href='/pacts/teams']")  # the menu's entry
        assert "Giulia Ferrandi" in await page.locator("main").inner_text()
        await check(page, axe, "the pact teams", screen)
        await page.fill("#email", "hr@rossi.example")
        await submit(page, "form[action='/pacts/teams/members'] button[type=submit]")
        assert await page.locator("main .error-summary a[href='#email']").count() == 1
        await check(page, axe, "the pact teams, someone refused", screen)
    finally:
        await context.close()


async def a_coordinator_of_two_teams_scrolls_the_caseload(
        browser: Any, server: LiveServer, axe: str, world: World) -> None:  # noqa: F811
    """Two teams' pacts: the team column comes back, and on the phone the table scrolls
    inside its region (reached with Tab, moved with the arrow keys), not the page."""
    await PactTeamMember(team=world.team_b, user=world.coordinator_a,
                         is_coordinator=True).save()
    await open_pact(world, world.maker_b)
    context = await phone(browser, server, world.coordinator_a)
    try:
        page = await context.new_page()
        await visit(page, server, "/pacts")
        assert await page.locator("main table thead th").count() == 4
        await check_page(page, axe, "a caseload of two teams")  # the page itself fits
        region = page.locator("main .table-wrap[role=region]")
        box = await region.evaluate("(el) => ({client: el.clientWidth, scroll: el.scrollWidth,"
                                    " right: el.getBoundingClientRect().right})")
        assert box["right"] <= PHONE["width"] and box["scroll"] > box["client"], box
        await tab_to(page, {"tag": "div"})
        await page.keyboard.press("ArrowRight")
        await page.wait_for_function(
            "() => document.querySelector('main .table-wrap').scrollLeft > 0")
    finally:
        await context.close()


async def test_the_maker_and_the_family_walk_the_pact(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    offer = f"activity:{(await make_activity(world, title='Doposcuola al Centro Civico')).id}"
    school = (await Organization.select(Organization.id).where(
        Organization.name == "IC Crema Uno").first())["id"]
    await ConsentNotice(version="2026-1", text_it="Informativa", text_en="Notice").save()
    for screen, _make in SCREENS:  # the school's record of each family, the child consented
        await school_family(world, school, screen, f"amina.{screen}@example.it", None,
                            {"Omar": True})
    async with asyncio.timeout(WHOLE_TEST_SECONDS):
        walked = [await maker_journey(browser, live_server, axe, world, screen, make, offer)
                  for screen, make in SCREENS]
        for screen, make in SCREENS:
            await the_admin_keeps_the_teams(browser, live_server, axe, world, screen, make)
        await a_coordinator_of_two_teams_scrolls_the_caseload(browser, live_server, axe, world)
    maker = await as_caller(world.maker_a)
    closed = {p.id: p.status for p in await service.caseload(maker)}
    assert [closed[pact_id] for pact_id in walked] == ["closed", "closed"]
