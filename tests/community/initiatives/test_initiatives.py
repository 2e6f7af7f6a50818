"""Conciliation initiatives: the catalogue, the employee's phone pages, places with a
waitlist and offers by mail, and HR participation counts that never name anyone."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient

from app.auth.caller import Caller, load_caller
from app.clock import now
from app.tables import DevMail, OutboxJob, PlacePool, Seat
from community.initiatives import service as initiatives
from community.initiatives.schemas import InitiativeCreate
from community.tables import Initiative
from community.taxonomy import service as taxonomy
from community.taxonomy.needs import NeedRef
from legami.application import create_app
from legami.jobs import load_all
from surveys.results.service import thresholds
from tests.factories import BASE_URL, api_post, make_org, make_user, post_form, sign_in
from worker.runner import run_job

load_all()  # job handlers, and the initiatives' offer notifier


@dataclass
class World:
    staff: UUID
    a: UUID  # Officine Rossi, Crema
    b: UUID  # Latteria, Crema
    c: UUID  # Fornace, Cremona
    hr_a: UUID
    hr_b: UUID
    emp_a: list[UUID]
    emp_b: UUID
    emp_c: UUID
    center: UUID


async def make_world(employees_a: int = 3) -> World:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    a = await make_org("company", "Officine Rossi", "Crema")
    b = await make_org("company", "Latteria Demo", "Crema")
    c = await make_org("company", "Fornace Bianchi", "Cremona")
    center = await make_org("civic_center", "Civic Center Crema", "Crema")
    hr_a = await make_user("hr@rossi.example", a, "hr_manager", "Rita Rossi")
    hr_b = await make_user("hr@latteria.example", b, "hr_manager", "Bruno Bassi")
    emp_a = [await make_user(f"worker{i}@rossi.example", a, "employee", f"Operaio Numero{i}")
             for i in range(employees_a)]
    emp_b = await make_user("anna@latteria.example", b, "employee", "Anna Latte")
    emp_c = await make_user("carlo@fornace.example", c, "employee", "Carlo Forni")
    await taxonomy.ensure_defaults()
    return World(staff, a, b, c, hr_a, hr_b, emp_a, emp_b, emp_c, center)


async def caller(user: UUID) -> Caller:
    found = await load_caller(user)
    assert found is not None
    return found


async def company_initiative(world: World, capacity: int = 10, **extra: Any) -> UUID:
    """An initiative only Officine Rossi's employees see, made by their HR manager."""
    return await initiatives.create_initiative(await caller(world.hr_a), InitiativeCreate(
        title="Navetta dalla stazione", type_key="shared_transport", capacity=capacity,
        provider_name="Officine Rossi", provider_kind="company", **extra))


async def open_initiative(world: World, capacity: int = 10, town: str = "Crema") -> UUID:
    return await initiatives.create_initiative(await caller(world.staff), InitiativeCreate(
        title="Doposcuola al Civic Center", type_key="after_school", towns=[town],
        capacity=capacity, cost_cents=3000, provider_id=world.center, audience="families"))


async def run_pending(actor: str) -> int:
    rows = await OutboxJob.select(OutboxJob.id).where(
        (OutboxJob.actor == actor) & (OutboxJob.status == "pending")).order_by(OutboxJob.id)
    for row in rows:
        await run_job(row["id"])
    return len(rows)


async def seat_status(initiative_id: UUID, user: UUID) -> str | None:
    pool = (await Initiative.select(Initiative.pool).where(
        Initiative.id == initiative_id).first())["pool"]
    row = await Seat.select(Seat.status).where(
        (Seat.pool == pool) & (Seat.holder_id == user)).first()
    return row["status"] if row else None


# The catalogue --------------------------------------------------------------------------


async def test_staff_publish_an_initiative_with_places_and_employees_see_it(client) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    response = await post_form(client, "/initiatives", {
        "title": "Centro estivo sul Serio", "description": "Giochi e compiti",
        "company_id": "", "towns": "Crema, Offanengo", "audience": "families",
        "type_key": "summer_camp", "provider_id": str(world.center), "provider_name": "",
        "provider_kind": "cooperative", "schedule": "Lun-ven 8-17",
        "starts_on": "2026-06-15", "ends_on": "2026-07-31", "place": "Oratorio",
        "capacity": "25", "cost": "90,50", "cost_note": "a settimana", "welfare_category": ""},
        page="/initiatives/new")
    assert response.status_code == 303
    initiative_id = UUID(response.headers["location"].split("/")[2].split("?")[0])
    item = await initiatives.get_initiative(await caller(world.staff), initiative_id)
    assert item.areas == ["children"]  # from its type
    assert item.welfare_category == "education_childcare" and item.welfare_plan
    assert item.provider_name == "Civic Center Crema" and item.provider_kind == "civic_center"
    assert item.capacity == 25 and item.places_left == 25 and item.cost_cents == 9050
    pool = await PlacePool.select().where(PlacePool.id == (await Initiative.select(
        Initiative.pool).where(Initiative.id == initiative_id).first())["pool"]).first()
    assert pool["owner_kind"] == "initiative" and pool["capacity"] == 25

    await sign_in(client, world.emp_b)  # Latteria is in Crema too
    page = await client.get("/me/initiatives?lang=en")
    assert "Centro estivo sul Serio" in page.text and "Places free" in page.text
    assert "Welfare plan" in page.text
    await sign_in(client, world.emp_c)  # Fornace is in Cremona
    page = await client.get("/me/initiatives?lang=en")
    assert "Centro estivo sul Serio" not in page.text
    assert (await client.get(f"/me/initiatives/{initiative_id}")).status_code == 404


async def test_hr_manager_makes_initiatives_for_their_company_only(client) -> None:
    world = await make_world()
    hr_a = await caller(world.hr_a)
    made = await company_initiative(world)
    item = await initiatives.get_initiative(hr_a, made)
    assert item.company_id == world.a and item.can_edit and item.towns == []
    # An open initiative is readable by HR managers, not theirs to change.
    opened = await open_initiative(world)
    assert not (await initiatives.get_initiative(hr_a, opened)).can_edit
    await sign_in(client, world.hr_a)
    assert (await client.get(f"/initiatives/{opened}")).status_code == 200
    response = await post_form(client, f"/initiatives/{opened}/close", {},
                               page=f"/initiatives/{opened}")
    assert response.status_code == 403
    # Naming another company is out of reach.
    response = await post_form(client, "/initiatives", {
        "title": "Per Latteria", "company_id": str(world.b), "capacity": "5",
        "provider_name": "X", "type_key": "wellbeing"}, page="/initiatives/new")
    assert response.status_code == 404
    listed = await initiatives.list_initiatives(await caller(world.hr_b))
    assert [i.id for i in listed] == [opened]


async def test_bad_initiative_input_is_explained(client) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    response = await post_form(client, "/initiatives?lang=en", {
        "title": " a ", "company_id": "", "towns": "", "audience": "pets",
        "type_key": "rocket", "areas": ["moon"], "provider_name": "", "capacity": "0",
        "starts_on": "2026-07-01", "ends_on": "2026-06-01", "welfare_category": "gold"},
        page="/initiatives/new")
    assert response.status_code == 422
    for message in ("Write a title of at least 3 characters.", "Choose a type from the list.",
                    "Choose need areas from the list.", "Write at least one town",
                    "Choose who the initiative is for.", "The end comes before the start.",
                    "Places must be a whole number from 1 to 10000.",
                    "Choose a welfare category from the list.",
                    "Write who offers the initiative."):
        assert message in response.text, message
    response = await post_form(client, "/initiatives?lang=en", {
        "title": "Centro estivo", "towns": "Crema", "type_key": "summer_camp",
        "provider_name": "Coop", "capacity": "10", "cost": "dieci euro",
        "starts_on": "15/06/2026"}, page="/initiatives/new")
    assert response.status_code == 422
    assert "Write the cost in euros, like 25 or 12,50." in response.text
    assert "Enter a date, like 2026-06-15." in response.text
    assert await Initiative.count() == 0 and await PlacePool.count() == 0

    response = await api_post(client, "/api/v1/initiatives?lang=en", {
        "title": "Navetta", "capacity": 5, "towns": ["Crema"], "provider_name": "Comune",
        "areas": ["commuting"], "cost_cents": -1, "provider_kind": "alien"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "cost_cents": "The cost must be from 0 to 100,000 euros.",
        "provider_kind": "Choose the kind of provider from the list."}
    response = await api_post(client, "/api/v1/initiatives", {"title": "Navetta"})
    assert response.status_code == 422  # no capacity: the body has the wrong shape


async def test_needs_and_lab_are_kept_with_the_initiative() -> None:
    world = await make_world()
    need = NeedRef(wave_id=UUID(int=1), group_key=f"company:{world.a}",
                   group_label="Officine Rossi", area="commuting", area_label="Commuting",
                   question="commute_time", option="over_45", label="More than 45 minutes",
                   count=12, n=30, share=0.4)
    made = await company_initiative(world, needs=[need])
    item = await initiatives.get_initiative(await caller(world.staff), made)
    assert item.needs == [need]
    with pytest.raises(Exception) as raised:
        await company_initiative(world, lab_id=UUID(int=7))
    assert "lab_id" in getattr(raised.value, "errors", {})


async def test_initiatives_answering_areas_by_company_and_town() -> None:
    world = await make_world()
    mine = await company_initiative(world)  # commuting, Officine Rossi only
    crema = await open_initiative(world)  # children, Crema
    cremona = await open_initiative(world, town="Cremona")
    found = await initiatives.initiatives_answering(["commuting", "children"], "Crema", world.a)
    assert {i.id for i in found} == {mine, crema}
    found = await initiatives.initiatives_answering(["commuting", "children"], "Crema", world.b)
    assert {i.id for i in found} == {crema}
    found = await initiatives.initiatives_answering(["children"], None, None)
    assert {i.id for i in found} == {crema, cremona}
    assert await initiatives.initiatives_answering(["housing"], "Crema", world.a) == []
    await initiatives.close_initiative(await caller(world.staff), crema)
    found = await initiatives.initiatives_answering(["children"], "crema", world.b)
    assert found == []


async def test_capacity_changes_go_through_places(client) -> None:
    world = await make_world()
    made = await company_initiative(world, capacity=2)
    for user in world.emp_a:
        await sign_in(client, user)
        await post_form(client, f"/me/initiatives/{made}/join", {}, page="/me")
    assert await seat_status(made, world.emp_a[2]) == "waitlisted"
    await sign_in(client, world.hr_a)
    form = {"title": "Navetta dalla stazione", "type_key": "shared_transport",
            "provider_name": "Officine Rossi", "provider_kind": "company", "capacity": "1"}
    response = await post_form(client, f"/initiatives/{made}/edit?lang=en", form,
                               page=f"/initiatives/{made}/edit")
    assert response.status_code == 422
    assert "2 places are already taken or offered" in response.text
    response = await post_form(client, f"/initiatives/{made}/edit", {**form, "capacity": "3"},
                               page=f"/initiatives/{made}/edit")
    assert response.status_code == 303
    assert await seat_status(made, world.emp_a[2]) == "offered"  # the new place goes to them


# Places, the waitlist and offers --------------------------------------------------------


async def test_two_employees_racing_for_the_last_place_cannot_both_get_it(client) -> None:
    world = await make_world(employees_a=2)
    made = await company_initiative(world, capacity=1)
    path = f"/api/v1/me/initiatives/{made}/join"
    async with AsyncTestClient(app=create_app(run_jobs=False), base_url=BASE_URL) as other:
        await sign_in(client, world.emp_a[0])
        await sign_in(other, world.emp_a[1])
        first, second = await asyncio.gather(api_post(client, path, {}),
                                              api_post(other, path, {}))
    assert first.status_code == second.status_code == 200
    statuses = sorted([first.json()["seat"]["status"], second.json()["seat"]["status"]])
    assert statuses == ["enrolled", "waitlisted"]
    waiting = first.json() if first.json()["seat"]["status"] == "waitlisted" else second.json()
    assert waiting["seat"]["position"] == 1
    assert await Seat.count().where(Seat.status == "enrolled") == 1
    pool = await PlacePool.select(PlacePool.taken).first()
    assert pool["taken"] == 1


async def test_a_freed_place_is_offered_by_mail_expires_and_passes_on(client) -> None:
    world = await make_world(employees_a=3)
    first, second, third = world.emp_a
    made = await company_initiative(world, capacity=1)
    for user in (first, second, third):
        await sign_in(client, user)
        response = await post_form(client, f"/me/initiatives/{made}/join", {}, page="/me")
        assert response.status_code == 303
    await sign_in(client, third)
    page = await client.get(f"/me/initiatives/{made}?lang=en")
    assert "You are on the waitlist, position 2." in page.text

    await sign_in(client, first)
    assert (await post_form(client, f"/me/initiatives/{made}/leave", {},
                            page="/me")).status_code == 303
    assert await seat_status(made, second) == "offered"
    assert await run_pending("places.offered") == 1
    assert await run_pending("mail.send") == 1
    mail = await DevMail.select().first()
    assert mail["to_address"] == "worker1@rossi.example"
    assert f"https://testserver.local/me/initiatives/{made}" in mail["text"]
    assert "Navetta dalla stazione" in mail["subject"]
    seat = await Seat.select(Seat.offered_until).where(Seat.holder_id == second).first()
    assert seat["offered_until"] > now() + timedelta(hours=47)
    assert re.search(r"\d{2}:\d{2}", mail["text"])  # the deadline, in Italian time

    await sign_in(client, second)
    page = await client.get(f"/me/initiatives/{made}?lang=en")
    assert "A place is offered to you." in page.text and "Accept the place" in page.text

    # Nobody answers: the deadline passes and the place goes to the next person.
    await Seat.update({Seat.offered_until: now() - timedelta(minutes=1)}).where(
        Seat.holder_id == second)
    assert await run_pending("places.expire") >= 1
    assert await seat_status(made, second) == "expired"
    assert await seat_status(made, third) == "offered"
    await run_pending("places.offered")
    await run_pending("mail.send")
    assert {m["to_address"] for m in await DevMail.select(DevMail.to_address)} == {
        "worker1@rossi.example", "worker2@rossi.example"}

    response = await post_form(client, f"/me/initiatives/{made}/accept?lang=en", {},
                               page="/me")
    assert response.status_code == 422
    assert "This offer is no longer open" in response.text
    await sign_in(client, third)
    response = await post_form(client, f"/me/initiatives/{made}/accept", {}, page="/me")
    assert response.status_code == 303
    assert await seat_status(made, third) == "enrolled"


async def test_declining_an_offer_passes_it_on_at_once(client) -> None:
    world = await make_world(employees_a=3)
    first, second, third = world.emp_a
    made = await company_initiative(world, capacity=1)
    for user in (first, second, third):
        await sign_in(client, user)
        await api_post(client, f"/api/v1/me/initiatives/{made}/join", {})
    await sign_in(client, first)
    await api_post(client, f"/api/v1/me/initiatives/{made}/leave", {})
    await sign_in(client, second)
    response = await api_post(client, f"/api/v1/me/initiatives/{made}/decline", {})
    assert response.status_code == 200 and response.json()["seat"]["status"] == "declined"
    assert await seat_status(made, third) == "offered"


async def test_closing_ends_the_waitlist_and_sign_ups(client) -> None:
    world = await make_world(employees_a=3)
    made = await company_initiative(world, capacity=1)
    for user in world.emp_a[:2]:
        await sign_in(client, user)
        await api_post(client, f"/api/v1/me/initiatives/{made}/join", {})
    await sign_in(client, world.hr_a)
    assert (await post_form(client, f"/initiatives/{made}/close", {},
                            page=f"/initiatives/{made}")).status_code == 303
    assert await seat_status(made, world.emp_a[0]) == "enrolled"
    assert await seat_status(made, world.emp_a[1]) == "cancelled"
    await sign_in(client, world.emp_a[2])
    assert (await client.get(f"/me/initiatives/{made}")).status_code == 404
    response = await api_post(client, f"/api/v1/me/initiatives/{made}/join", {})
    assert response.status_code == 404
    await sign_in(client, world.emp_a[0])
    page = await client.get(f"/me/initiatives/{made}?lang=en")
    assert page.status_code == 200 and "This initiative is closed" in page.text


# Participation counts -------------------------------------------------------------------


async def test_hr_sees_participation_counts_only_from_the_threshold_never_names(client) -> None:
    threshold = (await thresholds()).group
    world = await make_world(employees_a=threshold)
    made = await company_initiative(world, capacity=20)
    opened = await open_initiative(world)
    for user in world.emp_a[:-1]:
        await sign_in(client, user)
        await api_post(client, f"/api/v1/me/initiatives/{made}/join", {})
    await sign_in(client, world.emp_b)  # another company's employee in the open one
    await api_post(client, f"/api/v1/me/initiatives/{opened}/join", {})

    await sign_in(client, world.hr_a)
    result = (await client.get(f"/api/v1/companies/{world.a}/participation")).json()
    rows = {row["initiative_id"]: row for row in result["rows"]}
    assert rows[str(made)]["hidden"] and rows[str(made)]["enrolled"] is None
    assert rows[str(opened)]["hidden"]
    page = await client.get(f"/portal/{world.a}/participation?lang=en")
    assert f"Fewer than {threshold}" in page.text
    assert "Operaio" not in page.text and "rossi.example" not in page.text

    await sign_in(client, world.emp_a[-1])
    await api_post(client, f"/api/v1/me/initiatives/{made}/join", {})
    await sign_in(client, world.hr_a)
    result = (await client.get(f"/api/v1/companies/{world.a}/participation")).json()
    rows = {row["initiative_id"]: row for row in result["rows"]}
    assert rows[str(made)] == {"initiative_id": str(made), "title": "Navetta dalla stazione",
                               "status": "published", "company_only": True,
                               "enrolled": threshold, "hidden": False}
    page = await client.get(f"/portal/{world.a}/participation?lang=en")
    assert f"<td>{threshold}</td>" in page.text
    assert "Operaio" not in page.text and "rossi.example" not in page.text
    # HR never gets the roster, even of their own company's initiative; staff do.
    assert (await client.get(f"/api/v1/initiatives/{made}/roster")).status_code == 403
    await sign_in(client, world.staff)
    roster = (await client.get(f"/api/v1/initiatives/{made}/roster")).json()
    assert len(roster) == threshold and roster[0]["company_name"] == "Officine Rossi"


# Tenancy --------------------------------------------------------------------------------

# (method, path, owner, outsider, owner's status); {i} is the company's initiative,
# {a} the company. Outsiders get 404 everywhere.
ROUTES = [
    ("GET", "/initiatives/{i}", "hr_a", "hr_b", 200),
    ("GET", "/initiatives/{i}/edit", "hr_a", "hr_b", 200),
    ("POST", "/initiatives/{i}/edit", "hr_a", "hr_b", 303),
    ("POST", "/initiatives/{i}/close", "hr_a", "hr_b", 303),
    ("GET", "/portal/{a}/participation", "hr_a", "hr_b", 200),
    ("GET", "/me/initiatives/{i}", "emp_a", "emp_b", 200),
    ("POST", "/me/initiatives/{i}/join", "emp_a", "emp_b", 303),
    ("POST", "/me/initiatives/{i}/leave", "emp_a", "emp_b", 303),
    ("POST", "/me/initiatives/{i}/accept", "emp_a", "emp_b", 422),
    ("POST", "/me/initiatives/{i}/decline", "emp_a", "emp_b", 422),
    ("GET", "/api/v1/initiatives/{i}", "hr_a", "hr_b", 200),
    ("PUT", "/api/v1/initiatives/{i}", "hr_a", "hr_b", 200),
    ("POST", "/api/v1/initiatives/{i}/close", "hr_a", "hr_b", 200),
    ("GET", "/api/v1/initiatives/{i}/roster", "staff", "hr_b", 200),
    ("GET", "/api/v1/companies/{a}/participation", "hr_a", "hr_b", 200),
    ("GET", "/api/v1/me/initiatives/{i}", "emp_a", "emp_b", 200),
    ("POST", "/api/v1/me/initiatives/{i}/join", "emp_a", "emp_b", 200),
    ("POST", "/api/v1/me/initiatives/{i}/leave", "emp_a", "emp_b", 200),
    ("POST", "/api/v1/me/initiatives/{i}/accept", "emp_a", "emp_b", 422),
    ("POST", "/api/v1/me/initiatives/{i}/decline", "emp_a", "emp_b", 422),
]
EDIT_FORM = {"title": "Navetta dalla stazione", "type_key": "shared_transport",
             "provider_name": "Officine Rossi", "provider_kind": "company", "capacity": "12"}
EDIT_JSON = {"title": "Navetta dalla stazione", "type_key": "shared_transport",
             "provider_name": "Officine Rossi", "provider_kind": "company", "capacity": 12}


async def _request(client: AsyncTestClient, method: str, path: str) -> Any:
    if path.startswith("/api/"):
        if method == "GET":
            return await client.get(path)
        await client.get("/api/v1/me")
        headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
        body = EDIT_JSON if method == "PUT" else {}
        return await client.request(method, path, json=body, headers=headers)
    if method == "GET":
        return await client.get(path)
    return await post_form(client, path, EDIT_FORM if path.endswith("/edit") else {},
                           page="/me")


@pytest.mark.parametrize(("method", "path", "owner", "outsider", "status"), ROUTES,
                         ids=[f"{m} {p}" for m, p, *_ in ROUTES])
async def test_another_tenant_gets_404_and_the_owner_gets_through(
        client, method: str, path: str, owner: str, outsider: str, status: int) -> None:
    world = await make_world(employees_a=1)
    made = await company_initiative(world)
    users = {"hr_a": world.hr_a, "hr_b": world.hr_b, "emp_a": world.emp_a[0],
             "emp_b": world.emp_b, "staff": world.staff}
    url = path.format(i=made, a=world.a)
    await sign_in(client, users[outsider])
    assert (await _request(client, method, url)).status_code == 404
    assert await Initiative.select(Initiative.status).first() == {"status": "published"}
    assert await Seat.count() == 0
    await sign_in(client, users[owner])
    assert (await _request(client, method, url)).status_code == status


async def test_lists_never_show_another_companys_initiative(client) -> None:
    world = await make_world(employees_a=1)
    await company_initiative(world)
    opened = await open_initiative(world)
    await sign_in(client, world.hr_b)
    for path in ("/initiatives", "/api/v1/initiatives"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "Navetta" not in response.text and "Doposcuola" in response.text
    await sign_in(client, world.emp_b)
    for path in ("/me/initiatives", "/api/v1/me/initiatives"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "Navetta" not in response.text and "Doposcuola" in response.text
    await sign_in(client, world.emp_a[0])
    listed = (await client.get("/api/v1/me/initiatives")).json()
    assert {i["initiative"]["title"] for i in listed} == {"Navetta dalla stazione",
                                                          "Doposcuola al Civic Center"}
    # Employees have no catalogue management; the open one is theirs to join only.
    assert (await client.get("/initiatives")).status_code == 403
    assert (await client.get(f"/initiatives/{opened}")).status_code == 403


async def test_me_pages_render_for_an_employee(client) -> None:
    world = await make_world(employees_a=1)
    await sign_in(client, world.emp_a[0])
    page = await client.get("/me?lang=en")
    assert page.status_code == 200
    for link in ('href="/me/initiatives"', 'href="/me/labs"', 'href="/me/activities"'):
        assert link in page.text
    page = await client.get("/me/initiatives?lang=en")
    assert page.status_code == 200 and "There are no initiatives for you right now." in page.text
    await sign_in(client, world.staff)
    for path in ("/initiatives", "/initiatives/new", "/community/taxonomy"):
        assert (await client.get(path)).status_code == 200, path


async def test_demo_initiatives_cover_the_three_towns_once() -> None:
    from legami.demo.community_initiatives import DEMO, seed_demo_initiatives

    for name, town in (("Officine Rossi Meccanica S.r.l.", "Crema"),
                       ("Padana Logistica S.p.A.", "Cremona"),
                       ("Dolciaria Bianchi Torroni S.r.l.", "Cremona"),
                       ("Casearia del Po S.r.l.", "Casalmaggiore")):
        await make_org("company", name, town)
    for town in ("Crema", "Cremona", "Casalmaggiore"):
        await make_org("civic_center", f"Civic Center {town}", town)
    assert await seed_demo_initiatives() == len(DEMO)
    assert await seed_demo_initiatives() == 0
    rows = await Initiative.select(Initiative.towns, Initiative.pool, Initiative.provider
                                   ).output(load_json=True)
    assert {town for row in rows for town in row["towns"]} >= {
        "Crema", "Cremona", "Casalmaggiore"}
    assert all(row["pool"] for row in rows)
    assert sum(1 for row in rows if row["provider"]) >= 5  # Civic Centers and companies
    found = await initiatives.initiatives_answering(["children"], "Casalmaggiore", None)
    assert [i.title for i in found] == ["Doposcuola del Casalasco"]


def test_the_offer_mail_names_the_initiative_and_escapes_it() -> None:
    from integrations.mail.render import render

    subject, text, html = render("initiative_offer", "en", {
        "name": "Anna", "title": "Corso <b>serale</b>", "deadline": "24 November 2026, 18:00",
        "link": "https://testserver.local/me/initiatives/1"})
    assert subject == "A place is free for you: Corso <b>serale</b>"
    assert "24 November 2026, 18:00" in text and "Hello Anna," in text
    assert "Corso &lt;b&gt;serale&lt;/b&gt;" in html and "<b>serale" not in html
    assert 'href="https://testserver.local/me/initiatives/1"' in html
