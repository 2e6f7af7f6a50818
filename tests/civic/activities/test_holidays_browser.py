"""The school holidays page in Chromium on a 360 px phone, and its error state: fits,
labels, axe-core, visible focus (tests/page_checks.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from civic.tables import SchoolHoliday
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.factories import make_org, make_user
from tests.page_checks import axe_source, check_page, phone, visit


async def test_the_holidays_page_on_a_phone(live_server: LiveServer, browser: Any,  # noqa: F811
                                            ) -> None:
    axe = axe_source()
    program = await make_org("program", "FareLegami", "Cremona")
    admin = await make_user("admin@farelegami.example", program, "program_admin")
    await SchoolHoliday(first_day=date(2026, 12, 23), last_day=date(2027, 1, 6),
                        name="Vacanze di Natale").save()
    context = await phone(browser, live_server, admin)
    try:
        page = await context.new_page()
        await visit(page, live_server, "/civic/holidays")
        await check_page(page, axe, "the school holidays")
        await page.locator("#name").fill("Carnevale")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Aggiungi la vacanza").click()
        assert await page.locator("main .error-summary").count() == 1
        await check_page(page, axe, "the school holidays' error state")
    finally:
        await context.close()
