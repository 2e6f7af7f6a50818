"""Pacts stand on the kernel: no page helper or template of another domain, so the
family's page and its miss limit are pacts' own, and the route list and demo seed
live in the composition root (legami/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pacts.family.pages import MISS_LIMIT
from pacts.pacts import service
from tests.civic.referrals.world import run_jobs
from tests.pacts.test_journey import _link, _proposed
from tests.pacts.world import World, make_world

PACTS = Path(__file__).resolve().parents[2] / "pacts"
OTHER_DOMAINS = ("surveys", "company_portal", "community", "civic")


@pytest.fixture
async def world() -> World:
    return await make_world()


def test_pacts_use_no_other_domains_pages_or_templates() -> None:
    pages = re.compile(rf"^from ({'|'.join(OTHER_DOMAINS)})\.[\w.]*pages import", re.M)
    found = [str(path.relative_to(PACTS)) for path in PACTS.rglob("*.py")
             if pages.search(path.read_text())]
    own = re.compile(r"{%\s*(?:extends|include|from|import)\s+\"([^\"]+)\"")
    for path in PACTS.rglob("*.html"):
        found += [f"{path.name} uses {name}" for name in own.findall(path.read_text())
                  if not name.startswith("pacts/") and "/" in name]
    assert not found
    assert not (PACTS / "routes.py").exists() and not (PACTS / "demo.py").exists()


async def test_an_unknown_pact_link_has_its_page_and_a_limit(client: Any) -> None:
    for _ in range(MISS_LIMIT):
        missed = await client.get("/p/" + "x" * 22)
        assert missed.status_code == 404
    assert "FareLegami" in missed.text and "<script" not in missed.text
    assert (await client.get("/p/" + "y" * 22)).status_code == 429


async def test_accepting_twice_names_the_error_on_the_familys_page(
        client: Any, world: World) -> None:
    pact_id, maker = await _proposed(world)
    await run_jobs("pacts.pact_mail")
    token = await _link()
    page = await client.get(f"/p/{token}")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert csrf
    for expected in (303, 422):
        answer = await client.post(f"/p/{token}/accept", data={"_csrf_token": csrf.group(1)},
                                   follow_redirects=False)
        assert answer.status_code == expected
    assert 'href="#accept"' in answer.text and 'id="accept"' in answer.text
    assert (await service.detail(maker, pact_id)).status == "active"
