"""Review findings on the community side: ids in bodies checked against the caller's
reach, needs never taken from a client, and bad input answered with a message (never a
crash) that writes nothing."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from community.labs import service as labs
from community.labs.schemas import LabCreate
from community.tables import Initiative, Lab, LabAction, LabMeeting
from tests.community.initiatives import test_initiatives as initiatives_world
from tests.community.labs import test_labs as labs_world
from tests.community.proposals import test_proposals as proposals_world
from tests.factories import api_post, make_org, make_user, post_form, sign_in

EN = {"accept-language": "en"}
HUGE = "9" * 20


def _need(group_key: str) -> dict[str, Any]:
    return {"wave_id": str(uuid4()), "group_key": group_key, "group_label": "Officine Rossi",
            "area": "children", "area_label": "Children", "question": "care",
            "option": "nursery", "label": "Nursery place", "count": 2, "n": 3, "share": 0.67}


async def test_an_hr_manager_cannot_tie_an_initiative_to_a_lab_out_of_their_reach(
        client) -> None:
    world = await initiatives_world.make_world()
    staff = await initiatives_world.caller(world.staff)
    cremona = await labs.create_lab(staff, LabCreate(title="Lab Cremona", scope="town",
                                                     town="Cremona"))
    crema = await labs.create_lab(staff, LabCreate(title="Lab Crema", scope="town",
                                                   town="Crema"))
    await sign_in(client, world.hr_a)
    body = {"title": "Navetta", "type_key": "shared_transport", "capacity": 10,
            "provider_name": "Officine Rossi", "provider_kind": "company"}

    refused = await api_post(client, "/api/v1/initiatives", {**body, "lab_id": str(cremona)})
    assert refused.status_code == 404
    assert await Initiative.count() == 0
    made = await api_post(client, "/api/v1/initiatives", {**body, "lab_id": str(crema)})
    assert made.status_code == 201, made.text
    assert made.json()["lab_id"] == str(crema)


async def test_the_api_never_takes_needs_from_the_client(client) -> None:
    world = await initiatives_world.make_world()
    await sign_in(client, world.hr_a)
    need = _need(f"company:{world.a}")

    lab = await api_post(client, "/api/v1/labs?lang=en", {
        "title": "Lab", "scope": "workplace", "company_id": str(world.a), "needs": [need]})
    assert lab.status_code == 422 and list(lab.json()["errors"]) == ["needs"]
    initiative = await api_post(client, "/api/v1/initiatives?lang=en", {
        "title": "Navetta", "type_key": "shared_transport", "capacity": 10,
        "provider_name": "Officine Rossi", "provider_kind": "company", "needs": [need]})
    assert initiative.status_code == 422 and list(initiative.json()["errors"]) == ["needs"]
    assert await Lab.count() == 0 and await Initiative.count() == 0


async def test_odd_costs_and_places_on_the_initiative_form_are_refused_not_a_crash(
        client) -> None:
    world = await initiatives_world.make_world()
    await sign_in(client, world.staff)
    form = {"title": "Centro estivo", "company_id": "", "towns": "Crema",
            "audience": "families", "type_key": "summer_camp", "provider_id": "",
            "provider_name": "Cooperativa Iris", "provider_kind": "cooperative",
            "capacity": "25", "cost": "", "welfare_category": ""}
    for changes in ({"cost": "nan"}, {"cost": "Infinity"}, {"cost": "1e999999"},
                    {"capacity": "²"}):
        response = await post_form(client, "/initiatives?lang=en", {**form, **changes},
                                   page="/initiatives/new")
        assert response.status_code == 422, changes
    assert await Initiative.count() == 0


async def test_odd_places_on_a_proposal_are_refused_not_a_crash(client) -> None:
    w = await proposals_world.world()
    await sign_in(client, w.program.hr[w.a])
    form = {"wave_id": str(w.wave), "group_key": f"company:{w.a}", "area": "commuting",
            "title": "Abbonamenti bus", "type_key": "shared_transport",
            "description": "Bus", "provider_name": "Officine Rossi", "provider_kind": "company"}
    for capacity in ("²", "9" * 5000):
        response = await post_form(client, "/proposals/initiative/create?lang=en",
                                   {**form, "capacity": capacity}, page="/proposals")
        assert response.status_code == 422, capacity[:10]
        assert "Write how many places, a whole number." in response.text
    assert await Initiative.count() == 0


async def test_an_odd_year_for_the_monitoring_report_is_refused_not_a_crash(client) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    await sign_in(client, await make_user("admin@farelegami.example", program,
                                          "program_admin"))
    page = await client.get("/program/report.docx?year=²⁰²⁶&half=1", headers=EN)
    assert page.status_code == 422
    api = await client.get("/api/v1/program/targets?year=²⁰²⁶&half=1", headers=EN)
    assert api.status_code == 422 and "year" in api.json()["errors"]


async def test_a_meeting_out_of_any_calendar_and_unknown_ids_are_answered_not_a_crash(
        client) -> None:
    world = await labs_world.make_world()
    lab = await labs_world.workplace_lab(world)
    await sign_in(client, world.maker)

    page = await post_form(client, f"/labs/{lab}/meetings?lang=en", {
        "starts_at": "0001-01-01T00:00", "place": "Mensa"}, page=f"/labs/{lab}")
    assert page.status_code == 422
    assert "Enter the date and time of the meeting." in page.text
    api = await api_post(client, f"/api/v1/labs/{lab}/meetings",
                         {"starts_at": "0001-01-01T00:00:00", "place": "Mensa"})
    assert api.status_code == 422 and list(api.json()["errors"]) == ["starts_at"]
    assert await LabMeeting.count() == 0

    meeting = await labs_world.api_send(client, "PUT", f"/api/v1/labs/{lab}/meetings/{HUGE}",
                                        {"starts_at": "2026-05-04T18:00:00"})
    assert meeting.status_code == 404
    action = await api_post(client, f"/api/v1/labs/{lab}/actions/{HUGE}/status",
                            {"status": "done"})
    assert action.status_code == 404
    form = await post_form(client, f"/labs/{lab}/actions/{HUGE}/status", {"status": "done"},
                           page=f"/labs/{lab}")
    assert form.status_code == 404
    assert await LabAction.count() == 0
