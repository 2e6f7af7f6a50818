"""The pages in a real browser: small screens, keyboard, the sign-in link, no JavaScript.

The app runs under uvicorn with its embedded job worker (tests/browser.py); Chromium is
Debian's. The page texts are read from the DOM, not hard-coded, so these tests hold in any
language the catalogs reach; the browser asks for Italian, as the people of the program do.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.auth.sessions import COOKIE, start_session
from tests.browser import LiveServer, browser, live_server, wait_for_mail  # noqa: F401
from tests.factories import make_org, make_user

PHONE = {"width": 360, "height": 740}
MIN_TARGET = 44  # px: the touch-target size of WCAG 2.5.5
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
          type: el.getAttribute('type'), href: el.getAttribute('href'),
          text: (el.innerText || '').trim(), outline: style.outlineStyle,
          outlineWidth: parseFloat(style.outlineWidth),
          left: box.left, right: box.right, top: box.top, bottom: box.bottom};
}"""
OVERFLOW = """(limit) => ({
  width: document.documentElement.scrollWidth,
  culprits: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
               + ' → ' + Math.round(el.getBoundingClientRect().right) + 'px'),
})"""


@pytest.fixture
async def context(browser: Any) -> AsyncIterator[Any]:  # noqa: F811
    ctx = await browser.new_context(locale="it-IT", viewport=PHONE)
    ctx.set_default_timeout(5_000)
    try:
        yield ctx
    finally:
        await ctx.close()


async def _html_page(navigation: Any) -> None:
    """The page the browser landed on is HTML (a form answer in JSON shows as raw text)."""
    response = await navigation.value
    assert response is not None
    kind = response.headers.get("content-type", "")
    assert kind.startswith("text/html"), (
        f"{response.request.method} {response.url} answered {response.status} as {kind!r}: "
        "the browser shows the page's source as text"
    )


async def _program_admin(server: LiveServer, ctx: Any) -> None:
    """A program admin with a few realistic organizations, signed in through the cookie."""
    program = await make_org(kind="program", name="FareLegami", town="Crema")
    await make_org(kind="school", name="Istituto Comprensivo Statale Crema Uno «Falcone»",
                   town="Crema", domains=("ic-crema-uno.edu.it", "istruzione-crema.example"))
    await make_org(kind="civic_center", name="Centro Civico di Casalmaggiore",
                   town="Casalmaggiore")
    await make_org(kind="company", name="Officine Meccaniche Rossi e Figli S.p.A.",
                   town="Cremona", domains=("officinemeccanicherossi.example",))
    admin = await make_user("admin@farelegami.example", program, "program_admin", "Chiara")
    token = await start_session(admin)
    await ctx.add_cookies([{"name": COOKIE, "value": token, "url": server.url,
                            "httpOnly": True, "secure": True, "sameSite": "Lax"}])


async def test_secure_cookies_are_kept_over_http_on_loopback(live_server: LiveServer,  # noqa: F811
                                                             context: Any) -> None:
    page = await context.new_page()
    await page.goto(f"{live_server.url}/signin")
    cookies = {c["name"]: c for c in await context.cookies(live_server.url)}
    assert "legami_csrf" in cookies, "Chromium dropped the Secure CSRF cookie on 127.0.0.1"
    assert cookies["legami_csrf"]["secure"] is True


@pytest.mark.parametrize(
    ("path", "admin"),
    [("/", False), ("/signin", False), ("/admin/organizations", True), ("/", True)],
    ids=["welcome", "signin", "admin-organizations", "home-admin"],
)
async def test_pages_fit_a_360px_phone_with_large_buttons(
    live_server: LiveServer, context: Any, path: str, admin: bool,  # noqa: F811
) -> None:
    if admin:
        await _program_admin(live_server, context)
    page = await context.new_page()
    response = await page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200
    assert page.url == f"{live_server.url}{path}", "the page redirected elsewhere"
    if path == "/admin/organizations":
        assert await page.locator("main table tbody tr").count() == 4

    overflow = await page.evaluate(OVERFLOW, PHONE["width"])
    assert overflow["width"] <= PHONE["width"], overflow["culprits"]

    buttons = page.locator("main button, main a.button")
    assert await buttons.count() >= 1
    for index in range(await buttons.count()):
        button = buttons.nth(index)
        box = await button.bounding_box()
        assert box is not None
        label = (await button.inner_text()).strip()
        assert box["height"] >= MIN_TARGET, f"{label!r} is {box['height']}px tall"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label


async def test_keyboard_skips_to_content_and_reaches_the_form_with_visible_focus(
    live_server: LiveServer, context: Any,  # noqa: F811
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_server.url}/signin")
    assert await page.get_attribute("html", "lang") == "it"

    await page.keyboard.press("Tab")
    skip = await page.evaluate(FOCUSED)
    assert (skip["tag"], skip["href"]) == ("a", "#main"), skip
    assert skip["text"], "the skip link has no text"
    assert skip["text"] == (await page.locator("a.skip").inner_text()).strip()
    assert skip["left"] >= 0 and skip["top"] >= 0, "the focused skip link stays off screen"
    assert skip["outline"] != "none" and skip["outlineWidth"] > 0, skip

    await page.keyboard.press("Enter")
    await page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")

    reached = []
    for _ in range(6):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        reached.append(focused)
        if focused["tag"] == "button":
            break
    names = [(f["tag"], f["id"] or f["type"]) for f in reached]
    assert names[0] == ("input", "email"), f"after main, Tab went to {names}"
    assert names[-1] == ("button", "submit"), f"Tab never reached the submit button: {names}"
    for focused in reached:
        assert focused["outline"] != "none" and focused["outlineWidth"] > 0, focused


async def test_school_coordinator_signs_in_with_the_mailed_link_and_signs_out(
    live_server: LiveServer, context: Any,  # noqa: F811
) -> None:
    org = await make_org(kind="school", name="IC Crema Uno", town="Crema")
    await make_user("coordinatrice@ic1.example", org, "school_coordinator", "Giulia")
    page = await context.new_page()
    await page.goto(f"{live_server.url}/signin")

    await page.locator("#email").click()
    await page.keyboard.type("coordinatrice@ic1.example")
    async with page.expect_navigation() as submitted:
        await page.keyboard.press("Enter")
    await _html_page(submitted)
    sent = page.locator("main [role=status]")
    assert "coordinatrice@ic1.example" in await sent.inner_text()
    assert await page.locator("#email").count() == 0, "still on the form, not the sent page"

    mail = await wait_for_mail(page, live_server, "coordinatrice@ic1.example")
    match = re.search(r"https://testserver\.local/auth/link/[\w-]+", mail["text"])
    assert match, mail["text"]
    await page.goto(live_server.local(match.group(0)))
    async with page.expect_navigation(url=f"{live_server.url}/"):
        await page.locator("main form button[type=submit]").click()

    main = await page.locator("main").inner_text()
    assert "IC Crema Uno" in main and "Giulia" in main
    session = [c for c in await context.cookies(live_server.url) if c["name"] == COOKIE]
    assert session and session[0]["httpOnly"] and session[0]["secure"]

    async with page.expect_navigation(url=re.compile(r"/signin\?signed_out=1$")):
        await page.locator("header form[action='/signout'] button").click()
    await page.locator("#email").wait_for()
    assert await page.locator("main [role=status]").count() == 1  # "you have signed out"
    assert not [c for c in await context.cookies(live_server.url) if c["name"] == COOKIE]
    await page.goto(f"{live_server.url}/")
    assert "IC Crema Uno" not in await page.locator("main").inner_text()


async def test_sign_in_form_submits_without_javascript(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    ctx = await browser.new_context(locale="it-IT", viewport=PHONE, java_script_enabled=False)
    ctx.set_default_timeout(5_000)
    try:
        page = await ctx.new_page()
        await page.goto(f"{live_server.url}/signin")
        await page.locator("#email").fill("chiunque@nowhere.example")
        async with page.expect_navigation() as submitted:
            await page.locator("main form button[type=submit]").click()
        await _html_page(submitted)
        assert page.url == f"{live_server.url}/signin"
        status = await page.locator("main [role=status]").inner_text()
        assert "chiunque@nowhere.example" in status
        assert await page.locator("#email").count() == 0
    finally:
        await ctx.close()


@pytest.mark.parametrize("width", [360, 1280])
async def test_admin_tries_a_failed_job_again_from_the_jobs_page(
    live_server: LiveServer, browser: Any, width: int,  # noqa: F811
) -> None:
    from app.tables import AuditEvent, OutboxJob

    ctx = await browser.new_context(locale="it-IT", viewport={"width": width, "height": 800})
    ctx.set_default_timeout(5_000)
    try:
        await _program_admin(live_server, ctx)
        job = OutboxJob(actor="surveys.wave_mail", status="failed", attempts=6,
                        last_error="ConnectionRefusedError: [Errno 111] Connection refused")
        await job.save()
        page = await ctx.new_page()
        await page.goto(f"{live_server.url}/admin/jobs")
        overflow = await page.evaluate(OVERFLOW, width)
        assert overflow["width"] <= width, overflow["culprits"]
        retry = page.locator("main table button")
        box = await retry.bounding_box()
        assert box is not None and box["height"] >= MIN_TARGET

        async with page.expect_navigation() as navigation:
            await retry.click()
        await _html_page(navigation)

        assert page.url.endswith("/admin/jobs?retried=1")
        assert await page.locator("main p.notice[role=status]").count() == 1
        # Queued again: the embedded worker takes it at once (and, without its wave, it
        # fails again and waits for its next retry).
        retried = await AuditEvent.select(AuditEvent.detail).where(
            AuditEvent.action == "jobs.retried").output(load_json=True)
        assert [event["detail"]["jobs"] for event in retried] == [[job.id]]
    finally:
        await ctx.close()
