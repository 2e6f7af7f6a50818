"""Closing a wave in a real browser: a question first, then the final results."""

from __future__ import annotations

from typing import Any

from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.page_checks import (
    accessible,
    axe_source,
    check_page,
    desk,
    fits,
    labelled,
    phone,
)
from tests.surveys.waves.test_waves import add_person, make_world, open_new_wave


async def test_the_hr_manager_closes_a_wave_after_a_question_on_a_phone_and_a_desk(
        browser: Any, live_server: LiveServer) -> None:  # noqa: F811
    axe = axe_source()
    world = await make_world()
    for number in range(6):
        await add_person(world.a, f"A{number}", f"a{number}@rossi.example")
    for width, screen in (("360 px", phone), ("1280 px", desk)):
        wave = await open_new_wave(world, company=world.a, user=world.hr_a)
        context = await screen(browser, live_server, world.hr_a)
        try:
            page = await context.new_page()
            await page.goto(f"{live_server.url}/waves/{wave.id}")
            await page.click("text=Chiudi ora l'ondata")
            where = f"the closing question at {width}"
            assert await page.locator("h1").inner_text() == "Chiudere ora «Ondata di primavera»?"
            if screen is phone:
                await check_page(page, axe, where)  # fits, labelled, axe-clean, focus seen
            else:
                await labelled(page, where)
                await accessible(page, axe, where)
            await page.click("text=No, lasciala aperta")  # nothing happens
            assert page.url.endswith(f"/waves/{wave.id}")
            await page.click("text=Chiudi ora l'ondata")

            await page.click("text=Sì, chiudila e vedi i risultati")

            assert f"/portal/{world.a}/results/{wave.id}" in page.url, where
            notice = page.locator("p.notice[role=status]")
            assert "questi dati sono definitivi" in await notice.inner_text(), where
            await accessible(page, axe, f"the results at {width}")  # tables scroll by keys
            if screen is phone:
                await fits(page, f"the results at {width}")
        finally:
            await context.close()


async def test_the_reminders_and_the_mail_preview_read_well_on_a_phone(
        browser: Any, live_server: LiveServer) -> None:  # noqa: F811
    axe = axe_source()
    world = await make_world()
    await add_person(world.a, "A1", "a1@rossi.example")
    wave = await open_new_wave(world, company=world.a, user=world.hr_a)
    context = await phone(browser, live_server, world.hr_a)
    try:
        page = await context.new_page()
        await page.goto(f"{live_server.url}/waves/{wave.id}")
        await check_page(page, axe, "the wave page with its reminders")
        await page.click("text=Vedi l'invito e il promemoria come li ricevono le persone")
        assert await page.locator("h2").count() == 4  # invitation and reminder, it and en
        await check_page(page, axe, "the mail preview")
    finally:
        await context.close()
