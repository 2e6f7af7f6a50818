"""The company account as a way in: offered only where it works, and found on /me.

A company that signs in with links by e-mail has no identity provider, and its roster
employees no account a link could be sent to: "Account aziendale" would tell them a link
was sent and send none. A signed-in employee finds the surveys open for them on /me.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from surveys.tables import Invitation
from surveys.waves import service as waves
from surveys.waves import state as wave_clock
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.factories import make_user, post_form, sign_in
from tests.page_checks import accessible, axe_source, check_page, desk, labelled, phone, visit
from tests.surveys.waves.test_waves import (
    add_person,
    as_caller,
    make_world,
    new_wave,
    open_new_wave,
    with_company_signin,
)

SSO_BOX = 'name="channels" value="sso"'


async def test_a_company_with_sign_in_links_is_not_offered_the_company_account(client) -> None:
    world = await make_world()
    await sign_in(client, world.hr_a)
    page = f"/waves/new?version={world.version}"
    assert SSO_BOX not in (await client.get(page)).text
    refused = await post_form(client, "/waves/new", {
        "version_id": str(world.version), "title": "Ondata", "channels": "sso",
        "opens_on": str(wave_clock.today()),
        "closes_on": str(wave_clock.today() + timedelta(days=7))},
        page=page)
    assert refused.status_code == 422 and 'id="channels-error"' in refused.text
    assert "link" in refused.text and "codici" in refused.text

    await with_company_signin(world.a)
    assert SSO_BOX in (await client.get(page)).text
    made = await new_wave(world, user=world.hr_a, channels=["sso"], reminder_days=[])
    assert made.channels == ["sso"]


async def open_for_anna() -> tuple[Any, Any, Any]:
    world = await make_world()
    await with_company_signin(world.a)
    await add_person(world.a, "A1", "anna@rossi.example")
    anna = await make_user("anna@rossi.example", world.a, "employee", "Anna")
    wave = await open_new_wave(world, channels=["mail", "sso"], title="Bisogni di Rossi")
    return world, anna, wave


async def test_a_signed_in_employee_finds_the_open_survey_on_her_page(client) -> None:
    world, anna, wave = await open_for_anna()
    await with_company_signin(world.b)
    other = await open_new_wave(world, company=world.b, channels=["sso"], reminder_days=[],
                                title="Bisogni della Latteria")
    await sign_in(client, anna)
    page = (await client.get("/me")).text
    assert f'href="/waves/{wave.id}/answer"' in page and "Bisogni di Rossi" in page
    assert str(other.id) not in page and "Latteria" not in page

    await Invitation.update({Invitation.answered: True}).where(Invitation.wave == wave.id)
    page = (await client.get("/me")).text
    assert "Bisogni di Rossi" in page and f"/waves/{wave.id}/answer" not in page

    await waves.close_wave(await as_caller(world.staff), wave.id)
    assert "Bisogni di Rossi" not in (await client.get("/me")).text


async def test_the_open_survey_on_me_in_a_browser(browser: Any,  # noqa: F811
                                                   live_server: LiveServer) -> None:  # noqa: F811
    axe = axe_source()
    _world, anna, wave = await open_for_anna()
    for screen in (phone, desk):
        context = await screen(browser, live_server, anna)
        try:
            page = await context.new_page()
            await visit(page, live_server, "/me")
            link = page.get_by_role("link", name="Rispondi: Bisogni di Rossi")
            assert await link.get_attribute("href") == f"/waves/{wave.id}/answer"
            if screen is phone:
                await check_page(page, axe, "/me with an open survey")
            else:
                await labelled(page, "/me at 1280 px")
                await accessible(page, axe, "/me at 1280 px")
        finally:
            await context.close()
