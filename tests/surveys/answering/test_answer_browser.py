"""Answering on a phone in a real browser: touch, keyboard, no script, axe-core.

Chromium (Debian's) opens the app served by uvicorn (tests/browser.py) on a 360×740
touch screen. axe-core comes from tests/axe (`npm ci --prefix tests/axe`, run by
.ci/test-deps); without it, or without Chromium, the tests skip locally and fail on CI.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from surveys.tables import Ballot, Invitation
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.surveys.answering.test_answering import build_wave, invite

PHONE = {"width": 360, "height": 740}
AXE = Path(__file__).resolve().parents[2] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
OVERFLOW = """(limit) => ({
  width: document.documentElement.scrollWidth,
  culprits: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')),
})"""
FOCUSED = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.getAttribute('type'),
          value: el.getAttribute('value'), name: el.getAttribute('name')};
}"""
AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(
  v => ({id: v.id, impact: v.impact, help: v.help,
         nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"""


def _axe_source() -> str:
    if AXE.is_file():
        return AXE.read_text()
    reason = f"axe-core not found at {AXE} (run: npm ci --prefix tests/axe)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"accessibility tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


async def _phone(browser: Any, javascript: bool = True) -> Any:  # noqa: F811
    context = await browser.new_context(locale="it-IT", viewport=PHONE, has_touch=True,
                                        is_mobile=True, java_script_enabled=javascript)
    context.set_default_timeout(5_000)
    return context


@pytest.fixture
async def phone(browser: Any) -> AsyncIterator[Any]:  # noqa: F811
    context = await _phone(browser)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def _fits(page: Any) -> None:
    overflow = await page.evaluate(OVERFLOW, PHONE["width"])
    assert overflow["width"] <= PHONE["width"], overflow["culprits"]


async def _accessible(page: Any, source: str, where: str) -> None:
    """axe-core in the page (evaluated, as the CSP forbids inline scripts): no serious or
    critical violation."""
    await page.evaluate(source)
    violations = await page.evaluate(AXE_RUN)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"{where}: {bad}"


async def _tap_choice(page: Any, name: str, value: str) -> None:
    await page.tap(f"label.choice:has(input[name='{name}'][value='{value}'])")
    assert await page.is_checked(f"input[name='{name}'][value='{value}']")


async def _tab_to(page: Any, wanted: dict[str, str], limit: int = 30) -> None:
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        if all(focused.get(key) == value for key, value in wanted.items()):
            return
    raise AssertionError(f"Tab never reached {wanted}")


async def _submit(page: Any, key: str = "Enter") -> None:
    async with page.expect_navigation():
        await page.keyboard.press(key)


async def test_a_whole_survey_answered_by_touch_and_keyboard_without_javascript(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    built = await build_wave()
    person = await invite(built)
    context = await _phone(browser, javascript=False)
    try:
        page = await context.new_page()
        await page.goto(f"{live_server.url}{person['path']}")
        assert await page.locator("script").count() == 0
        await _fits(page)
        async with page.expect_navigation():
            await page.tap("main a.button")
        assert "Sezione 1 di 2" in await page.locator(".progress").inner_text()

        await _tap_choice(page, "a_children", "yes")
        await page.tap("#a_household")
        await page.keyboard.type("3")
        await _submit(page)  # Enter in a field is "Next"; "yes" opened a question
        assert await page.locator("main [role=status]").count() == 1
        # Focus is back on the answer that opened the question, which comes next.
        focused = await page.evaluate(FOCUSED)
        assert (focused["name"], focused["value"]) == ("a_children", "yes"), focused
        await page.keyboard.press("Tab")
        assert (await page.evaluate(FOCUSED))["name"] == "a_ages"
        await _tab_to(page, {"name": "a_ages", "value": "4_10"})
        await page.keyboard.press("Space")
        assert await page.is_checked("input[name='a_ages'][value='4_10']")
        await _tab_to(page, {"tag": "button", "value": "next"})
        await _submit(page)
        assert "Sezione 2 di 2" in await page.locator(".progress").inner_text()
        await _fits(page)

        await _tab_to(page, {"name": "a_stress"})
        await page.keyboard.press("ArrowRight")  # radios move with the arrow keys
        await page.keyboard.press("ArrowRight")
        assert await page.is_checked("input[name='a_stress'][value='3']")
        await _tap_choice(page, "a_services__nursery", "would")
        await _tap_choice(page, "a_services__camp", "no")
        await page.tap("#a_idea")
        await page.keyboard.type("Orari più flessibili")
        async with page.expect_navigation():
            await page.tap("button[value=submit]")
        assert "Grazie" in await page.locator("h1").inner_text()
        await _fits(page)
    finally:
        await context.close()
    assert await Ballot.count() == 1
    assert await Invitation.select(Invitation.answered).first() == {"answered": True}


async def test_notice_section_errors_and_thank_you_pass_axe(
    live_server: LiveServer, phone: Any,  # noqa: F811
) -> None:
    source = _axe_source()
    built = await build_wave()
    person = await invite(built)
    page = phone
    await page.goto(f"{live_server.url}{person['path']}")
    await _accessible(page, source, "privacy notice")

    await page.goto(f"{live_server.url}{person['path']}/1")
    await _accessible(page, source, "section 1")
    await _fits(page)
    async with page.expect_navigation():
        await page.tap("button[value=next]")
    assert await page.locator(".error-summary").count() == 1
    await _accessible(page, source, "section 1 with errors")
    await _fits(page)
    # The summary's links lead to the fields, and the page keeps working by keyboard.
    await page.tap(".error-summary a >> nth=0")
    assert (await page.evaluate(FOCUSED))["name"] == "a_children"

    await _tap_choice(page, "a_children", "no")
    await page.fill("#a_household", "2")
    async with page.expect_navigation():
        await page.tap("button[value=next]")
    await _accessible(page, source, "section 2 (scale and grid)")
    await _fits(page)
    await _tap_choice(page, "a_stress", "5")
    await _tap_choice(page, "a_services__nursery", "use")
    await _tap_choice(page, "a_services__camp", "use")
    async with page.expect_navigation():
        await page.tap("button[value=submit]")
    await _accessible(page, source, "thank-you page")

    await page.goto(f"{live_server.url}/codice")
    await _accessible(page, source, "access-code page")
    await _fits(page)
