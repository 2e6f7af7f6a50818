"""Team pages for the program's administrators: teams of community makers and their
coordinators. Only an administrator of the team's program reaches them (404 for anyone
else, on every route); they name people, never a pact; taking a maker out of the team
ends their reach to its pacts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.exceptions import NotFoundException

from pacts.access.service import teams_of
from pacts.pacts import service
from pacts.tables import PactTeamMember
from tests.factories import api_post, csrf_token, make_org, make_user, sign_in
from tests.pacts.world import HOLDER, World, as_caller, make_world, open_pact


@pytest.fixture
async def world() -> World:
    return await make_world()


def _team_routes() -> list[tuple[str, str]]:
    from legami.application import create_app

    found = set()
    for route in create_app(run_jobs=False).routes:
        if route.path.startswith(("/pacts/teams", "/api/v1/pact-teams")):
            for method in getattr(route, "methods", set()):
                if method in ("GET", "POST", "DELETE"):
                    found.add((method, route.path))
    return sorted(found)


async def test_the_admin_makes_a_team_and_its_coordinator(client: Any, world: World) -> None:
    pact_id = await open_pact(world)
    newcomer = await make_user("luca@farelegami.example", world.program, "community_maker",
                               "Luca Nuovo")
    await sign_in(client, world.admin)
    token = await csrf_token(client, "/pacts/teams")
    page = await client.get("/pacts/teams")
    assert "Giulia Ferrandi" in page.text and HOLDER not in page.text
    made = await client.post("/pacts/teams/", data={"_csrf_token": token,
                                                    "team_name": "Casalmaggiore"},
                             follow_redirects=False)
    assert made.status_code == 303
    team = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Casalmaggiore<',
                     (await client.get("/pacts/teams")).text)
    assert team
    added = await client.post("/pacts/teams/members", data={
        "_csrf_token": token, "team": team.group(1), "email": "luca@farelegami.example",
        "coordinator": "yes"}, follow_redirects=False)
    assert added.status_code == 303
    luca = await as_caller(newcomer)
    assert [(t["name"], t["is_coordinator"]) for t in await teams_of(luca)] == [
        ("Casalmaggiore", True)]
    with pytest.raises(NotFoundException):  # another team's pact stays out of reach
        await service.detail(luca, pact_id)
    refused = await client.post("/pacts/teams/members", data={
        "_csrf_token": token, "team": team.group(1), "email": "hr@rossi.example"})
    assert refused.status_code == 422 and 'href="#email"' in refused.text


async def test_a_maker_taken_out_of_the_team_no_longer_opens_its_pacts(
        client: Any, world: World) -> None:
    pact_id = await open_pact(world)
    member = await PactTeamMember.select(PactTeamMember.id).where(
        (PactTeamMember.user == world.maker_a) & (PactTeamMember.team == world.team_a)).first()
    await sign_in(client, world.admin)
    token = await csrf_token(client, "/pacts/teams")
    removed = await client.post(
        f"/pacts/teams/{world.team_a}/members/{member['id']}/remove",
        data={"_csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 303
    with pytest.raises(NotFoundException):
        await service.detail(await as_caller(world.maker_a), pact_id)
    assert (await service.detail(await as_caller(world.coordinator_a), pact_id)).id == pact_id


@pytest.mark.parametrize("who", ["maker_a", "coordinator_a", "school_coordinator",
                                 "operator", "hr", "other_admin"])
async def test_no_one_else_reaches_the_team_pages(client: Any, world: World,
                                                  who: str) -> None:
    if who == "other_admin":
        other = await make_org("program", "Un altro programma", "Milano")
        user = await make_user("admin@altro.example", other, "program_admin")
    else:
        user = getattr(world, who)
    member = await PactTeamMember.select(PactTeamMember.id).where(
        PactTeamMember.team == world.team_a).first()
    await sign_in(client, user)
    token = await csrf_token(client, "/")
    routes = _team_routes()
    assert len(routes) == 8
    for method, path in routes:
        url = path.replace("{team_id:uuid}", str(world.team_a)).replace(
            "{member_id:int}", str(member["id"]))
        data = {"_csrf_token": token, "team": str(world.team_a), "team_name": "Intrusi",
                "email": "giulia@farelegami.example"}
        body: dict[str, Any] = {}
        if method == "POST":
            body = {"json": {"name": "Intrusi"}} if url.startswith("/api/") else {"data": data}
        if url.endswith("/members") and url.startswith("/api/"):
            body = {"json": {"email": "giulia@farelegami.example"}}
        answer = await client.request(method, url, follow_redirects=False,
                                      headers={"x-csrftoken": token}, **body)
        expected = 404
        if who == "other_admin":  # their own program's team pages, with no one of ours
            expected = {("GET", "/pacts/teams"): 200, ("POST", "/pacts/teams"): 303,
                        ("GET", "/api/v1/pact-teams"): 200,
                        ("POST", "/api/v1/pact-teams"): 201}.get((method, path), 404)
        assert answer.status_code == expected, (who, method, path, answer.status_code)
        assert "Giulia" not in answer.text
    assert await PactTeamMember.count().where(PactTeamMember.team == world.team_a) == 3


async def test_the_api_does_what_the_team_pages_do(client: Any, world: World) -> None:
    await make_user("luca@farelegami.example", world.program, "community_maker", "Luca")
    await sign_in(client, world.admin)
    made = await api_post(client, "/api/v1/pact-teams", {"name": "Casalmaggiore"})
    assert made.status_code == 201 and made.json()["members"] == []
    team = made.json()["id"]
    added = await api_post(client, f"/api/v1/pact-teams/{team}/members",
                           {"email": "luca@farelegami.example", "coordinator": True})
    assert added.status_code == 204
    refused = await api_post(client, f"/api/v1/pact-teams/{team}/members",
                             {"email": "hr@rossi.example"})
    assert refused.status_code == 422
    listed = {t["name"]: t for t in (await client.get("/api/v1/pact-teams")).json()}
    member = listed["Casalmaggiore"]["members"][0]
    assert (member["name"], member["is_coordinator"]) == ("Luca", True)
    token = client.cookies.get("legami_csrf") or ""
    gone = await client.delete(f"/api/v1/pact-teams/{team}/members/{member['id']}",
                               headers={"x-csrftoken": token})
    assert gone.status_code == 204
    await sign_in(client, world.coordinator_a)
    assert (await client.get("/api/v1/pact-teams")).status_code == 404
    assert (await api_post(client, f"/api/v1/pact-teams/{team}/members",
                           {"email": "giulia@farelegami.example"})).status_code == 404
