"""Goal links: a goal of the pact names what Legami already offers (a Civic Center
activity, a town lab, an initiative for families) from a picker on the pact page; the
offers come from their domains' services, and nothing is written in those domains."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from app.tables import Organization
from civic.tables import Activity
from community.initiatives import service as initiatives
from community.initiatives.schemas import InitiativeCreate
from community.labs import service as labs
from community.labs.schemas import LabCreate
from community.taxonomy import service as taxonomy
from pacts.pacts import service
from tests.civic.referrals.world import make_activity, run_jobs
from tests.factories import api_post, csrf_token, sign_in
from tests.pacts.test_journey import _link
from tests.pacts.world import World, as_caller, make_world, open_pact


@pytest.fixture
async def world() -> World:
    return await make_world()


async def offers(world: World) -> dict[str, Any]:
    admin = await as_caller(world.admin)
    await taxonomy.ensure_defaults()
    company = await Organization.select(Organization.id).where(
        Organization.kind == "company").first()
    return {
        "activity": await make_activity(world, title="Doposcuola al Centro Civico"),
        "draft": await make_activity(world, title="Corso in bozza", publish=False),
        "lab": await labs.create_lab(admin, LabCreate(title="Laboratorio di quartiere",
                                                      scope="town", town="Crema")),
        "initiative": await initiatives.create_initiative(admin, InitiativeCreate(
            title="Gruppo di acquisto solidale", type_key="summer_camp", capacity=20,
            audience="all", towns=["Crema"], provider_name="Cooperativa Sul Serio",
            description="Spesa insieme, ogni giovedì.", place="Centro Civico di Crema",
            starts_on=date.today() + timedelta(days=30),
            ends_on=date.today() + timedelta(days=120), publish=True)),
        "company_only": await initiatives.create_initiative(admin, InitiativeCreate(
            title="Navetta aziendale", type_key="shared_transport", capacity=5,
            company_id=company["id"], provider_name="Officine Rossi",
            provider_kind="company")),
    }


def _id(value: Any) -> str:
    return str(getattr(value, "id", value))


async def _propose(client: Any, pact_id: Any, token: str, **links: str) -> Any:
    data = {"_csrf_token": token, "goal_0": "I bambini seguiti nei compiti",
            "goal_1": "Conoscere le famiglie del quartiere", **links}
    return await client.post(f"/pacts/{pact_id}/versions", data=data, follow_redirects=False)


async def test_a_goal_links_to_an_offer_from_the_picker(client: Any, world: World) -> None:
    made = await offers(world)
    pact_id = await open_pact(world)
    await sign_in(client, world.maker_a)
    token = await csrf_token(client, f"/pacts/{pact_id}")
    page = (await client.get(f"/pacts/{pact_id}")).text
    picker = re.search(r'<select id="goal_0_link".*?</select>', page, re.S)
    assert picker
    for shown in ("activity", "lab", "initiative"):
        assert f'value="{shown}:{_id(made[shown])}"' in picker.group(0), shown
    for hidden in ("Corso in bozza", "Navetta aziendale"):
        assert hidden not in picker.group(0)
    answer = await _propose(client, pact_id, token,
                            goal_0_link=f"activity:{_id(made['activity'])}",
                            goal_1_link=f"lab:{_id(made['lab'])}")
    assert answer.status_code == 303
    maker = await as_caller(world.maker_a)
    goals = (await service.detail(maker, pact_id)).versions[0].content.goals
    assert [(link.kind, link.title) for goal in goals for link in goal.links] == [
        ("activity", "Doposcuola al Centro Civico"), ("lab", "Laboratorio di quartiere")]
    assert "Con: Doposcuola al Centro Civico" in (await client.get(f"/pacts/{pact_id}")).text
    await run_jobs("pacts.pact_mail")
    family = await client.get(f"/p/{await _link()}")
    assert "Doposcuola al Centro Civico" in family.text
    pool = (await Activity.select(Activity.pool).where(
        Activity.id == made["activity"].id).first())["pool"]
    from app import places

    assert await places.roster(pool, ("enrolled", "offered", "waitlisted")) == []


@pytest.mark.parametrize("choice", ["draft", "company_only", "unknown", "garbage"])
async def test_a_link_to_anything_else_is_refused(client: Any, world: World,
                                                  choice: str) -> None:
    made = await offers(world)
    values = {"draft": f"activity:{_id(made['draft'])}",
              "company_only": f"initiative:{_id(made['company_only'])}",
              "unknown": f"lab:{uuid4()}", "garbage": "activity:not-an-id"}
    pact_id = await open_pact(world)
    await sign_in(client, world.maker_a)
    token = await csrf_token(client, f"/pacts/{pact_id}")
    answer = await _propose(client, pact_id, token, goal_0_link=values[choice])
    assert answer.status_code == 422
    assert (await service.detail(await as_caller(world.maker_a), pact_id)).versions == []


async def test_someone_outside_the_pact_gets_404_with_a_link(client: Any,
                                                            world: World) -> None:
    made = await offers(world)
    pact_id = await open_pact(world)
    for who in (world.maker_b, world.operator):
        await sign_in(client, who)
        token = await csrf_token(client, "/")
        answer = await _propose(client, pact_id, token,
                                goal_0_link=f"activity:{_id(made['activity'])}")
        assert answer.status_code == 404, who


async def test_the_api_lists_the_offers_and_takes_a_link(client: Any, world: World) -> None:
    made = await offers(world)
    pact_id = await open_pact(world)
    await sign_in(client, world.maker_a)
    listed = (await client.get(f"/api/v1/pacts/{pact_id}/offers")).json()
    assert {(o["kind"], o["title"]) for o in listed} == {
        ("activity", "Doposcuola al Centro Civico"), ("lab", "Laboratorio di quartiere"),
        ("initiative", "Gruppo di acquisto solidale")}
    answer = await api_post(client, f"/api/v1/pacts/{pact_id}/versions", {"goals": [{
        "text": "Il GAS del quartiere",
        "links": [{"kind": "initiative", "id": _id(made["initiative"])}]}]})
    assert answer.status_code == 201, answer.text
    link = answer.json()["versions"][0]["content"]["goals"][0]["links"][0]
    assert link["title"] == "Gruppo di acquisto solidale"
    refused = await api_post(client, f"/api/v1/pacts/{pact_id}/versions", {"goals": [{
        "text": "Navetta", "links": [{"kind": "initiative",
                                      "id": _id(made["company_only"])}]}]})
    assert refused.status_code == 422
