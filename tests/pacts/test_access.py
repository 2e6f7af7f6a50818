"""Need to know: a community maker opens only the pacts they follow, a coordinator
their team's, program staff none unless given one; every opening is logged; another
community maker's pact answers 404 on every route."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.exceptions import NotFoundException

from app.errors import InvalidInput
from pacts.access import service as access
from pacts.pacts import service
from pacts.tables import PactAccess
from tests.factories import api_post, csrf_token, sign_in
from tests.pacts.world import HOLDER, World, as_caller, make_world, open_pact


@pytest.fixture
async def world() -> World:
    return await make_world()


async def test_a_maker_sees_the_pacts_they_follow_and_the_coordinator_the_team(
        world: World) -> None:
    pact_id = await open_pact(world)
    assert [p.id for p in await service.caseload(await as_caller(world.maker_a))] == [pact_id]
    assert [p.id for p in await service.caseload(
        await as_caller(world.coordinator_a))] == [pact_id]
    for other in (world.maker_a2, world.maker_b, world.admin, world.operator, world.hr):
        caller = await as_caller(other)
        assert await service.caseload(caller) == []
        with pytest.raises(NotFoundException):
            await service.detail(caller, pact_id)


async def test_program_staff_open_a_pact_only_when_the_coordinator_gives_it(
        world: World) -> None:
    pact_id = await open_pact(world)
    admin = await as_caller(world.admin)
    with pytest.raises(NotFoundException):  # only the team's coordinator gives a pact
        await access.grant(await as_caller(world.maker_a), pact_id, "admin@farelegami.example")
    with pytest.raises(InvalidInput):
        await access.grant(await as_caller(world.coordinator_a), pact_id, "hr@rossi.example")
    await access.grant(await as_caller(world.coordinator_a), pact_id,
                       "admin@farelegami.example")
    assert (await service.detail(admin, pact_id)).holder_name == HOLDER


async def test_every_opening_is_logged_and_listed_for_the_person(world: World) -> None:
    pact_id = await open_pact(world)
    await service.detail(await as_caller(world.coordinator_a), pact_id)
    rows = await access.openings(await as_caller(world.maker_a), pact_id)
    assert [(r.reader_name, r.what) for r in rows][:3] == [
        ("Giulia Ferrandi", "access_log"), ("Anna Coordinatrice", "pact"),
        ("Giulia Ferrandi", "pact")]
    assert all(r.occurred_at is not None for r in rows)
    before = await PactAccess.count()
    with pytest.raises(NotFoundException):
        await service.detail(await as_caller(world.maker_b), pact_id)
    assert await PactAccess.count() == before  # a refused look opens nothing


def _pact_routes() -> list[tuple[str, str]]:
    from legami.application import create_app

    found = set()
    for route in create_app(run_jobs=False).routes:
        if "{pact_id" in route.path:
            for method in getattr(route, "methods", set()):
                if method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                    found.add((method, route.path))
    return sorted(found)


PACT_ROUTES = _pact_routes()


# A valid body for each change, so what answers is the scoping, not the validation.
BODIES: dict[str, Any] = {
    "assessment": {"work": {"needs": "x"}},
    "versions": {"goals": [{"text": "x"}]},
    "close": {"reason": "moved", "outcome": "partly"},
    "grants": {"email": "admin@farelegami.example"},
    "enrolments": {"activity_id": "6f1c2a8e-3b5d-4e7f-9a0b-1c2d3e4f5a6b",
                   "contact": "samira@example.it", "first_name": "Yusuf"},
    "reviews": {"scheduled_for": "2099-03-02T10:00:00"},
    "1": {"ladder_before": 3, "ladder_after": 5, "summary": "x"},  # a review held
    "consents": {"purpose": "services"},
    "notes": {"level": "team", "text": "x"},
    "unseal": {"reason": "to read it for the meeting"},
}
FORM = {"email": "admin@farelegami.example", "reason": "moved", "outcome": "partly",
        "goal_0": "x", "work_needs": "x",
        "activity_id": "6f1c2a8e-3b5d-4e7f-9a0b-1c2d3e4f5a6b", "contact": "samira@example.it",
        "first_name": "Yusuf"}


def _body(url: str, method: str, token: str) -> dict[str, Any]:
    if method == "GET":
        return {}
    if url.startswith("/api/"):
        return {"json": BODIES.get(url.rsplit("/", 1)[-1], {})}
    return {"data": {"_csrf_token": token, **FORM}}


def test_the_walk_sees_the_pact_routes() -> None:
    paths = {path for _, path in PACT_ROUTES}
    assert "/pacts/{pact_id:uuid}" in paths and "/api/v1/pacts/{pact_id:uuid}" in paths


@pytest.mark.parametrize("who", ["maker_b", "maker_a2", "admin", "school_coordinator",
                                 "operator", "hr"])
async def test_someone_elses_pact_answers_404_on_every_route(client: Any, world: World,
                                                             who: str) -> None:
    pact_id = await open_pact(world)
    await sign_in(client, getattr(world, who))
    await client.get("/api/v1/me")
    token = client.cookies.get("legami_csrf") or ""
    before = await PactAccess.count()
    for method, path in PACT_ROUTES:
        url = re.sub(r"\{pact_id:uuid\}", str(pact_id), path)
        url = re.sub(r"\{(\w+):int\}", "1", url)
        response = await client.request(
            method, url, headers={"x-csrftoken": token}, follow_redirects=False,
            **_body(url, method, token))
        assert response.status_code == 404, (who, method, path, response.status_code)
        assert HOLDER not in response.text
    assert await PactAccess.count() == before


async def test_the_maker_walks_the_pact_pages(client: Any, world: World) -> None:
    await sign_in(client, world.maker_a)
    token = await csrf_token(client, "/pacts/new")
    response = await client.post("/pacts/", data={
        "_csrf_token": token, "holder_name": HOLDER, "source": "school",
        "source_consent_on": "2026-11-02", "language": "it"}, follow_redirects=False)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert HOLDER in page.text
    # A due date is "by when" ("entro quando"), not civic's "given by" ("da").
    assert page.text.count(">Entro quando</label>") == 3 * 2 + 4
    assert ">Da</label>" not in page.text
    assert HOLDER in (await client.get("/pacts")).text
    listed = await client.get("/api/v1/pacts")
    assert [p["holder_name"] for p in listed.json()] == [HOLDER]
    missing = await client.post("/pacts/", data={
        "_csrf_token": token, "holder_name": HOLDER, "source": "school"},
        follow_redirects=False)
    assert missing.status_code == 422
    assert "consent" in missing.text.lower() or "consenso" in missing.text.lower()
    created = await api_post(client, "/api/v1/pacts", {
        "holder_name": "Luca Rossi", "source": "self", "source_consent_on": "2030-01-01"})
    assert created.status_code == 422


def test_the_familys_link_stays_out_of_the_server_logs() -> None:
    import io
    import logging

    from legami import logs

    logs.install()  # as the process entry points do
    token = "Zk3_9aQ-Tok3nPactL1nk0"
    access, lines = logging.getLogger("uvicorn.access"), io.StringIO()
    handler = logging.StreamHandler(lines)
    access.addHandler(handler)
    try:
        access.error('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5555", "POST",
                     f"/p/{token}/accept?lang=en", "1.1", 303)
    finally:
        access.removeHandler(handler)
    assert token not in lines.getvalue() and "/p/…/accept" in lines.getvalue()
