"""A children's activity in a real browser: the coordinator records a care note from the
signed form, the operator reads the roster and takes attendance on a 360 px phone with
the keyboard alone and no JavaScript; the same pages at 1280 px. Every page is
axe-clean, labels its controls and fits the phone (tests/page_checks.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app import places
from app.auth.sessions import COOKIE, start_session
from app.clock import now
from civic.tables import Activity, Attendance, Pupil, PupilCare
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.civic.referrals.world import make_activity, make_family, make_world
from tests.page_checks import (
    PHONE,
    accessible,
    axe_source,
    check_page,
    labelled,
    open_disclosures,
    phone,
    visit,
)

NOTE = "Allergico alle arachidi"
DESKTOP = {"width": 1280, "height": 800}


async def desktop(chromium: Any, server: LiveServer, user: Any) -> Any:
    context = await chromium.new_context(locale="it-IT", viewport=DESKTOP)
    context.set_default_timeout(8_000)
    token = await start_session(user)
    await context.add_cookies([{"name": COOKIE, "value": token, "url": server.url,
                                "httpOnly": True, "secure": True, "sameSite": "Lax"}])
    return context


async def test_care_note_roster_and_attendance_on_a_phone_without_javascript(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    camp = await make_activity(world, title="Centro estivo «Sul Serio» per i più piccoli",
                               category="summer_camp", days=[0, 1, 2, 3, 4])
    today = now().date()
    await Activity.update({Activity.starts_on: today - timedelta(days=14),
                           Activity.ends_on: today + timedelta(days=14)}).where(
        Activity.id == camp.id)
    family, (first, second) = await make_family(world, pupils=(("Daniel", 8), ("Sara", 9)))
    _other, (daniel,) = await make_family(world, ref="F2", pupils=(("Daniel", 8),))
    await Pupil.update({Pupil.last_name: "Ferrari"}).where(Pupil.id == first)
    await Pupil.update({Pupil.last_name: "Okafor"}).where(Pupil.id == daniel)
    for pupil in (first, second, daniel):
        await places.request_place(camp.pool_id, "pupil", pupil, world.school_a)

    coordinator = await phone(browser, live_server, world.coord_a)
    try:
        page = await coordinator.new_page()
        await visit(page, live_server, f"/schools/{world.school_a}/families/{family}")
        care = page.locator(f"#p-{first} details:has(form[action$='/care']) > summary")
        # A control that opens a panel looks like one: underlined, with an arrow.
        look = await care.evaluate("s => [getComputedStyle(s).textDecorationLine, "
                                   "getComputedStyle(s, '::before').content]")
        assert look[0] == "underline" and look[1] == '"▸"', look
        await care.focus()
        await page.keyboard.press("Enter")  # the disclosure opens from the keyboard
        form = page.locator(f"form[action$='/pupils/{first}/care']")
        await form.locator("textarea[name=care_note]").fill(NOTE)
        await form.locator("input[name=pickup_persons]").fill("Nonna Lucia")
        async with page.expect_navigation():
            await form.locator("button[type=submit]").click()
        assert await page.locator("main .error-summary").count() == 1  # no signature date
        await check_page(page, axe, "the care form with its error")
        form = page.locator(f"form[action$='/pupils/{first}/care']")
        await form.locator("input[name=consent_on]").fill(
            (today - timedelta(days=2)).isoformat())
        async with page.expect_navigation():
            await form.locator("button[type=submit]").click()
        assert NOTE in await page.locator("main").inner_text()
        await open_disclosures(page)
        await check_page(page, axe, "a family with its care forms open")
    finally:
        await coordinator.close()
    assert await PupilCare.count() == 1

    operator = await phone(browser, live_server, world.operator)
    try:
        page = await operator.new_page()
        await visit(page, live_server, f"/civic/activities/{camp.id}/roster")
        text = await page.locator("main").inner_text()
        assert "Daniel Ferrari" in text and "Daniel Okafor" in text and NOTE in text
        await check_page(page, axe, "the roster")
        await visit(page, live_server, f"/civic/activities/{camp.id}/attendance")
        await check_page(page, axe, "the attendance register")
    finally:
        await operator.close()

    # No JavaScript at all: the register is a plain form, used from the keyboard.
    context = await browser.new_context(locale="it-IT", viewport=PHONE,
                                        has_touch=True, is_mobile=True,
                                        java_script_enabled=False)
    token = await start_session(world.operator)
    await context.add_cookies([{"name": COOKIE, "value": token, "url": live_server.url,
                                "httpOnly": True, "secure": True, "sameSite": "Lax"}])
    try:
        page = await context.new_page()
        await visit(page, live_server, f"/civic/activities/{camp.id}/attendance")
        for pupil, choice in ((first, "present"), (second, "absent"), (daniel, "present")):
            await page.locator(f"#mark-{pupil}-{choice}").focus()
            await page.keyboard.press("Space")
        await page.locator("main form[method=post] button[type=submit]").focus()
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert "2 presenti, 1 assenti" in await page.locator("main .notice").inner_text()
    finally:
        await context.close()
    marks = {(row["pupil"], row["present"]) for row in
             await Attendance.select(Attendance.pupil, Attendance.present)}
    assert {(str(p), v) for p, v in marks} == {(str(first), True), (str(second), False),
                                                (str(daniel), True)}

    wide = await desktop(browser, live_server, world.operator)
    try:
        page = await wide.new_page()
        for path in (f"/civic/activities/{camp.id}/roster",
                     f"/civic/activities/{camp.id}/attendance"):
            await visit(page, live_server, path)
            await labelled(page, f"{path} at 1280 px")
            await accessible(page, axe, f"{path} at 1280 px")
    finally:
        await wide.close()


async def test_a_class_of_signed_forms_on_a_phone(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    for ref in ("F1", "F2", "F3"):
        await make_family(world, ref=ref, pupils=(("Daniel", 8),), consent=False)
    path = f"/schools/{world.school_a}/consents/class?class_name=3A"
    coordinator = await phone(browser, live_server, world.coord_a)
    try:
        page = await coordinator.new_page()
        await visit(page, live_server, path)
        await check_page(page, axe, "a class's consent forms")
        await page.locator("main input[type=checkbox][name^=signed-]").first.check()
        async with page.expect_navigation():
            await page.locator("main form[method=post] button[type=submit]").click()
        assert await page.locator("main .error-summary").count() == 1  # no signature day
        await check_page(page, axe, "a class's consent forms with an error")
        await page.locator("#signed_on").fill(today_iso())
        async with page.expect_navigation():
            await page.locator("main form[method=post] button[type=submit]").click()
        assert await page.locator("main .notice[role=status]").count() == 1
    finally:
        await coordinator.close()
    wide = await desktop(browser, live_server, world.coord_a)
    try:
        page = await wide.new_page()
        await visit(page, live_server, path)
        await labelled(page, "a class's consent forms at 1280 px")
        await accessible(page, axe, "a class's consent forms at 1280 px")
    finally:
        await wide.close()


def today_iso() -> str:
    return now().date().isoformat()
