"""A family with no e-mail whose language is Arabic, in a real browser: the school's
proposals page offers the letter; the family types the letter's code on a 360 px phone
with no JavaScript, reads the proposal's Arabic lines right to left and accepts with the
keyboard. Pages axe-clean at 360 and 1280 px (tests/page_checks.py)."""

from __future__ import annotations

from typing import Any

from civic.referrals import letter as referral_letters
from civic.referrals import service as referrals
from civic.referrals.schemas import ReferralCreate
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.civic.referrals.test_family_reach import code_of, docx_text
from tests.civic.referrals.world import as_caller, make_activity, make_family, make_world
from tests.civic.test_children_browser import desktop
from tests.page_checks import (
    PHONE,
    accessible,
    axe_source,
    check_page,
    fits,
    focus_is_visible,
    labelled,
    open_disclosures,
    phone,
    visit,
)


async def phone_checks(page: Any, axe: str, where: str) -> None:
    """check_page's promises for a page that is not in Italian."""
    await fits(page, where)
    await labelled(page, where)
    await accessible(page, axe, where)
    await focus_is_visible(page, where)


async def test_an_arabic_family_without_e_mail_answers_from_the_letter_without_javascript(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    info = await make_activity(world, title="Doposcuola al Centro Civico")
    _family, (pupil,) = await make_family(world, email=None, language="ar",
                                          pupils=(("Amir", 8),))
    coordinator_caller = await as_caller(world.coord_a)
    referral = await referrals.propose(coordinator_caller, world.school_a,
                                       ReferralCreate(pupil, info.id))

    coordinator = await phone(browser, live_server, world.coord_a)
    try:
        page = await coordinator.new_page()
        await visit(page, live_server, f"/schools/{world.school_a}/referrals")
        assert await page.locator("main a[href$='/letter.docx']").count() == 1
        await check_page(page, axe, "the proposals, one by letter")
    finally:
        await coordinator.close()
    _name, data = await referral_letters.letter_for(coordinator_caller, world.school_a,
                                                    referral.id)
    code = code_of(docx_text(data))

    family = await phone(browser, live_server)
    try:
        page = await family.new_page()
        await visit(page, live_server, "/f")
        await check_page(page, axe, "the letter's code page")
        await visit(page, live_server, f"/f/{code}")
        # The page itself is in the family's language, right to left (issue 17).
        assert (await page.get_attribute("html", "lang"),
                await page.get_attribute("html", "dir")) == ("ar", "rtl")
        assert "نشاط من أجل Amir" in await page.locator("main h1").inner_text()
        assert "نعم، أريده" in await page.locator("main form[action*='/accept']").inner_text()
        await open_disclosures(page)
        await phone_checks(page, axe, "the family's page in Arabic")
        await visit(page, live_server, f"/f/{code}?lang=it")
        own = page.locator("main section[lang=ar][dir=rtl]")
        assert "تقترح مدرسة" in await own.inner_text()
        await check_page(page, axe, "the family's Italian page with its Arabic lines")
    finally:
        await family.close()

    context = await browser.new_context(locale="ar", viewport=PHONE, has_touch=True,
                                        is_mobile=True, java_script_enabled=False)
    try:
        page = await context.new_page()
        await visit(page, live_server, "/f")
        await page.locator("#code").focus()
        await page.keyboard.type(f"{code[:4].lower()}-{code[4:8]} {code[8:]}")
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert page.url.endswith(f"/f/{code}")
        await page.locator("main form[action*='/accept'] button").focus()
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert await page.locator("main .notice[role=status]").count() == 1
    finally:
        await context.close()
    assert (await referrals.get_referral(coordinator_caller, world.school_a,
                                         referral.id)).state == "enrolled"

    wide = await desktop(browser, live_server, world.coord_a)
    try:
        page = await wide.new_page()
        for path in (f"/schools/{world.school_a}/referrals", "/f", f"/f/{code}"):
            await visit(page, live_server, path)
            await labelled(page, f"{path} at 1280 px")
            await accessible(page, axe, f"{path} at 1280 px")
    finally:
        await wide.close()
