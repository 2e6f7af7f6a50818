"""The home page says what to do next: the set-up step, the open wave, the results."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.tables import Organization
from surveys.waves import service as waves
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.factories import make_user, sign_in
from tests.page_checks import accessible, axe_source, check_page, desk, phone
from tests.surveys.waves.test_waves import add_person, as_caller, make_world, new_wave


async def test_an_hr_manager_of_a_company_not_ready_is_led_to_the_step_to_do(client) -> None:
    world = await make_world()
    await Organization.update({Organization.status: "configuring"}).where(
        Organization.id == world.a)
    await sign_in(client, world.hr_a)

    home = await client.get("/")

    assert "Officine Rossi non è ancora pronta: passo 2 di 6" in home.text
    assert f'href="/portal/{world.a}/onboarding/' in home.text
    assert f'href="/portal/{world.a}"' in home.text  # the company's card leads to its portal


async def test_an_active_company_is_asked_for_a_first_wave_then_led_through_it(
    client,
) -> None:
    world = await make_world()
    await sign_in(client, world.hr_a)
    assert 'href="/waves/new"' in (await client.get("/")).text  # no wave yet

    await add_person(world.a, "A1", "a1@rossi.example")
    wave = await new_wave(world, company=world.a, user=world.hr_a,
                          closes_on=waves.today() + timedelta(days=20))
    await waves.open_wave(await as_caller(world.hr_a), wave.id)
    home = await client.get("/")
    assert "«Ondata di primavera» è aperta; ultimo giorno:" in home.text
    assert f'href="/waves/{wave.id}"' in home.text and 'href="/waves/new"' not in home.text

    await waves.close_wave(await as_caller(world.hr_a), wave.id)
    home = await client.get("/")
    assert "I risultati di «Ondata di primavera» sono pronti" in home.text
    assert f'href="/portal/{world.a}/results/{wave.id}"' in home.text


async def test_an_active_company_without_a_provider_has_done_every_step_it_needs(
    client,
) -> None:
    world = await make_world()  # active, as the staff's companies are, with no provider
    await add_person(world.a, "A1", "a1@rossi.example")
    await sign_in(client, world.hr_a)

    portal = await client.get(f"/portal/{world.a}")
    wizard = await client.get(f"/portal/{world.a}/onboarding")

    assert "Ogni passo necessario è fatto" in portal.text
    assert "Da fare" not in wizard.text
    assert "non è ancora pronta" not in (await client.get("/")).text


async def test_an_employee_has_nothing_to_do_on_the_home_page(client) -> None:
    world = await make_world()
    employee = await make_user("anna@rossi.example", world.a, "employee")
    await sign_in(client, employee)

    home = await client.get("/")

    assert home.status_code == 200 and "Cosa fare adesso" not in home.text


async def test_the_next_steps_read_well_on_a_phone_and_a_desk(
        browser: Any, live_server: LiveServer) -> None:  # noqa: F811
    axe = axe_source()
    world = await make_world()
    await Organization.update({Organization.status: "configuring"}).where(
        Organization.id == world.a)
    for screen in (phone, desk):
        context = await screen(browser, live_server, world.hr_a)
        try:
            page = await context.new_page()
            await page.goto(f"{live_server.url}/")
            where = f"the home page on a {screen.__name__}"
            await page.click("text=Continua l'attivazione")
            assert page.url.endswith(f"/portal/{world.a}/onboarding/provider"), where
            await page.go_back()
            if screen is phone:
                await check_page(page, axe, where)
            else:
                await accessible(page, axe, where)
        finally:
            await context.close()
