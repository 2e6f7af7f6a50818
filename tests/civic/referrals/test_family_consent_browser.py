"""A parent gives the consent for a second child from the family's link, in a real
browser on a 360 px phone with no JavaScript: the form forgotten a name comes back with
the error, the ticks kept; then it is recorded. The page and its error state pass the
four checks of tests/page_checks.py (fits, labels, axe, visible focus)."""

from __future__ import annotations

import asyncio
from typing import Any

from civic.consents import service as consents
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from civic.tables import Pupil
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.civic.referrals.world import (
    as_caller,
    born,
    link_in_last_mail,
    mails_to,
    make_activity,
    make_family,
    make_world,
)
from tests.page_checks import PHONE, axe_source, check_page, open_disclosures, phone, visit


async def mailed_link() -> str:
    """The link the live server's job mails to the family (it replaces any other)."""
    for _attempt in range(200):
        if await mails_to("famiglia@example.it"):
            return await link_in_last_mail("famiglia@example.it")
        await asyncio.sleep(0.05)
    raise AssertionError("the proposal mail was not sent")


async def test_a_parent_gives_consent_on_a_phone_without_javascript(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    family, (luca,) = await make_family(world, pupils=(("Luca", 8),))
    sara = Pupil(family=family, first_name="Sara", birth_year=born(10), class_name="5A")
    await sara.save()
    info = await make_activity(world)
    await referrals.propose(await as_caller(world.coord_a), world.school_a,
                            ReferralCreate(luca, info.id))
    path = f"/f/{await mailed_link()}"

    checked = await phone(browser, live_server)
    try:
        page = await checked.new_page()
        await visit(page, live_server, path)
        await open_disclosures(page)
        await check_page(page, axe, "the family's page with the consent form")
        async with page.expect_navigation():
            await page.locator("form[action*='/consent'] button").click()
        assert await page.locator("main .error-summary").count() == 1
        await open_disclosures(page)
        await check_page(page, axe, "the consent form's error state")
    finally:
        await checked.close()

    context = await browser.new_context(locale="it-IT", viewport=PHONE, has_touch=True,
                                        is_mobile=True, java_script_enabled=False)
    try:
        page = await context.new_page()
        await visit(page, live_server, path)
        consent = page.locator("main #consent")
        assert "Sara: nessun consenso" in await consent.inner_text()
        await consent.locator("summary").click()
        await page.get_by_label("Sara", exact=True).check()
        await page.get_by_label("Foto e video di Sara").check()
        async with page.expect_navigation() as sent:
            await page.get_by_role("button", name="Do il mio consenso").click()
        assert (await sent.value).status == 422
        error = page.locator("#given_by-error")
        assert "Scrivi il tuo nome" in await error.inner_text()
        assert await page.get_attribute("#given_by", "aria-invalid") == "true"
        assert await page.locator("#consent-" + str(sara.id)).is_checked()
        await page.locator("#given_by").fill("Anna Rossi")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Do il mio consenso").click()
        assert "done=consent" in page.url
        assert await page.locator("main .notice[role=status]").count() == 1
        assert "Sara: consenso dato il" in await page.locator("main #consent").inner_text()
    finally:
        await context.close()
    state = (await consents.consent_states([sara.id]))[sara.id]
    assert state.consent is not None and state.consent.source == "link"
    assert state.consent.photo_release is True and state.consent.given_by == "Anna Rossi"
