"""The civic pages in a real browser on a 360 px phone: the school coordinator's families,
a family's page with its consent form, suggestions and proposals; the family's own page
from the mailed link, accepted with the keyboard alone; the operator's activity form;
the employee's /me/activities. Every page fits the screen, passes axe-core, labels its
form controls and shows where the focus is (tests/page_checks.py). One server and one
Chromium for the module: Chromium is slow.
"""

from __future__ import annotations

from typing import Any

from app import places
from civic.activities.schemas import FeeBand
from civic.tables import Activity, Referral
from tests.browser import LiveServer, browser, live_server, wait_for_mail  # noqa: F401
from tests.civic.referrals.world import LINK, World, make_activity, make_family, make_world
from tests.factories import make_org, make_user
from tests.page_checks import axe_source, check_page, open_disclosures, phone, tab_to, visit

FAMILY = "famiglia.rossi@example.it"


async def activities(world: World) -> dict[str, Any]:
    """Three published activities in Crema for an eight-year-old, with long Italian names,
    fees by ISEE band and a full one; and a draft."""
    after_school = await make_activity(
        world, title="Doposcuola e aiuto compiti al Centro Civico di Crema Nuova",
        description="Compiti, merenda e giochi.\nPortare il diario.",
        accessibility="Accesso senza gradini, bagno accessibile.", languages=["it", "ar", "ro"])
    camp = await make_activity(
        world, title="Centro estivo «Sul Serio»", category="summer_camp", days=[0, 1, 2, 3, 4],
        start_time="08:30", end_time="16:30", cost_kind="isee",
        fee_bands=[FeeBand(2000, 10000), FeeBand(6000)])
    full = await make_activity(world, title="Laboratorio di musica", category="culture",
                               capacity=1)
    draft = await make_activity(world, title="Corso di italiano L2", category="language",
                                publish=False)
    return {"after_school": after_school, "camp": camp, "full": full, "draft": draft}


async def test_coordinator_pages_and_the_family_accepting_with_the_keyboard(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    offers = await activities(world)
    family, (luca, sara) = await make_family(world, ref="FAM-2026-0001", email=FAMILY,
                                             pupils=(("Luca", 8), ("Sara", 10)))
    for number in range(2, 6):
        await make_family(world, ref=f"FAM-2026-{number:04d}", email=None,
                          pupils=(("Giovanni Battista", 9),), consent=number % 2 == 0)
    await make_family(world, ref="FAM-2026-0009", email="altra@example.it",
                      pupils=(("Aisha", 7),), consent=False)
    school = world.school_a

    coordinator = await phone(browser, live_server, world.coord_a)
    try:
        page = await coordinator.new_page()
        await visit(page, live_server, f"/schools/{school}/families")
        assert await page.locator("main table tbody tr").count() == 6
        await check_page(page, axe, "families")
        await visit(page, live_server, f"/schools/{school}/families?q=FAM-2026-0001")
        await check_page(page, axe, "families, searched")

        family_page = f"/schools/{school}/families/{family}"
        await visit(page, live_server, family_page)
        await check_page(page, axe, "a family")
        await open_disclosures(page)
        assert await page.locator("main form[action$='/consent']").count() == 2
        await check_page(page, axe, "a family, with the consent forms open")
        unconsented = (await make_family(world, ref="FAM-2026-0010", email=None,
                                         pupils=(("Marco", 15),), consent=False))[0]
        await visit(page, live_server, f"/schools/{school}/families/{unconsented}")
        consent = page.locator("main details:has(form[action$='/consent']) > summary")
        await consent.focus()
        await page.keyboard.press("Enter")  # the disclosure opens from the keyboard
        assert await page.locator("main form[action$='/consent'] input[name=given_by]"
                                  ).is_visible()
        await check_page(page, axe, "a family without consent, its consent form open")
        await open_disclosures(page)  # the family's details, corrected with a bad language
        await page.locator("#family-language").fill("lingua di Marte!")
        async with page.expect_navigation():
            await page.locator("#family-language").press("Enter")
        summary = page.locator("main .error-summary a[href='#family-language']")
        assert await summary.count() == 1
        await check_page(page, axe, "a family's details with an error")
        await summary.focus()
        await page.keyboard.press("Enter")  # the summary leads to the field, not the header
        await page.wait_for_function("document.activeElement.id === 'family-language'")

        suggestions = f"{family_page}/suggestions"
        await visit(page, live_server, suggestions)
        await open_disclosures(page)
        await check_page(page, axe, "suggestions")
        propose = page.locator(f"#pupil-{luca} form:has(input[name=activity_id]"
                               f"[value='{offers['after_school'].id}']) button")
        async with page.expect_navigation():
            await propose.click()
        assert await Referral.count().where(Referral.pupil == luca) == 1
        await check_page(page, axe, "suggestions after proposing")
        await visit(page, live_server, f"/schools/{school}/referrals")
        assert await page.locator("main table tbody tr").count() == 1
        await check_page(page, axe, "the school's proposals")
    finally:
        await coordinator.close()

    family_phone = await phone(browser, live_server)
    try:
        page = await family_phone.new_page()
        mail = await wait_for_mail(page, live_server, FAMILY, timeout=20)
        match = LINK.search(mail["text"])
        assert match, mail["text"]
        await visit(page, live_server, f"/f/{match.group(1)}")
        await check_page(page, axe, "the family's page")
        accept = page.locator("main form[action*='/accept'] button")
        wanted = (await accept.inner_text()).strip()
        await tab_to(page, {"tag": "button", "text": wanted})
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert await page.locator("main [role=status]").count() == 1
        pool = (await Activity.select(Activity.pool).where(
            Activity.id == offers["after_school"].id).first())["pool"]
        seat = await places.seat_of(pool, "pupil", luca)
        assert seat is not None and seat.status == "enrolled"
        assert await places.seat_of(pool, "pupil", sara) is None
        await check_page(page, axe, "the family's page, enrolled")
        await open_disclosures(page)
        await check_page(page, axe, "the family's page, enrolled, giving up open")
    finally:
        await family_phone.close()


async def test_operator_activity_pages_and_the_employees_activities(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    offers = await activities(world)
    company = await make_org("company", "Officine Meccaniche Rossi e Figli S.p.A.", "Crema")
    employee = await make_user("anna@rossi.example", company, "employee", "Anna")
    family, (luca,) = await make_family(world, pupils=(("Luca", 8),))
    _other, (giulia,) = await make_family(world, ref="F2", pupils=(("Giulia", 9),))
    full_pool = (await Activity.select(Activity.pool).where(
        Activity.id == offers["full"].id).first())["pool"]
    await places.request_place(full_pool, "pupil", luca, world.school_a)
    await places.request_place(full_pool, "pupil", giulia, world.school_a)  # waits

    operator = await phone(browser, live_server, world.operator)
    try:
        page = await operator.new_page()
        await visit(page, live_server, "/civic/activities")
        await check_page(page, axe, "the operator's activities")
        await visit(page, live_server, "/civic/activities/new")
        await check_page(page, axe, "the new activity form")
        async with page.expect_navigation():
            await page.locator("main form button[type=submit]").last.click()
        assert await page.locator("main .error-summary").count() == 1
        await check_page(page, axe, "the new activity form with errors")
        for path in (f"/civic/activities/{offers['full'].id}",
                     f"/civic/activities/{offers['full'].id}/roster",
                     f"/civic/activities/{offers['camp'].id}/edit"):
            await visit(page, live_server, path)
            await check_page(page, axe, path)
    finally:
        await operator.close()

    person = await phone(browser, live_server, employee)
    try:
        page = await person.new_page()
        await visit(page, live_server, "/me/activities")
        text = await page.locator("main").inner_text()
        assert offers["after_school"].title in text and offers["draft"].title not in text
        await check_page(page, axe, "/me/activities")
    finally:
        await person.close()
