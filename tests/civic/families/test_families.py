"""A school's families: the list and search, a family's page, corrections, deletion on
request, the school report; and a coordinator of another school finds none of it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from docx import Document

from app import places
from app.auth.caller import Caller, load_caller
from app.clock import now
from app.tables import AuditEvent
from civic.activities import service as activities
from civic.activities.schemas import ActivityCreate
from civic.consents import service as consents
from civic.families.schemas import ConsentCreate
from civic.tables import Consent, ConsentNotice, Family, Pupil
from tests.factories import api_post, csrf_token, make_org, make_user, sign_in

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class School:
    center: UUID
    operator: UUID
    a: UUID
    b: UUID
    coord_a: UUID
    coord_b: UUID
    admin: UUID
    maker: UUID


async def as_caller(user_id: UUID) -> Caller:
    caller = await load_caller(user_id)
    assert caller is not None
    return caller


async def make_schools(notice: bool = True) -> School:
    program = await make_org("program", "FareLegami", "Cremona")
    center = await make_org("civic_center", "Civic Center Crema", "Crema")
    a = await make_org("school", "IC Lungo Serio", "Crema")
    b = await make_org("school", "IC Il Moso", "Crema")
    if notice:
        await ConsentNotice(version="2026-1", text_it="Informativa alle famiglie",
                            text_en="Notice to families", retention_months=12).save()
    return School(
        center=center,
        operator=await make_user("op@cc.example", center, "civic_center_operator"),
        a=a, b=b,
        coord_a=await make_user("ref@lungoserio.example", a, "school_coordinator"),
        coord_b=await make_user("ref@ilmoso.example", b, "school_coordinator"),
        admin=await make_user("admin@farelegami.example", program, "program_admin"),
        maker=await make_user("giulia@farelegami.example", program, "community_maker"))


async def add_family(school_id: UUID, ref: str = "FAM-1", adult: str = "Sara Bonetti",
                     pupils: tuple[tuple[str, int, str], ...] = (("Luca", 2017, "3A"),),
                     email: str | None = "sara@posta.example", **fields: Any
                     ) -> tuple[UUID, list[UUID]]:
    family = Family(school=school_id, family_ref=ref, reference_adult=adult,
                    contact_email=email, **fields)
    await family.save()
    ids = []
    for name, year, class_name in pupils:
        pupil = Pupil(family=family.id, first_name=name, birth_year=year, class_name=class_name)
        await pupil.save()
        ids.append(pupil.id)
    return family.id, ids


async def give_consent(world: School, school_id: UUID, pupil_id: UUID, **fields: Any) -> None:
    coordinator = world.coord_a if school_id == world.a else world.coord_b
    await consents.record_consent(await as_caller(coordinator), school_id, pupil_id,
                                  ConsentCreate(**{"given_by": "Sara Bonetti", **fields}))


async def make_activity(world: School, title: str = "Doposcuola", capacity: int = 1) -> Any:
    start = now().date() + timedelta(days=10)
    return await activities.create_activity(await as_caller(world.operator), ActivityCreate(
        title=title, category="after_school", capacity=capacity, days=[0, 2],
        start_time="16:30", end_time="18:30", starts_on=start,
        ends_on=start + timedelta(days=90), town="Crema", place="Via Mercato 12", min_age=6,
        max_age=14, publish=True))


@pytest.fixture
async def world() -> School:
    return await make_schools()


async def test_the_list_counts_families_and_consents_and_searches(client, world) -> None:
    _, luca = await add_family(world.a, "FAM-1", "Sara Bonetti",
                               (("Luca", 2017, "3A"), ("Emma", 2015, "5B")))
    await add_family(world.a, "FAM-2", "Ion Popescu", (("Andrei", 2016, "4A"),))
    await add_family(world.b, "FAM-9", "Altra Scuola", (("Nadia", 2016, "4A"),))
    await give_consent(world, world.a, luca[0])
    await sign_in(client, world.coord_a)

    listing = (await client.get(f"/api/v1/schools/{world.a}/families")).json()
    assert [f["family_ref"] for f in listing["items"]] == ["FAM-1", "FAM-2"]
    assert (listing["families"], listing["pupils"], listing["pupils_with_consent"],
            listing["pupils_without_consent"]) == (2, 3, 1, 2)
    assert listing["items"][0]["pupils_with_consent"] == 1
    found = (await client.get(f"/api/v1/schools/{world.a}/families?q=andrei")).json()
    assert [f["family_ref"] for f in found["items"]] == ["FAM-2"]
    found = (await client.get(f"/api/v1/schools/{world.a}/families?q=bonetti")).json()
    assert [f["family_ref"] for f in found["items"]] == ["FAM-1"]

    page = await client.get(f"/schools/{world.a}/families?q=popescu&lang=en")
    assert page.status_code == 200
    assert "Ion Popescu" in page.text and "Sara Bonetti" not in page.text
    assert "Altra Scuola" not in page.text
    assert f'href="/schools/{world.a}/families/import"' in page.text
    assert f'href="/schools/{world.a}/report.docx"' in page.text


async def test_a_family_page_shows_pupils_consent_state_and_the_suggestions_link(
        client, world) -> None:
    family, (luca, emma) = await add_family(
        world.a, pupils=(("Luca", 2017, "3A"), ("Emma", now().year - 15, "S3")))
    await give_consent(world, world.a, luca, photo_release=True)
    await sign_in(client, world.coord_a)

    detail = (await client.get(f"/api/v1/schools/{world.a}/families/{family}")).json()
    by_name = {p["first_name"]: p for p in detail["pupils"]}
    assert by_name["Luca"]["consented"] and by_name["Luca"]["photo_release"]
    assert by_name["Luca"]["consent"]["notice_version"] == "2026-1"
    assert not by_name["Emma"]["consented"] and by_name["Emma"]["may_consent_alone"]
    assert not by_name["Luca"]["may_consent_alone"]

    page = await client.get(f"/schools/{world.a}/families/{family}?lang=en")
    assert page.status_code == 200
    assert f'href="/schools/{world.a}/families/{family}/suggestions"' in page.text
    assert "Suggest activities" in page.text
    assert "Consent recorded" in page.text and "No consent" in page.text
    assert "Photo release: yes." in page.text
    assert f'action="/schools/{world.a}/families/{family}/pupils/{emma}/consent"' in page.text
    assert "Notice to families" in page.text


async def test_a_family_is_corrected_with_its_few_fields(client, world) -> None:
    family, (luca,) = await add_family(world.a)
    await sign_in(client, world.coord_a)
    page = f"/schools/{world.a}/families/{family}"
    token = await csrf_token(client, page)
    response = await client.post(page, data={
        "_csrf_token": token, "reference_adult": "  Sara   Bonetti Rossi ",
        "contact_email": "", "contact_phone": "+39 333 123 4567", "language": "Rumeno",
        "working_pattern": "shifts", "town": "Crema"}, follow_redirects=False)
    assert response.status_code == 303
    row = await Family.select().where(Family.id == family).first()
    assert (row["reference_adult"], row["contact_email"], row["contact_phone"],
            row["language"], row["working_pattern"]) == (
        "Sara Bonetti Rossi", None, "+39 333 123 4567", "ro", "shifts")

    bad = await client.post(f"{page}?lang=en", data={
        "_csrf_token": token, "reference_adult": "Sara", "contact_email": "",
        "contact_phone": "", "language": "it", "working_pattern": "", "town": ""})
    assert bad.status_code == 422
    assert "Give an e-mail address or a phone number to reach the family." in bad.text

    pupil = await client.put(f"/api/v1/schools/{world.a}/families/{family}/pupils/{luca}",
                             json={"first_name": "Luca", "birth_year": 2017,
                                   "class_name": "4A"},
                             headers={"x-csrftoken": client.cookies.get("legami_csrf")})
    assert pupil.status_code == 200, pupil.text
    assert pupil.json()["pupils"][0]["class_name"] == "4A"
    wrong = await client.put(f"/api/v1/schools/{world.a}/families/{family}/pupils/{luca}",
                             json={"first_name": "Luca", "birth_year": 1990,
                                   "class_name": "4A"},
                             headers={"x-csrftoken": client.cookies.get("legami_csrf"),
                                      "accept-language": "en"})
    assert wrong.status_code == 422
    assert "birth_year" in wrong.json()["errors"]


async def test_deleting_a_family_deletes_everything_and_frees_its_places(client, world
                                                                          ) -> None:
    family, (luca,) = await add_family(world.a)
    _, (andrei,) = await add_family(world.a, "FAM-2", "Ion Popescu", (("Andrei", 2016, "4A"),))
    await give_consent(world, world.a, luca)
    activity = await make_activity(world, capacity=1)
    await places.request_place(activity.pool_id, "pupil", luca, world.a)
    waiting = await places.request_place(activity.pool_id, "pupil", andrei, world.a)
    assert waiting.status == "waitlisted"
    await sign_in(client, world.coord_a)
    page = f"/schools/{world.a}/families/{family}"

    token = await csrf_token(client, page)
    unconfirmed = await client.post(f"{page}/delete?lang=en", data={"_csrf_token": token})
    assert unconfirmed.status_code == 422 and await Family.exists().where(Family.id == family)
    response = await client.post(f"{page}/delete", data={"_csrf_token": token, "confirm": "1"},
                                 follow_redirects=False)
    assert response.status_code == 303
    assert not await Family.exists().where(Family.id == family)
    assert not await Pupil.exists().where(Pupil.id == luca)
    assert not await Consent.exists().where(Consent.pupil == luca)
    assert await places.seat_of(activity.pool_id, "pupil", luca) is None
    moved = await places.seat_of(activity.pool_id, "pupil", andrei)
    assert moved is not None and moved.status == "offered"
    event = await AuditEvent.select().where(AuditEvent.action == "civic.family.deleted"
                                            ).output(load_json=True).first()
    assert event["detail"] == {"families": 1, "pupils": 1}


async def test_the_school_report_counts_reached_pupils_places_and_waitlists(client, world
                                                                            ) -> None:
    _, (luca, emma) = await add_family(world.a, pupils=(("Luca", 2017, "3A"),
                                                       ("Emma", 2015, "5B")))
    _, (andrei,) = await add_family(world.a, "FAM-2", "Ion Popescu", (("Andrei", 2016, "3A"),))
    await add_family(world.b, "FAM-9", "Altra Scuola", (("Nadia", 2016, "4A"),))
    await give_consent(world, world.a, luca, photo_release=True)
    await give_consent(world, world.a, andrei)
    doposcuola = await make_activity(world, "Doposcuola", capacity=1)
    calcio = await make_activity(world, "Calcio", capacity=5)
    await places.request_place(doposcuola.pool_id, "pupil", luca, world.a)
    await places.request_place(calcio.pool_id, "pupil", luca, world.a)
    await places.request_place(doposcuola.pool_id, "pupil", andrei, world.a)
    await sign_in(client, world.coord_a)

    report = (await client.get(f"/api/v1/schools/{world.a}/report")).json()
    # From 1 to 4 the API says null where the Word report says "fewer than 5".
    assert (report["families"], report["pupils"], report["pupils_with_consent"],
            report["photo_releases"]) == (None, None, None, None)
    assert (report["pupils_reached"], report["families_reached"], report["places_used"],
            report["waitlisted"], report["places_offered"]) == (None, None, None, None, 0)
    classes = {c["class_name"]: c for c in report["classes"]}
    assert classes["3A"] == {"class_name": "3A", "pupils": None, "with_consent": None,
                             "reached": None, "places_used": None, "waitlisted": None}
    assert classes["5B"]["reached"] == 0
    by_title = {a["title"]: a for a in report["activities"]}
    assert by_title["Doposcuola"]["places_used"] is None and by_title["Doposcuola"][
        "waitlisted"] is None and by_title["Doposcuola"]["offered"] == 0
    assert emma not in (luca, andrei)

    download = await client.get(f"/schools/{world.a}/report.docx?lang=en")
    assert download.status_code == 200
    assert download.headers["content-type"] == DOCX
    assert "attachment; filename=" in download.headers["content-disposition"]
    document = Document(io.BytesIO(download.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "IC Lungo Serio" in text and "School report" in text
    cells = [[cell.text for cell in row.cells] for table in document.tables
             for row in table.rows]
    # Counts from 1 to 4 that could point at a pupil say "fewer than 5", as everywhere
    # (before: "3A | 2 | 2 | 1 | 2 | 1").
    few = "fewer than 5"
    assert ["Pupils reached", few] in cells and ["Places used", few] in cells
    assert ["Families registered", few] in cells
    assert ["3A", few, few, few, few, few] in cells and ["5B", few, "0", "0", "0", "0"] in cells
    assert not any("Luca" in cell for row in cells for cell in row)


async def test_program_staff_reach_every_school_operators_none(client, world) -> None:
    family, _ = await add_family(world.b)
    await sign_in(client, world.maker)
    assert (await client.get(f"/schools/{world.b}/families/{family}")).status_code == 200
    await sign_in(client, world.operator)
    assert (await client.get(f"/schools/{world.b}/families")).status_code == 404
    assert (await client.get(f"/api/v1/schools/{world.b}/families")).status_code == 404
    assert (await client.get(f"/schools/{world.b}/report.docx")).status_code == 404


async def test_an_organization_that_is_not_a_school_has_no_families(client, world) -> None:
    await sign_in(client, world.admin)
    assert (await client.get(f"/schools/{world.center}/families")).status_code == 404


async def test_anonymous_visitors_are_sent_to_sign_in(client, world) -> None:
    page = await client.get(f"/schools/{world.a}/families", follow_redirects=False)
    assert page.status_code in (302, 303)
    assert (await client.get(f"/api/v1/schools/{world.a}/families")).status_code == 401


# Every route, for the owner and for a coordinator of another school ----------------------


async def _owned(world: School) -> dict[str, Any]:
    family, (pupil,) = await add_family(world.a)
    await give_consent(world, world.a, pupil)
    caller = await as_caller(world.coord_a)
    from civic.families import csv_import as family_import

    preview = await family_import.preview_import(
        caller, world.a, "famiglie.csv",
        b"codice_famiglia;adulto_riferimento;email;nome_alunno;anno_nascita;classe\r\n"
        b"FAM-7;Anna Riboli;anna@posta.example;Marta;2016;4B\r\n")
    return {"school": world.a, "family": family, "pupil": pupil, "import": preview.id}


GET_ROUTES = [
    "/schools/{school}/families",
    "/schools/{school}/families?q=Luca",
    "/schools/{school}/families/import",
    "/schools/{school}/families/imports/{import}",
    "/schools/{school}/families/{family}",
    "/schools/{school}/report.docx",
    "/api/v1/schools/{school}/families",
    "/api/v1/schools/{school}/families/{family}",
    "/api/v1/schools/{school}/pupils/{pupil}/consents",
    "/api/v1/schools/{school}/families/imports/{import}",
    "/api/v1/schools/{school}/report",
    "/api/v1/schools/{school}/report.docx",
]


@pytest.mark.parametrize("route", GET_ROUTES)
async def test_every_read_route_is_404_for_another_school(client, world, route) -> None:
    owned = await _owned(world)
    path = route.format(**owned)
    await sign_in(client, world.coord_b)
    response = await client.get(path)
    assert response.status_code == 404
    assert "Sara Bonetti" not in response.text and "Lungo Serio" not in response.text
    await sign_in(client, world.operator)
    assert (await client.get(path)).status_code == 404
    await sign_in(client, world.coord_a)
    assert (await client.get(path)).status_code == 200


PAGE_POSTS = [
    ("/schools/{school}/families/{family}", {"reference_adult": "X", "contact_email":
                                             "x@posta.example"}),
    ("/schools/{school}/families/{family}/pupils/{pupil}", {"first_name": "Luca",
                                                            "birth_year": "2017",
                                                            "class_name": "4A"}),
    ("/schools/{school}/families/{family}/pupils/{pupil}/consent", {"given_by": "Sara"}),
    ("/schools/{school}/families/{family}/pupils/{pupil}/care", {
        "care_note": "Allergico alle arachidi", "consent_by": "Sara", "consent_on": "2026-09-15"}),
    ("/schools/{school}/families/{family}/pupils/{pupil}/consent/withdraw", {}),
    ("/schools/{school}/families/imports/{import}/confirm", {}),
    ("/schools/{school}/families/{family}/delete", {"confirm": "1"}),
]


@pytest.mark.parametrize(("route", "data"), PAGE_POSTS)
async def test_every_page_action_is_404_for_another_school(client, world, route, data
                                                           ) -> None:
    owned = await _owned(world)
    path = route.format(**owned)
    await sign_in(client, world.coord_b)
    token = await csrf_token(client, f"/schools/{world.b}/families")
    response = await client.post(path, data={**data, "_csrf_token": token},
                                 follow_redirects=False)
    assert response.status_code == 404
    await sign_in(client, world.coord_a)
    token = await csrf_token(client, f"/schools/{world.a}/families")
    response = await client.post(path, data={**data, "_csrf_token": token},
                                 follow_redirects=False)
    assert response.status_code == 303, response.text


async def test_the_upload_page_action_is_404_for_another_school(client, world) -> None:
    await sign_in(client, world.coord_b)
    token = await csrf_token(client, f"/schools/{world.b}/families")
    files = {"file": ("f.csv", b"codice_famiglia;adulto_riferimento;email;nome_alunno;"
                               b"anno_nascita;classe\r\nF;A;a@b.example;M;2016;4B\r\n",
                      "text/csv")}
    response = await client.post(f"/schools/{world.a}/families/import",
                                 data={"_csrf_token": token}, files=files)
    assert response.status_code == 404
    api = await client.post(f"/api/v1/schools/{world.a}/families/imports",
                            files=files, headers={"x-csrftoken": token})
    assert api.status_code == 404
    assert not await Family.exists().where(Family.family_ref == "F")


API_CHANGES = [
    ("put", "/api/v1/schools/{school}/families/{family}",
     {"reference_adult": "X", "contact_email": "x@posta.example"}),
    ("put", "/api/v1/schools/{school}/families/{family}/pupils/{pupil}",
     {"first_name": "Luca", "birth_year": 2017, "class_name": "4A"}),
    ("post", "/api/v1/schools/{school}/pupils/{pupil}/consents", {"given_by": "Sara"}),
    ("post", "/api/v1/schools/{school}/pupils/{pupil}/consents/withdraw", None),
    ("post", "/api/v1/schools/{school}/families/imports/{import}/confirm", None),
    ("delete", "/api/v1/schools/{school}/families/{family}", None),
]


@pytest.mark.parametrize(("method", "route", "body"), API_CHANGES)
async def test_every_api_change_is_404_for_another_school(client, world, method, route, body
                                                          ) -> None:
    owned = await _owned(world)
    path = route.format(**owned)

    async def send() -> Any:
        await client.get("/api/v1/me")
        headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
        if method == "post":
            return await api_post(client, path, body)
        return await client.request(method.upper(), path, json=body, headers=headers)

    await sign_in(client, world.coord_b)
    assert (await send()).status_code == 404
    await sign_in(client, world.operator)
    assert (await send()).status_code == 404
    await sign_in(client, world.coord_a)
    assert (await send()).status_code in (200, 201, 204)
