"""The half-year's page in a real browser: on a 360 px phone and a 1280 px screen it
fits, passes axe-core, labels its fields and shows the focus, also when a narrative is
refused (the error state is a page) and once the half-year is frozen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.community.program.test_funder_report import spring_world
from tests.page_checks import accessible, axe_source, check_page, desk, labelled, phone, visit

HALF = "/program/report?year=2026&half=1"
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


async def test_staff_write_refuse_and_freeze_a_half_year_in_the_browser(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    spring = await spring_world()
    context = await phone(browser, live_server, spring.staff)
    try:
        page = await context.new_page()
        await visit(page, live_server, HALF)
        await check_page(page, axe, HALF)
        await page.fill("#narrative_labs", "Il laboratorio Turni ha ridisegnato gli orari.")
        await page.fill("#narrative_pacts", "x" * 6_001)
        await page.click("form#narrative button[type=submit]")
        alert = page.locator("[role=alert]")
        assert "6001" in (await alert.inner_text()).replace(".", "")
        assert await page.get_attribute("#narrative_pacts", "aria-invalid") == "true"
        await check_page(page, axe, "narrative refused")
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "half-year-refused-360.png"), full_page=True)

        await page.fill("#narrative_pacts", "Due patti firmati a Crema.")
        await page.click("form#narrative button[type=submit]")
        assert "Due patti firmati a Crema." in await page.input_value("#narrative_pacts")
        await page.click("#freeze")
        main = await page.locator("main").inner_text()
        assert "Due patti firmati a Crema." in main and "Congelato il" in main
        assert await page.locator("#narrative_pacts").count() == 0
        await check_page(page, axe, "frozen")
    finally:
        await context.close()
    context = await desk(browser, live_server, spring.staff)
    try:
        page = await context.new_page()
        for path in (HALF, "/program/report"):
            await visit(page, live_server, path)
            await labelled(page, path)
            await accessible(page, axe, path)
            if path == HALF:
                await page.screenshot(path=str(SHOTS / "half-year-frozen-1280.png"),
                                      full_page=True)
    finally:
        await context.close()
