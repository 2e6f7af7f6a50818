"""What every page must hold in a real browser: it fits a 360 px phone, axe-core finds
no violation at all (of any impact), every form control has a label, and keyboard focus
can be seen on every stop of the Tab order.

Used by the browser tests of the community and civic pages with the fixtures of
tests/browser.py. axe-core comes from tests/axe (`npm ci --prefix tests/axe`); without
it the tests skip locally and fail on CI, as tests/surveys/answering/test_answer_browser.py does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from app.auth.sessions import COOKIE, start_session
from tests.browser import LiveServer

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(
  v => ({id: v.id, impact: v.impact, help: v.help,
         nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"""
# What sticks out past the right edge, leaving out what a scroll container (a .table-wrap)
# within the screen clips.
OVERFLOW = """(limit) => {
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(up).overflowX))
        return up.getBoundingClientRect().right <= limit + 0.5;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5);
  const unclipped = wide.filter(el => !clipped(el));
  return {
    width: document.documentElement.scrollWidth,
    culprits: (unclipped.length ? unclipped : wide).slice(0, 20)
      .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                 + (el.className ? '.' + el.className : '')
                 + ' → ' + Math.round(el.getBoundingClientRect().right) + 'px'),
  };
}"""
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => {
    const named = [...(el.labels || [])].some(label => label.textContent.trim());
    const aria = (el.getAttribute('aria-label') || '').trim();
    const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .some(id => document.getElementById(id)?.textContent.trim());
    return !(named || aria || by);
  })
  .map(el => el.outerHTML.slice(0, 160))"""
# Focusing the body moves the point where Tab starts to the top of the page.
FROM_THE_TOP = """() => {
  document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex');
  window.scrollTo(0, 0);
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const ring = (node) => {
    if (!node) return false;
    const style = getComputedStyle(node);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  };
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.getAttribute('type'),
          name: el.getAttribute('name'), value: el.getAttribute('value'),
          href: el.getAttribute('href'), label: el.getAttribute('aria-label') || '',
          text: (el.innerText || el.value || '').trim().slice(0, 60),
          visible: ring(el) || ring(el.closest('label')),
          outline: getComputedStyle(el).outline,
          width: box.width, height: box.height, left: box.left, right: box.right};
}"""


def axe_source() -> str:
    if AXE.is_file():
        return AXE.read_text()
    reason = f"axe-core not found at {AXE} (run: npm ci --prefix tests/axe)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"accessibility tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


async def phone(browser: Any, server: LiveServer, user: UUID | None = None) -> Any:
    """A 360 px touch phone speaking Italian, signed in as `user` when one is given."""
    context = await browser.new_context(locale="it-IT", viewport=PHONE, has_touch=True,
                                        is_mobile=True)
    return await _signed_in(context, server, user)


async def desk(browser: Any, server: LiveServer, user: UUID | None = None) -> Any:
    """A 1280 px office screen speaking Italian, signed in as `user` when one is given."""
    context = await browser.new_context(locale="it-IT", viewport=DESK)
    return await _signed_in(context, server, user)


async def _signed_in(context: Any, server: LiveServer, user: UUID | None) -> Any:
    context.set_default_timeout(8_000)
    if user is not None:
        token = await start_session(user)
        await context.add_cookies([{"name": COOKIE, "value": token, "url": server.url,
                                    "httpOnly": True, "secure": True, "sameSite": "Lax"}])
    return context


async def visit(page: Any, server: LiveServer, path: str, status: int = 200) -> None:
    response = await page.goto(f"{server.url}{path}")
    assert response is not None, path
    assert response.status == status, f"{path} answered {response.status}"


async def open_disclosures(page: Any) -> int:
    """Open every <details> in the page's main part, as a reader would one by one."""
    return await page.evaluate(
        "() => [...document.querySelectorAll('main details')].map(d => d.open = true).length")


async def fits(page: Any, where: str) -> None:
    overflow = await page.evaluate(OVERFLOW, PHONE["width"])
    assert overflow["width"] <= PHONE["width"], f"{where}: {overflow['culprits']}"


async def accessible(page: Any, axe: str, where: str) -> None:
    if not await page.evaluate("() => typeof axe !== 'undefined'"):
        await page.evaluate(axe)
    violations = await page.evaluate(AXE_RUN)
    assert not violations, f"{where}: {violations}"


async def labelled(page: Any, where: str) -> None:
    missing = await page.evaluate(UNLABELLED)
    assert not missing, f"{where}: form controls without a label: {missing}"


async def focus_is_visible(page: Any, where: str, limit: int = 150) -> int:
    """Tab from the top through the whole page (at most `limit` stops): every stop shows a
    focus ring and lies on the phone's screen. Returns how many stops were seen."""
    await page.evaluate(FROM_THE_TOP)
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        if focused is None or (seen and focused == seen[0]):
            break  # the focus left the page or came round again
        seen.append(focused)
        name = focused["label"] or focused["text"] or focused["name"] or focused["tag"]
        assert focused["visible"], f"{where}: no visible focus on {focused}"
        assert focused["width"] > 0 and focused["height"] > 0, f"{where}: {name} is hidden"
        assert focused["left"] >= -0.5 and focused["right"] <= PHONE["width"] + 0.5, (
            f"{where}: the focused {name!r} is off screen ({focused})")
    else:
        raise AssertionError(f"{where}: Tab went through {limit} stops without an end")
    assert seen, f"{where}: Tab reaches nothing"
    return len(seen)


async def check_page(page: Any, axe: str, where: str) -> None:
    """The four promises, on the page the browser shows now."""
    assert await page.get_attribute("html", "lang") == "it", where
    await fits(page, where)
    await labelled(page, where)
    await accessible(page, axe, where)
    await focus_is_visible(page, where)


async def tab_to(page: Any, wanted: dict[str, str], limit: int = 80) -> dict[str, Any]:
    """Press Tab until the focused element matches `wanted` (keys of FOCUSED)."""
    await page.evaluate(FROM_THE_TOP)
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        if focused and all(wanted[key] in (focused.get(key) or "") for key in wanted):
            assert focused["visible"], f"no visible focus on {focused}"
            return focused
    raise AssertionError(f"Tab never reached {wanted}")
