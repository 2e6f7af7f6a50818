"""Civic Center activities: operators publish them with clear rules, schools read the
published ones, and every route keeps one Civic Center's activities from another's."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from docx import Document

from app import places
from app.auth.caller import load_caller
from app.clock import now
from app.errors import InvalidInput
from app.tables import AuditEvent, PlacePool
from civic.activities import service as activities
from civic.activities.schemas import ActivityCreate, ActivityUpdate, FeeBand
from civic.tables import Activity, Family, Pupil
from tests.factories import api_post, csrf_token, make_org, make_user, sign_in

EN = {"accept-language": "en"}


def new_activity(**changes) -> ActivityCreate:
    values = {
        "title": "Doposcuola del lunedì", "category": "after_school", "capacity": 2,
        "days": [0, 2], "start_time": "14:30", "end_time": "17:00",
        "starts_on": date(2026, 9, 14), "ends_on": date(2027, 6, 4),
        "town": "Crema", "place": "Via Mercato 12", "min_age": 6, "max_age": 11,
        "grades": ["P1", "P2"], "languages": ["it", "ar"], "publish": True,
    }
    return ActivityCreate(**{**values, **changes})


def form_of(activity: ActivityCreate | None = None, **changes) -> dict:
    """The new-activity form as a browser sends it."""
    data = {
        "title": "Aiuto compiti", "category": "homework", "description": "Compiti insieme.",
        "min_age": "8", "max_age": "13", "grades": ["P4", "P5", "S1"], "days": ["1", "3"],
        "start_time": "15:00", "end_time": "16:30", "starts_on": "2026-10-01",
        "ends_on": "2027-05-31", "place": "Biblioteca", "town": "Cremona", "capacity": "12",
        "cost_kind": "isee", "band_limit_1": "8.265", "band_fee_1": "0",
        "band_limit_2": "20000", "band_fee_2": "15,50", "band_fee_3": "30",
        "accessibility": "Senza barriere.", "languages": ["it", "ro"],
    }
    data.update(changes)
    return data


@pytest.fixture
async def world():
    crema = await make_org("civic_center", "Civic Center Crema", "Crema")
    cremona = await make_org("civic_center", "Civic Center Cremona", "Cremona")
    school = await make_org("school", "IC Lungo Serio", "Crema")
    program = await make_org("program", "FareLegami")
    return SimpleNamespace(
        crema=crema, cremona=cremona, school=school,
        operator=await make_user("op@crema.example", crema, "civic_center_operator"),
        other=await make_user("op@cremona.example", cremona, "civic_center_operator"),
        coordinator=await make_user("ref@school.example", school, "school_coordinator"),
        maker=await make_user("maker@farelegami.example", program, "community_maker"),
    )


async def caller(user_id):
    return await load_caller(user_id)


# The service -----------------------------------------------------------------------------


async def test_operator_creates_an_activity_with_its_places(world):
    info = await activities.create_activity(await caller(world.operator), new_activity(
        cost_kind="isee", fee_bands=[FeeBand(0, 8265), FeeBand(2500, 20000), FeeBand(4000)]))
    assert info.civic_center_id == world.crema and info.civic_center_name == "Civic Center Crema"
    assert (info.capacity, info.places_left, info.waitlisted, info.status) == (2, 2, 0, "published")
    assert [band.isee_up_to for band in info.fee_bands] == [8265, 20000, None]
    pool = await PlacePool.objects().where(PlacePool.id == info.pool_id).first()
    assert (pool.owner_kind, pool.capacity) == ("activity", 2)
    assert await AuditEvent.exists().where(AuditEvent.action == "activity.created")


async def test_a_new_activity_is_a_draft_unless_published(world):
    info = await activities.create_activity(await caller(world.operator),
                                            new_activity(publish=False))
    assert info.status == "draft"
    assert await activities.published_activities() == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "  "}, "title"),
    ({"category": "party"}, "category"),
    ({"min_age": 12, "max_age": 8}, "max_age"),
    ({"min_age": 2}, "min_age"),
    ({"max_age": 19}, "max_age"),
    ({"min_age": None, "max_age": None, "grades": []}, "min_age"),
    ({"grades": ["P9"]}, "grades"),
    ({"days": []}, "days"),
    ({"days": [7]}, "days"),
    ({"start_time": "4pm"}, "start_time"),
    ({"start_time": "17:00", "end_time": "16:00"}, "end_time"),
    ({"end_time": "24:00"}, "end_time"),
    ({"starts_on": None}, "starts_on"),
    ({"ends_on": date(2026, 9, 1)}, "ends_on"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 501}, "capacity"),
    ({"cost_kind": "barter"}, "cost_kind"),
    ({"cost_kind": "fixed", "cost_cents": -1}, "cost_cents"),
    ({"cost_kind": "isee", "fee_bands": []}, "fee_bands"),
    ({"cost_kind": "isee", "fee_bands": [FeeBand(0, 20000), FeeBand(10, 8000)]}, "fee_bands"),
    ({"cost_kind": "isee", "fee_bands": [FeeBand(-5, 8000)]}, "fee_bands"),
    ({"cost_kind": "isee", "fee_bands": [FeeBand(0, None), FeeBand(10, 8000)]}, "fee_bands"),
    ({"languages": []}, "languages"),
    ({"languages": ["it", "klingon"]}, "languages"),
    ({"town": ""}, "town"),
])
async def test_invalid_activities_are_refused_with_a_message(world, changes, field):
    with pytest.raises(InvalidInput) as refused:
        await activities.create_activity(await caller(world.operator), new_activity(**changes))
    assert field in refused.value.errors and refused.value.errors[field]
    assert await Activity.count() == 0 and await PlacePool.count() == 0


async def test_cost_fields_that_do_not_apply_are_not_kept(world):
    info = await activities.create_activity(await caller(world.operator), new_activity(
        cost_kind="free", cost_cents=500, fee_bands=[FeeBand(100, 5000)]))
    assert (info.cost_cents, info.fee_bands) == (0, [])
    fixed = await activities.update_activity(await caller(world.operator), info.id,
                                             ActivityUpdate(cost_kind="fixed", cost_cents=2500))
    assert (fixed.cost_kind, fixed.cost_cents, fixed.fee_bands) == ("fixed", 2500, [])


async def test_update_changes_only_the_fields_given(world):
    op = await caller(world.operator)
    info = await activities.create_activity(op, new_activity())
    changed = await activities.update_activity(op, info.id, ActivityUpdate(
        title="Doposcuola", days=[4, 1, 1], min_age=None, capacity=5))
    assert (changed.title, changed.days, changed.min_age, changed.max_age) == (
        "Doposcuola", [1, 4], None, 11)
    assert (changed.capacity, changed.places_left, changed.town) == (5, 5, "Crema")


async def test_places_cannot_go_below_those_taken(world):
    op = await caller(world.operator)
    info = await activities.create_activity(op, new_activity(capacity=3))
    for pupil in range(2):
        await places.request_place(info.pool_id, "pupil", _id(pupil), world.school)
    with pytest.raises(InvalidInput) as refused:
        await activities.update_activity(op, info.id, ActivityUpdate(capacity=1, title="X"))
    assert "capacity" in refused.value.errors
    after = await activities.get_activity(op, info.id)
    assert (after.capacity, after.title) == (3, "Doposcuola del lunedì")


def _id(number: int):
    from uuid import UUID

    return UUID(int=number + 1)


async def test_raising_places_offers_them_to_the_waitlist(world):
    op = await caller(world.operator)
    info = await activities.create_activity(op, new_activity(capacity=1))
    await places.request_place(info.pool_id, "pupil", _id(1), world.school)
    await places.request_place(info.pool_id, "pupil", _id(2), world.school)
    assert (await activities.get_activity(op, info.id)).waitlisted == 1
    raised = await activities.update_activity(op, info.id, ActivityUpdate(capacity=2))
    assert (raised.waitlisted, raised.offered, raised.places_left) == (0, 1, 0)


async def test_publish_and_close(world):
    op = await caller(world.operator)
    info = await activities.create_activity(op, new_activity(publish=False))
    assert (await activities.publish_activity(op, info.id)).status == "published"
    assert [a.id for a in await activities.published_activities("crema")] == [info.id]
    assert (await activities.close_activity(op, info.id)).status == "closed"
    assert await activities.published_activities() == []
    assert (await activities.publish_activity(op, info.id)).status == "published"


async def test_published_activities_by_town_leave_out_ended_ones(world):
    op = await caller(world.operator)
    today = now().date()
    running = await activities.create_activity(op, new_activity(
        starts_on=today - timedelta(days=30), ends_on=today))
    await activities.create_activity(op, new_activity(
        title="Finito", starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=1)))
    other = await activities.create_activity(await caller(world.other), new_activity(
        town="Cremona", starts_on=today, ends_on=today + timedelta(days=60)))
    assert [a.id for a in await activities.published_activities("Crema")] == [running.id]
    assert {a.id for a in await activities.published_activities()} == {running.id, other.id}
    assert (await activities.activity_info(other.id)).town == "Cremona"
    assert set(await activities.activity_infos([running.id, other.id])) == {running.id, other.id}


async def test_operators_list_only_their_center_and_staff_filter(world):
    mine = await activities.create_activity(await caller(world.operator), new_activity())
    theirs = await activities.create_activity(await caller(world.other), new_activity())
    assert [a.id for a in await activities.list_activities(await caller(world.operator))] == [
        mine.id]
    staff = await caller(world.maker)
    assert {a.id for a in await activities.list_activities(staff)} == {mine.id, theirs.id}
    assert [a.id for a in await activities.list_activities(staff, world.cremona)] == [theirs.id]
    assert [c.id for c in await activities.center_choices(await caller(world.other))] == [
        world.cremona]


async def test_staff_must_say_which_center(world):
    staff = await caller(world.maker)
    with pytest.raises(InvalidInput) as refused:
        await activities.create_activity(staff, new_activity())
    assert "civic_center_id" in refused.value.errors
    info = await activities.create_activity(staff, new_activity(civic_center_id=world.cremona))
    assert info.civic_center_id == world.cremona


async def test_operator_cannot_create_for_another_center(world):
    from litestar.exceptions import NotFoundException

    with pytest.raises(NotFoundException):
        await activities.create_activity(await caller(world.operator),
                                         new_activity(civic_center_id=world.cremona))
    with pytest.raises(NotFoundException):
        await activities.create_activity(await caller(world.operator),
                                         new_activity(civic_center_id=world.school))


# The pages -------------------------------------------------------------------------------


async def test_operator_creates_an_activity_from_the_form(client, world):
    await sign_in(client, world.operator)
    token = await csrf_token(client, "/civic/activities/new")
    response = await client.post("/civic/activities/new", data={
        **form_of(), "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    info = (await activities.list_activities(await caller(world.operator)))[0]
    assert response.headers["location"] == f"/civic/activities/{info.id}?saved=1"
    assert (info.title, info.category, info.days, info.grades) == (
        "Aiuto compiti", "homework", [1, 3], ["P4", "P5", "S1"])
    assert (info.capacity, info.status, info.languages) == (12, "draft", ["it", "ro"])
    assert [(b.isee_up_to, b.fee_cents) for b in info.fee_bands] == [
        (8265, 0), (20000, 1550), (None, 3000)]
    page = await client.get(f"/civic/activities/{info.id}", headers=EN)
    assert page.status_code == 200
    for text in ("Aiuto compiti", "Homework help", "Tuesday, Thursday", "15:00–16:30",
                 "Biblioteca, Cremona", "€15.50", "ISEE up to €8,265.00", "Romanian",
                 "Primary 4", "Draft"):
        assert text in page.text, text


async def test_form_errors_are_shown_next_to_the_fields(client, world):
    await sign_in(client, world.operator)
    token = await csrf_token(client, "/civic/activities/new")
    response = await client.post("/civic/activities/new", headers=EN, data={
        **form_of(title="", capacity="lots", end_time="14:00", band_fee_2="abc",
                  languages=[]), "_csrf_token": token})
    assert response.status_code == 422
    for message in ("Enter the activity&#39;s title.", "Enter a whole number.",
                    "The activity must end after it starts.",
                    "Enter an amount in euros, like 12,50.",
                    "Choose at least one language spoken at the activity."):
        assert message in response.text, message
    assert 'value="Biblioteca"' in response.text  # what was typed stays
    assert await Activity.count() == 0


async def test_edit_publish_and_close_from_the_pages(client, world):
    info = await activities.create_activity(await caller(world.operator),
                                            new_activity(publish=False))
    await sign_in(client, world.operator)
    edit = await client.get(f"/civic/activities/{info.id}/edit")
    assert edit.status_code == 200 and 'value="Doposcuola del lunedì"' in edit.text
    token = await csrf_token(client, f"/civic/activities/{info.id}/edit")
    response = await client.post(f"/civic/activities/{info.id}/edit", data={
        **form_of(cost_kind="fixed", cost="25"), "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    changed = await activities.activity_info(info.id)
    assert (changed.title, changed.cost_kind, changed.cost_cents, changed.fee_bands) == (
        "Aiuto compiti", "fixed", 2500, [])
    for action, status in (("publish", "published"), ("close", "closed")):
        response = await client.post(f"/civic/activities/{info.id}/{action}",
                                     data={"_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert (await activities.activity_info(info.id)).status == status


async def test_list_page_shows_the_operators_activities_only(client, world):
    await activities.create_activity(await caller(world.operator), new_activity(title="Mio"))
    await activities.create_activity(await caller(world.other), new_activity(title="Altrui"))
    await sign_in(client, world.operator)
    page = await client.get("/civic/activities", headers=EN)
    assert "Mio" in page.text and "Altrui" not in page.text
    assert f"/civic/centers/{world.crema}/report.docx" in page.text
    assert f"/civic/centers/{world.cremona}/report.docx" not in page.text


async def test_staff_list_filters_by_center(client, world):
    await activities.create_activity(await caller(world.operator), new_activity(title="Mio"))
    await activities.create_activity(await caller(world.other), new_activity(title="Altrui"))
    await sign_in(client, world.maker)
    page = await client.get(f"/civic/activities?center={world.cremona}")
    assert "Altrui" in page.text and "Mio" not in page.text
    both = await client.get("/civic/activities")
    assert "Altrui" in both.text and "Mio" in both.text


async def test_other_roles_cannot_open_the_pages(client, world):
    await sign_in(client, world.coordinator)
    assert (await client.get("/civic/activities")).status_code == 403
    assert (await client.get("/api/v1/activities")).status_code == 403


# The API ---------------------------------------------------------------------------------


async def test_api_create_update_and_validation(client, world):
    await sign_in(client, world.operator)
    body = {"title": "Basket", "category": "sport", "capacity": 20, "days": [5],
            "start_time": "10:00", "end_time": "12:00", "starts_on": "2026-10-03",
            "ends_on": "2027-05-29", "town": "Crema", "place": "Palestra", "min_age": 9,
            "max_age": 13, "cost_kind": "fixed", "cost_cents": 4000, "publish": True}
    created = await api_post(client, "/api/v1/activities", body)
    assert created.status_code == 201, created.text
    activity_id = created.json()["id"]
    assert created.json()["places_left"] == 20 and created.json()["status"] == "published"
    token = client.cookies.get("legami_csrf")
    patched = await client.patch(f"/api/v1/activities/{activity_id}", json={"capacity": 25},
                                 headers={"x-csrftoken": token})
    assert patched.status_code == 200 and patched.json()["capacity"] == 25
    assert patched.json()["title"] == "Basket"
    bad = await client.patch(f"/api/v1/activities/{activity_id}",
                             json={"min_age": 15, "end_time": "09:00"},
                             headers={"x-csrftoken": token, **EN})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"max_age", "end_time"}
    closed = await api_post(client, f"/api/v1/activities/{activity_id}/close", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    listed = await client.get("/api/v1/activities?status=closed")
    assert [a["id"] for a in listed.json()] == [activity_id]


# Isolation: every route, another Civic Center's operator gets 404 ------------------------

GET_ROUTES = [
    "/civic/activities/{id}", "/civic/activities/{id}/edit", "/civic/activities/{id}/roster",
    "/civic/activities/{id}/roster.csv", "/civic/centers/{center}/report.docx",
    "/api/v1/activities/{id}", "/api/v1/activities/{id}/roster",
    "/api/v1/activities/{id}/roster.csv", "/api/v1/civic-centers/{center}/report.docx",
]
POST_ROUTES = [
    ("/civic/activities/{id}/edit", "form"), ("/civic/activities/{id}/publish", "form"),
    ("/civic/activities/{id}/close", "form"), ("/api/v1/activities/{id}/publish", "json"),
    ("/api/v1/activities/{id}/close", "json"), ("/api/v1/activities/{id}", "patch"),
]


async def _owned(world):
    info = await activities.create_activity(await caller(world.operator), new_activity())
    family = Family(school=world.school, family_ref="F1", reference_adult="Rosa Bianchi",
                    contact_phone="333 1234567")
    await family.save()
    pupil = Pupil(family=family.id, first_name="Samira", birth_year=2017, class_name="3A")
    await pupil.save()
    await places.request_place(info.pool_id, "pupil", pupil.id, organization_id=world.school)
    return info


@pytest.mark.parametrize("route", GET_ROUTES)
async def test_every_get_route_is_404_for_another_operator(client, world, route):
    info = await _owned(world)
    path = route.format(id=info.id, center=world.crema)
    await sign_in(client, world.other)
    response = await client.get(path)
    assert response.status_code == 404
    assert "Samira" not in response.text and "Rosa" not in response.text
    await sign_in(client, world.operator)
    assert (await client.get(path)).status_code == 200
    await sign_in(client, world.maker)
    assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize(("route", "kind"), POST_ROUTES)
async def test_every_change_route_is_404_for_another_operator(client, world, route, kind):
    info = await _owned(world)
    path = route.format(id=info.id)
    await sign_in(client, world.other)
    response = await _send(client, path, kind)
    assert response.status_code == 404
    after = await activities.activity_info(info.id)
    assert (after.status, after.title) == ("published", "Doposcuola del lunedì")
    await sign_in(client, world.operator)
    assert (await _send(client, path, kind)).status_code in (200, 303)


async def _send(client, path: str, kind: str):
    if kind == "json":
        return await api_post(client, path, {})
    if kind == "patch":
        await client.get("/api/v1/me")
        return await client.patch(path, json={"title": "Preso"},
                                  headers={"x-csrftoken": client.cookies.get("legami_csrf")})
    token = await csrf_token(client, "/civic/activities")
    return await client.post(path, data={**form_of(title="Preso"), "_csrf_token": token},
                             follow_redirects=False)


async def test_lists_and_reports_of_another_center_are_out_of_reach(client, world):
    await _owned(world)
    await sign_in(client, world.other)
    assert (await client.get(f"/api/v1/activities?center_id={world.crema}")).json() == []
    assert [c["id"] for c in (await client.get("/api/v1/civic-centers")).json()] == [
        str(world.cremona)]
    page = await client.get(f"/civic/activities?center={world.crema}")
    assert page.status_code == 200 and "Doposcuola del lunedì" not in page.text
    body = {"title": "Intruso", "category": "sport", "capacity": 5, "days": [1],
            "start_time": "10:00", "end_time": "11:00", "starts_on": "2026-10-03",
            "ends_on": "2027-05-29", "town": "Crema", "place": "Palestra", "min_age": 9,
            "civic_center_id": str(world.crema)}
    assert (await api_post(client, "/api/v1/activities", body)).status_code == 404
    token = await csrf_token(client, "/civic/activities/new")
    response = await client.post("/civic/activities/new", data={
        **form_of(civic_center_id=str(world.crema)), "_csrf_token": token})
    assert response.status_code == 404
    assert await Activity.count().where(Activity.civic_center == world.crema) == 1
    # A school is not a Civic Center: no report for it, even for program staff.
    await sign_in(client, world.maker)
    assert (await client.get(f"/civic/centers/{world.school}/report.docx")).status_code == 404


async def test_center_report_counts(client, world):
    info = await _owned(world)
    await sign_in(client, world.operator)
    response = await client.get(f"/api/v1/civic-centers/{world.crema}/report.docx", headers=EN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "civic-center-civic-center-crema" in response.headers["content-disposition"]
    text = _docx_text(response.content)
    assert "Civic Center report: Civic Center Crema" in text
    assert "Places: 2; places used: fewer than 5." in text
    assert "Pupils reached: fewer than 5. Families reached: fewer than 5." in text
    assert info.title in text and "IC Lungo Serio" in text
    assert "Samira" not in text and "Rosa" not in text


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(parts)


async def test_demo_activities_are_valid_and_seeded_once():
    from legami.demo.civic_activities import LOCAL, seed_demo_activities

    for name in LOCAL:
        await make_org("civic_center", name, name.removeprefix("Civic Center "))
    assert await seed_demo_activities() == 44
    assert await seed_demo_activities() == 44
    assert await PlacePool.count() == 44
    rows = await Activity.select().output(load_json=True)
    states = await places.pool_states(row["pool"] for row in rows)
    for row in rows:
        values = {**row, "capacity": states[row["pool"]].capacity}
        assert activities.input_errors(values) == {}, row["title"]
    assert sum(row["cost_kind"] == "isee" for row in rows) >= 8
    assert {row["status"] for row in rows} == {"published", "draft", "closed"}
    assert len(await activities.published_activities("Crema")) >= 8
