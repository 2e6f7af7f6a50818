"""Conciliation initiatives: the catalogue, the employee's phone pages, places with a
waitlist and offers by mail, and HR participation counts that never name anyone."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient

from app import places
from app.auth.caller import Caller, load_caller
from app.clock import ITALY, now
from app.tables import DevMail, OutboxJob, PlacePool, Seat
from community.initiatives import mine as my_initiatives
from community.initiatives import service as initiatives
from community.initiatives.schemas import Child, InitiativeCreate
from community.program import service as program
from community.tables import Initiative, InitiativeChild
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


def published(**extra: Any) -> dict[str, Any]:
    """What a published initiative needs: dates, a place and a description."""
    today = now().astimezone(ITALY).date()
    return {"publish": True, "starts_on": today + timedelta(days=7),
            "ends_on": today + timedelta(days=90), "place": "Piazza Duomo",
            "description": "Scritta da una persona.", **extra}


async def company_initiative(world: World, capacity: int = 10, **extra: Any) -> UUID:
    """An initiative only Officine Rossi's employees see, made by their HR manager."""
    return await initiatives.create_initiative(await caller(world.hr_a), InitiativeCreate(
        title="Navetta dalla stazione", type_key="shared_transport", capacity=capacity,
        provider_name="Officine Rossi", provider_kind="company", **published(**extra)))


async def open_initiative(world: World, capacity: int = 10, town: str = "Crema") -> UUID:
    return await initiatives.create_initiative(await caller(world.staff), InitiativeCreate(
        title="Doposcuola al Civic Center", type_key="after_school", towns=[town],
        capacity=capacity, cost_cents=3000, provider_id=world.center, audience="families",
        **published()))


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
        "starts_on": "2036-06-15", "ends_on": "2036-07-31", "place": "Oratorio",
        "capacity": "25", "cost": "90,50", "cost_note": "a settimana", "welfare_category": "",
        "publish": "1"}, page="/initiatives/new")
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
    form = {**EDIT_FORM, "capacity": "1"}
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
    assert await run_pending("mail.send") == 3  # the confirmations of the sign-ups
    await DevMail.delete(force=True)

    await sign_in(client, first)
    assert (await post_form(client, f"/me/initiatives/{made}/leave", {"confirm": "yes"},
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
    await api_post(client, f"/api/v1/me/initiatives/{opened}/join",
                   {"children": [{"first_name": "Lia", "age": 9}]})

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


async def test_the_roster_lists_a_place_held_for_no_company_without_a_company_name() -> None:
    # The places service takes a seat without an organization; no page makes one for an
    # initiative today, but the roster must not break on it (it read the companies of an
    # empty list).
    world = await make_world()
    made = await open_initiative(world)
    pool = (await Initiative.select(Initiative.pool).where(Initiative.id == made).first())["pool"]
    await places.request_place(pool, my_initiatives.HOLDER, world.emp_b)
    roster = await initiatives.roster(await caller(world.staff), made)
    assert [(seat.name, seat.company_name, seat.status) for seat in roster] == [
        ("Anna Latte", "", "enrolled")]


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
    ("GET", "/me/initiatives/{i}/leave", "emp_a", "emp_b", 200),
    ("POST", "/me/initiatives/{i}/leave", "emp_a", "emp_b", 303),  # no place: nothing to ask
    ("POST", "/initiatives/{i}/publish", "hr_a", "hr_b", 422),  # published already
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
             "provider_name": "Officine Rossi", "provider_kind": "company", "capacity": "12",
             "description": "Ogni mattina.", "place": "Stazione", "starts_on": "2026-01-10",
             "ends_on": "2036-01-10"}
EDIT_JSON = {**EDIT_FORM, "capacity": 12}


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
    assert "places together" not in text  # one place, as most offers


def test_an_offer_for_several_children_says_how_many_places_it_holds() -> None:
    from integrations.mail.render import render

    subject, text, html = render("initiative_offer", "it", {
        "name": "Anna", "title": "Centro estivo", "deadline": "24 novembre 2026, 18:00",
        "link": "https://testserver.local/me/initiatives/1", "places": 3})
    assert "L'offerta è per 3 posti insieme, uno per ogni bambino che hai iscritto." in text
    assert "3 posti insieme" in html


# Sign-up windows ------------------------------------------------------------------------


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The app's clock (app.clock.now) shows `moment`."""
    monkeypatch.setattr("app.clock.now", lambda: moment)


async def test_sign_ups_open_and_close_on_their_days_in_italian_time(
        client, monkeypatch) -> None:
    """Issue 18: a summer camp that ended in July took a sign-up in December, and the
    dashboard's participation count rose."""
    world = await make_world(employees_a=3)
    first, second, third = world.emp_a
    made = await company_initiative(
        world, starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 31),
        signup_opens_on=date(2026, 5, 1), signup_closes_on=date(2026, 6, 20))
    staff = await caller(world.staff)

    at(monkeypatch, datetime(2026, 4, 30, 21, 59, tzinfo=UTC))  # 23:59 in Italy
    await sign_in(client, first)
    page = await client.get(f"/me/initiatives/{made}?lang=en")
    assert "Sign-ups open on" in page.text and f"/me/initiatives/{made}/join" not in page.text
    refused = await post_form(client, f"/me/initiatives/{made}/join?lang=en", {}, page="/me")
    assert refused.status_code == 422 and "Sign-ups open on May 1, 2026." in refused.text

    at(monkeypatch, datetime(2026, 4, 30, 22, 0, tzinfo=UTC))  # midnight of 1 May in Italy
    assert (await post_form(client, f"/me/initiatives/{made}/join", {},
                            page="/me")).status_code == 303
    assert await seat_status(made, first) == "enrolled"

    at(monkeypatch, datetime(2026, 6, 20, 21, 59, tzinfo=UTC))  # the last day, 23:59
    await sign_in(client, second)
    assert (await post_form(client, f"/me/initiatives/{made}/join", {},
                            page="/me")).status_code == 303
    at(monkeypatch, datetime(2026, 6, 20, 22, 0, tzinfo=UTC))  # the day after, in Italy
    await sign_in(client, third)
    refused = await post_form(client, f"/me/initiatives/{made}/join?lang=en", {}, page="/me")
    assert refused.status_code == 422 and "Sign-ups closed on June 20, 2026." in refused.text
    assert (await initiatives.get_initiative(staff, made)).signup == "over"

    at(monkeypatch, datetime(2026, 12, 6, 10, 0, tzinfo=UTC))  # December: it has ended
    before = (await program.program_figures(staff)).initiatives.participants
    for path in (f"/me/initiatives/{made}/join", f"/api/v1/me/initiatives/{made}/join"):
        response = await (api_post(client, f"{path}?lang=en", {}) if "/api/" in path
                          else post_form(client, f"{path}?lang=en", {}, page="/me"))
        assert response.status_code == 422, path
        assert "This initiative has ended: no more sign-ups." in response.text
    assert await seat_status(made, third) is None
    assert (await program.program_figures(staff)).initiatives.participants == before == 2
    # It leaves the list of those who did not take part; those who did still find it.
    assert f"/me/initiatives/{made}" not in (await client.get("/me/initiatives")).text
    await sign_in(client, first)
    assert f"/me/initiatives/{made}" in (await client.get("/me/initiatives")).text
    assert (await initiatives.get_initiative(staff, made)).signup == "ended"


async def test_sign_up_days_must_fit_the_initiative(client) -> None:
    world = await make_world()
    await sign_in(client, world.hr_a)
    form = {**EDIT_FORM, "starts_on": "2036-07-01", "ends_on": "2036-07-31",
            "signup_opens_on": "2036-06-10", "signup_closes_on": "2036-06-01"}
    response = await post_form(client, "/initiatives?lang=en", form, page="/initiatives/new")
    assert response.status_code == 422 and "Sign-ups close before they open." in response.text
    response = await post_form(client, "/initiatives?lang=en", {
        **form, "signup_closes_on": "2036-08-01"}, page="/initiatives/new")
    assert response.status_code == 422
    assert "Sign-ups close after the initiative ends." in response.text
    assert await Initiative.count() == 0


# A children's initiative -------------------------------------------------------------------


async def test_a_childrens_initiative_asks_which_children_and_mails_a_confirmation(
        client) -> None:
    """Issue 18: signing up for a summer camp asked nothing about the children, said nothing
    of how to pay, and sent no confirmation."""
    world = await make_world(employees_a=1)
    parent = world.emp_a[0]
    made = await initiatives.create_initiative(await caller(world.staff), InitiativeCreate(
        title="Centro estivo al Serio", type_key="summer_camp", towns=["Crema"], capacity=10,
        cost_cents=9050, cost_note="a settimana", audience="families",
        payment_note="Si paga alla cooperativa il primo giorno; con il piano welfare si "
                     "carica la ricevuta sul portale welfare.",
        provider_id=world.center, **published()))
    await sign_in(client, parent)
    page = await client.get(f"/me/initiatives/{made}?lang=en")
    assert "How to pay or be reimbursed" in page.text and "piano welfare" in page.text
    assert "Can be paid from the company welfare plan" in page.text
    assert f'href="/me/initiatives/{made}/join"' in page.text  # a page, not a bare button
    form = await client.get(f"/me/initiatives/{made}/join?lang=en")
    assert form.status_code == 200 and "Which children will take part?" in form.text
    assert "€90.50" in form.text or "90,50" in form.text

    refused = await post_form(client, f"/me/initiatives/{made}/join?lang=en", {},
                              page=f"/me/initiatives/{made}/join")
    assert refused.status_code == 422  # the form again, saying why
    assert "Write the first name and age of each child" in refused.text
    assert 'id="child_name_0"' in refused.text
    refused = await post_form(client, f"/me/initiatives/{made}/join?lang=en", {
        "child_name_0": "Giulia", "child_age_0": "19"}, page=f"/me/initiatives/{made}/join")
    assert refused.status_code == 422 and "an age from 0 to 17" in refused.text
    assert await seat_status(made, parent) is None

    joined = await post_form(client, f"/me/initiatives/{made}/join", {
        "child_name_0": "Giulia", "child_age_0": "8", "child_name_1": "Marco",
        "child_age_1": "11"}, page=f"/me/initiatives/{made}/join")
    assert joined.status_code == 303 and await seat_status(made, parent) == "enrolled"
    page = await client.get(f"/me/initiatives/{made}?lang=en")
    assert "For 2 children: Giulia, Marco." in page.text
    roster = await initiatives.roster(await caller(world.staff), made)
    assert [(c.first_name, c.age) for c in roster[0].children] == [("Giulia", 8), ("Marco", 11)]

    assert await run_pending("mail.send") == 1
    mail = await DevMail.select().first()
    assert mail["to_address"] == "worker0@rossi.example"
    assert "Centro estivo al Serio" in mail["subject"]
    for text in ("90,50", "2 bambini", "piano welfare", "ricevuta",
                 f"/me/initiatives/{made}"):
        assert text in mail["text"], text
    assert "Giulia" not in str(await OutboxJob.select(OutboxJob.payload))  # counted, not named

    # Giving up the place forgets the children.
    await post_form(client, f"/me/initiatives/{made}/leave", {"confirm": "yes"}, page="/me")
    assert await InitiativeChild.count() == 0


async def test_each_child_signed_up_takes_a_place_and_a_freed_place_goes_to_the_line(
        client) -> None:
    """Issue 18: a parent signing up three children took one place of the camp."""
    world = await make_world(employees_a=3)
    made = await initiatives.create_initiative(await caller(world.staff), InitiativeCreate(
        title="Centro estivo al Serio", type_key="summer_camp", towns=["Crema"], capacity=4,
        audience="families", provider_id=world.center, **published()))
    three, two, one = world.emp_a
    await my_initiatives.join(await caller(three), made, [
        Child("Giulia", 8), Child("Marco", 11), Child("Luca", 6)])
    seen = await my_initiatives.my_initiative(await caller(two), made)
    assert seen.initiative.availability == "few"  # one place left, shown as a band
    assert seen.initiative.places_left is None and seen.initiative.waitlisted is None
    staff_view = await initiatives.get_initiative(await caller(world.staff), made)
    assert (staff_view.places_left, staff_view.enrolled) == (1, 3)

    waiting = await my_initiatives.join(await caller(two), made, [
        Child("Anna", 9), Child("Pietro", 7)])
    assert waiting.seat is not None and waiting.seat.status == "waitlisted"
    behind = await my_initiatives.join(await caller(one), made, [Child("Sara", 5)])
    assert behind.seat is not None and behind.seat.position == 2  # nobody jumps the line

    await my_initiatives.leave(await caller(three), made)
    assert await seat_status(made, two) == "offered"
    assert await seat_status(made, one) == "offered"
    staff_view = (await initiatives.list_initiatives(await caller(world.staff)))[0]
    assert staff_view.places_left == 1
    seen = await my_initiatives.my_initiative(await caller(three), made)
    assert seen.initiative.availability == "few" and seen.can_join


async def test_the_api_joins_a_childrens_initiative_with_the_children(client) -> None:
    world = await make_world(employees_a=1)
    made = await open_initiative(world)  # after-school: a children's initiative
    await sign_in(client, world.emp_a[0])
    refused = await api_post(client, f"/api/v1/me/initiatives/{made}/join", {})
    assert refused.status_code == 422 and "children" in refused.json()["errors"]
    joined = await api_post(client, f"/api/v1/me/initiatives/{made}/join",
                            {"children": [{"first_name": "Sara", "age": 7}]})
    assert joined.status_code == 200, joined.text
    assert joined.json()["children"] == [{"first_name": "Sara", "age": 7}]


async def test_a_draft_is_seen_by_its_managers_only(client) -> None:
    """The program's draft of an open initiative: no HR manager, no employee sees it, and
    no count includes it; a company's draft is its HR manager's, not another company's."""
    world = await make_world(employees_a=1)
    opened = await initiatives.create_initiative(await caller(world.staff), InitiativeCreate(
        title="Bozza del programma", type_key="wellbeing", towns=["Crema"], capacity=5,
        provider_name="Comune di Crema", provider_kind="municipality"))
    mine = await initiatives.create_initiative(await caller(world.hr_a), InitiativeCreate(
        title="Bozza di Officine Rossi", type_key="wellbeing", capacity=5,
        provider_name="Officine Rossi", provider_kind="company"))
    assert {i.id for i in await initiatives.list_initiatives(await caller(world.hr_a))} == {
        mine}
    assert await initiatives.list_initiatives(await caller(world.hr_b)) == []
    await sign_in(client, world.hr_a)
    assert (await client.get(f"/initiatives/{opened}")).status_code == 404
    assert (await client.get(f"/initiatives/{mine}")).status_code == 200
    assert (await client.get(f"/api/v1/companies/{world.a}/participation")).json()["rows"] == []
    await sign_in(client, world.hr_b)
    assert (await client.get(f"/initiatives/{mine}")).status_code == 404
    assert (await post_form(client, f"/initiatives/{mine}/publish", {},
                            page="/initiatives")).status_code == 404
    await sign_in(client, world.emp_a[0])
    for made in (opened, mine):
        assert (await client.get(f"/me/initiatives/{made}")).status_code == 404
        assert (await client.get(f"/api/v1/me/initiatives/{made}")).status_code == 404
    assert (await client.get("/api/v1/me/initiatives")).json() == []
