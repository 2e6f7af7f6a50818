"""Care notes and pick-up persons: recorded by the coordinator from the family's signed
form, read on the roster by the operators of the Civic Center running the activity and
by nobody else on any route, gone when the consent is withdrawn."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from app import places
from app.clock import now
from civic.tables import Family, PupilCare
from tests.civic.families.test_families import add_family, give_consent, make_activity, make_schools
from tests.factories import csrf_token, make_org, make_user, sign_in

EN = {"accept-language": "en"}
NOTE = "Allergico alle arachidi: EpiPen nello zaino"
PARAM = re.compile(r"\{(\w+):(\w+)\}")


@pytest.fixture
async def world() -> Any:
    world = await make_schools()
    family, (luca,) = await add_family(world.a, "FAM-1", "Sara Bonetti",
                                       (("Luca", 2017, "3A"),), contact_phone="333 1234567")
    await give_consent(world, world.a, luca)
    camp = await make_activity(world, capacity=2)
    await places.request_place(camp.pool_id, "pupil", luca, world.a)
    world.family, world.luca, world.camp = family, luca, camp
    elsewhere = await make_org("civic_center", "Civic Center Cremona", "Cremona")
    world.other_center = elsewhere
    world.other = await make_user("op@cremona.example", elsewhere, "civic_center_operator")
    return world


async def save_care(client: Any, world: Any, **fields: str) -> Any:
    page = f"/schools/{world.a}/families/{world.family}"
    token = await csrf_token(client, page)
    return await client.post(f"{page}/pupils/{world.luca}/care", headers=EN, data={
        "_csrf_token": token, **fields}, follow_redirects=False)


async def test_the_coordinator_records_the_signed_form_and_the_operator_reads_it(
        client: Any, world: Any) -> None:
    await sign_in(client, world.coord_a)
    signed = (now().date() - timedelta(days=3)).isoformat()
    response = await save_care(client, world, pickup_persons="Nonno Piero Bonetti",
                               care_note=NOTE, consent_by="Sara Bonetti", consent_on=signed)
    assert response.status_code == 303
    page = await client.get(response.headers["location"], headers=EN)
    assert "Care note: " + NOTE in html.unescape(page.text)
    assert "may be picked up by Nonno Piero Bonetti" in page.text
    await sign_in(client, world.operator)
    roster = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    assert NOTE in html.unescape(roster.text) and "Nonno Piero Bonetti" in roster.text


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"care_note": NOTE, "consent_by": "", "consent_on": "2026-09-15"}, "consent_by",
     "Write who agreed to share this with the operators."),
    ({"care_note": NOTE, "consent_by": "Sara Bonetti", "consent_on": ""}, "consent_on",
     "Enter the day the form was signed, like 2026-09-15."),
    ({"care_note": NOTE, "consent_by": "Sara Bonetti", "consent_on": "2099-01-01"},
     "consent_on", "The day of signature cannot be in the future."),
    ({"care_note": "x" * 301, "consent_by": "Sara Bonetti", "consent_on": "2026-09-15"},
     "care_note", "Too long: at most 300 characters."),
])
async def test_a_care_note_without_a_signed_consent_is_refused(
        client: Any, world: Any, fields: dict[str, str], field: str, message: str) -> None:
    await sign_in(client, world.coord_a)
    response = await save_care(client, world, **fields)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert f'id="{field}-{world.luca}-error"' in response.text
    assert not await PupilCare.exists()


async def test_empty_texts_delete_and_a_withdrawn_consent_takes_the_note_away(
        client: Any, world: Any) -> None:
    await sign_in(client, world.coord_a)
    await save_care(client, world, care_note=NOTE, consent_by="Sara", consent_on="2026-09-15")
    assert await PupilCare.exists()
    await save_care(client, world, care_note="", pickup_persons="", consent_by="Sara")
    assert not await PupilCare.exists()
    await save_care(client, world, care_note=NOTE, consent_by="Sara", consent_on="2026-09-15")
    page = f"/schools/{world.a}/families/{world.family}"
    token = await csrf_token(client, page)
    response = await client.post(f"{page}/pupils/{world.luca}/consent/withdraw",
                                 data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert not await PupilCare.exists()


def _app_get_routes() -> list[str]:
    from legami.application import create_app

    found = set()
    for route in create_app(run_jobs=False).routes:
        if "GET" in getattr(route, "methods", set()) and "{" in route.path:
            found.add(route.path)
    return sorted(found)


def _fill(path: str, ids: dict[str, str]) -> str:
    return PARAM.sub(lambda m: ids.get(m.group(1)) or (
        str(uuid.uuid4()) if m.group(2) == "uuid" else "1" if m.group(2) == "int" else "x"),
        path)


async def test_no_route_shows_a_care_note_to_anyone_who_does_not_run_the_activity(
        client: Any, world: Any) -> None:
    """Walk every GET route with the real ids of the pupil, family, school, activity and
    Centers: another Center's operator, program staff and another school's coordinator
    never read the note (the other operator finds nothing of the activity at all)."""
    await PupilCare(pupil=world.luca, care_note=NOTE, care_consent_by="Sara Bonetti",
                    care_consent_on=now().date()).save()
    family_row = await Family.select(Family.id).first()
    assert family_row is not None
    ids = {"activity_id": str(world.camp.id), "school_id": str(world.a),
           "family_id": str(world.family), "pupil_id": str(world.luca),
           "center_id": str(world.center), "organization_id": str(world.a)}
    routes = _app_get_routes()
    assert any("{activity_id" in path for path in routes)
    for reader in (world.other, world.maker, world.admin, world.coord_b):
        await sign_in(client, reader)
        for route in routes:
            path = _fill(route, ids)
            response = await client.get(path, headers=EN, follow_redirects=False)
            assert response.status_code != 500, path
            assert "arachidi" not in response.content.decode("utf-8", "replace"), (reader, path)
            if reader == world.other and "{activity_id" in route:
                assert response.status_code == 404, path


async def test_program_staff_neither_read_nor_write_a_care_note(client: Any, world: Any) -> None:
    await PupilCare(pupil=world.luca, care_note=NOTE, care_consent_by="Sara Bonetti",
                    care_consent_on=now().date()).save()
    await sign_in(client, world.admin)
    page = await client.get(f"/schools/{world.a}/families/{world.family}", headers=EN)
    assert page.status_code == 200 and "arachidi" not in page.text
    assert f"/pupils/{world.luca}/care" not in page.text
    response = await save_care(client, world, care_note="Nulla", consent_by="X",
                               consent_on="2026-09-15")
    assert response.status_code == 404
    assert (await PupilCare.select(PupilCare.care_note).first())["care_note"] == NOTE


async def test_the_family_shares_a_care_note_from_their_link(client: Any, world: Any) -> None:
    """Before: only the coordinator could record it."""
    from civic.referrals import service as referrals
    from civic.tables import Referral
    from tests.civic.referrals.test_referrals import answer_link_token

    token = await answer_link_token(world, world.luca)
    page = await client.get(f"/f/{token}?lang=en")
    assert "Tell the activity's staff who may pick Luca up" in html.unescape(page.text)
    csrf = await csrf_token(client, "/")
    refused = await client.post(f"/f/{token}/care?lang=en", data={
        "_csrf_token": csrf, "care_note": NOTE, "consent_by": ""})
    assert refused.status_code == 422
    assert "Write who agreed to share this" in html.unescape(refused.text)
    assert not await PupilCare.exists()
    response = await client.post(f"/f/{token}/care?lang=en", data={
        "_csrf_token": csrf, "care_note": NOTE, "pickup_persons": "Zia Anna",
        "consent_by": "Sara Bonetti"}, follow_redirects=False)
    assert response.status_code == 303 and "done=care" in response.headers["location"]
    row = await PupilCare.select().first()
    assert (row["care_note"], row["source"], row["care_consent_by"],
            row["care_consent_on"]) == (NOTE, "family", "Sara Bonetti", now().date())
    await sign_in(client, world.operator)
    roster = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    assert NOTE in html.unescape(roster.text) and "Zia Anna" in roster.text
    await Referral.update({Referral.status: "withdrawn"}).where(Referral.pupil == world.luca)
    closed = await client.post(f"/f/{token}/care?lang=en", data={
        "_csrf_token": csrf, "care_note": "Altro", "consent_by": "X"})
    assert closed.status_code == 422
    assert referrals.LINK_PREFIX == "/f/"
