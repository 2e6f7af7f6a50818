"""Community labs: who makes and sees them, meetings and actions, voluntary membership that
never touches survey data, the Word report, and 404 for every other tenant."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from docx import Document
from litestar.exceptions import NotFoundException

from app.auth.caller import Caller, load_caller
from app.clock import ITALY
from app.db import engine, is_sqlite
from app.errors import InvalidInput
from app.tables import AuditEvent
from app.values import json_value
from community.labs import service as labs
from community.labs.schemas import ActionIn, AgendaItem, LabCreate, MeetingIn
from community.tables import Lab, LabAction, LabMeeting, LabMember
from community.taxonomy.needs import NeedRef
from tests.factories import api_post, make_org, make_user, post_form, sign_in
from tests.surveys.waves.test_waves import with_company_signin


@dataclass
class World:
    program: UUID
    admin: UUID
    maker: UUID
    rossi: UUID  # Crema
    bianchi: UUID  # Crema
    casearia: UUID  # Casalmaggiore
    hr_rossi: UUID
    hr_casearia: UUID
    anna: UUID  # employee of Rossi
    carlo: UUID  # employee of Casearia


async def make_world() -> World:
    program = await make_org("program", "FareLegami", "Cremona")
    admin = await make_user("admin@farelegami.example", program, "program_admin",
                            name="Laura Tosetti")
    maker = await make_user("giulia@farelegami.example", program, "community_maker",
                            name="Giulia Ferrandi")
    rossi = await make_org("company", "Officine Rossi", "Crema")
    bianchi = await make_org("company", "Bianchi Logistica", "Crema")
    casearia = await make_org("company", "Casearia del Po", "Casalmaggiore")
    return World(
        program, admin, maker, rossi, bianchi, casearia,
        hr_rossi=await make_user("hr@rossi.example", rossi, "hr_manager", name="Rita HR"),
        hr_casearia=await make_user("hr@casearia.example", casearia, "hr_manager"),
        anna=await make_user("anna@rossi.example", rossi, "employee", name="Anna Bassi"),
        carlo=await make_user("carlo@casearia.example", casearia, "employee",
                              name="Carlo Po"))


async def caller(user: UUID) -> Caller:
    found = await load_caller(user)
    assert found is not None
    return found


def need(company: UUID, question: str = "childcare_needs", option: str = "nursery",
         area: str = "children", share: float = 0.6) -> NeedRef:
    return NeedRef(wave_id=uuid4(), group_key=f"company:{company}",
                   group_label="Officine Rossi", area=area, area_label="Children",
                   question=question, option=option, label=f"Need {option}",
                   count=int(share * 10), n=10, share=share)


async def workplace_lab(world: World, **extra: Any) -> UUID:
    data = LabCreate(title="Lab Officine Rossi", scope="workplace", company_id=world.rossi,
                     agenda=[AgendaItem("Nido aziendale", "children")],
                     needs=[need(world.rossi)], facilitator_id=world.maker, **extra)
    return await labs.create_lab(await caller(world.admin), data)


async def town_lab(world: World, town: str = "Crema") -> UUID:
    data = LabCreate(title=f"Lab {town}", scope="town", town=town,
                     partners=["Comune", "Comunità Sociale Cremasca"],
                     agenda=[AgendaItem("Trasporto condiviso", "commuting")])
    return await labs.create_lab(await caller(world.maker), data)


async def api_send(client: Any, method: str, path: str, json: Any) -> Any:
    await client.get("/api/v1/me")
    token = client.cookies.get("legami_csrf") or ""
    return await client.request(method, path, json=json, headers={"x-csrftoken": token})


# Making labs -------------------------------------------------------------------------------


async def test_program_staff_make_workplace_and_town_labs_with_an_audit_record() -> None:
    world = await make_world()
    lab_id = await workplace_lab(world)
    town_id = await town_lab(world, " crema ")

    lab = await labs.get_lab(await caller(world.admin), lab_id)
    assert (lab.scope, lab.company_id, lab.facilitator.name if lab.facilitator else None) == (
        "workplace", world.rossi, "Giulia Ferrandi")
    assert [(n.question, n.option, n.share) for n in lab.needs] == [
        ("childcare_needs", "nursery", 0.6)]
    town = await labs.get_lab(await caller(world.admin), town_id)
    assert town.town == "Crema"  # the companies' own spelling
    assert town.facilitator is not None and town.facilitator.id == world.maker  # its maker
    audited = await AuditEvent.select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.action == "lab.created")
    assert sorted(str(row["actor_id"]) for row in audited) == sorted(
        [str(world.admin), str(world.maker)])


async def test_an_hr_manager_makes_only_a_workplace_lab_of_their_own_company() -> None:
    world = await make_world()
    hr = await caller(world.hr_rossi)
    own = await labs.create_lab(hr, LabCreate(title="Il nostro lab", scope="workplace",
                                              company_id=world.rossi))
    assert (await labs.get_lab(hr, own)).can_edit
    with pytest.raises(NotFoundException):
        await labs.create_lab(hr, LabCreate(title="Altrui", scope="workplace",
                                            company_id=world.bianchi))
    with pytest.raises(NotFoundException):
        await labs.create_lab(hr, LabCreate(title="Città", scope="town", town="Crema"))
    with pytest.raises(NotFoundException):
        await labs.create_lab(await caller(world.anna), LabCreate(
            title="Io", scope="workplace", company_id=world.rossi))
    assert await Lab.count() == 1


async def test_a_lab_needs_its_company_or_town_and_a_community_maker_as_facilitator() -> None:
    world = await make_world()
    admin = await caller(world.admin)
    with pytest.raises(InvalidInput) as workplace:
        await labs.create_lab(admin, LabCreate(title="Senza azienda", scope="workplace"))
    assert set(workplace.value.errors) == {"company_id"}
    with pytest.raises(InvalidInput) as town:
        await labs.create_lab(admin, LabCreate(title="Senza città", scope="town"))
    assert set(town.value.errors) == {"town"}
    with pytest.raises(InvalidInput) as facilitator:
        await labs.create_lab(admin, LabCreate(title="Lab", scope="town", town="Crema",
                                               facilitator_id=world.hr_rossi))
    assert set(facilitator.value.errors) == {"facilitator_id"}
    with pytest.raises(InvalidInput) as scope:
        await labs.create_lab(admin, LabCreate(title="", scope="galaxy"))
    assert set(scope.value.errors) == {"title", "scope"}
    assert await Lab.count() == 0


async def test_labs_new_page_creates_a_lab_for_the_hr_managers_company(client) -> None:
    world = await make_world()
    await sign_in(client, world.hr_rossi)
    page = await client.get("/labs/new?lang=en")
    assert page.status_code == 200 and "Officine Rossi" in page.text
    assert "Bianchi" not in page.text and "Town lab" not in page.text
    refused = await post_form(client, "/labs/new", {"title": "", "scope": "workplace",
                                                    "company_id": str(world.rossi)}, page="/")
    assert refused.status_code == 422
    made = await post_form(client, "/labs/new", {
        "title": "Lab turni", "scope": "workplace", "company_id": str(world.rossi),
        "partners": "Comune di Crema\nAuser", "agenda_text": ["Orari flessibili", ""],
        "agenda_area": ["working_time", ""], "facilitator_id": str(world.maker)}, page="/")
    assert made.status_code == 303
    lab = await Lab.objects().first()
    assert made.headers["location"] == f"/labs/{lab.id}?done=created"
    assert json_value(lab.partners) == ["Comune di Crema", "Auser"]
    assert json_value(lab.agenda) == [{"text": "Orari flessibili", "area": "working_time"}]


# Who sees what ------------------------------------------------------------------------------


async def test_hr_managers_see_their_workplace_labs_and_their_towns_labs_only(client) -> None:
    world = await make_world()
    mine = await workplace_lab(world)
    other = await labs.create_lab(await caller(world.admin), LabCreate(
        title="Lab Bianchi", scope="workplace", company_id=world.bianchi))
    crema = await town_lab(world)
    casalmaggiore = await town_lab(world, "Casalmaggiore")
    hr = await caller(world.hr_rossi)
    assert {lab.id: lab.can_edit for lab in await labs.list_labs(hr)} == {
        mine: True, crema: False}
    assert {lab.id for lab in await labs.list_labs(await caller(world.maker))} == {
        mine, other, crema, casalmaggiore}
    await sign_in(client, world.hr_rossi)
    listing = await client.get("/labs?lang=en")
    assert "Lab Officine Rossi" in listing.text and "Lab Crema" in listing.text
    assert "Lab Bianchi" not in listing.text and "Lab Casalmaggiore" not in listing.text
    town_page = await client.get(f"/labs/{crema}?lang=en")
    assert town_page.status_code == 200 and "Add a meeting" not in town_page.text
    refused = await post_form(client, f"/labs/{crema}/meetings",
                              {"starts_at": "2030-05-01T18:00"}, page="/")
    assert refused.status_code == 403
    assert await LabMeeting.count() == 0


async def test_employees_do_not_reach_the_labs_pages(client) -> None:
    world = await make_world()
    lab_id = await workplace_lab(world)
    await sign_in(client, world.anna)
    assert (await client.get("/labs")).status_code == 404
    assert (await client.get(f"/labs/{lab_id}")).status_code == 404
    assert (await client.get("/api/v1/labs")).status_code == 404
    assert (await client.get(f"/me/labs/{lab_id}")).status_code == 200


# Meetings and actions ------------------------------------------------------------------------


async def test_meetings_and_actions_are_added_edited_and_counted(client) -> None:
    world = await make_world()
    lab_id = await workplace_lab(world)
    await sign_in(client, world.hr_rossi)
    soon = (datetime.now(UTC) + timedelta(days=3)).astimezone(ITALY)
    added = await post_form(client, f"/labs/{lab_id}/meetings", {
        "starts_at": soon.strftime("%Y-%m-%dT18:00"), "place": "Sala mensa",
        "notes": "Primo incontro"}, page="/")
    assert added.status_code == 303
    meeting = await LabMeeting.objects().first()
    assert labs.local_time(meeting.starts_at).hour == 18  # typed in Italian time
    edited = await post_form(client, f"/labs/{lab_id}/meetings/{meeting.id}", {
        "starts_at": soon.strftime("%Y-%m-%dT17:30"), "place": "Sala riunioni",
        "notes": "Spostato"}, page="/")
    assert edited.status_code == 303
    bad = await post_form(client, f"/labs/{lab_id}/meetings", {"starts_at": "domani"},
                          page="/")
    assert bad.status_code == 422 and 'id="meeting-starts_at-error"' in bad.text
    for title, due in (("Censire i bisogni di nido", "2030-06-30"), ("Convenzione", "")):
        response = await post_form(client, f"/labs/{lab_id}/actions", {
            "title": title, "owner": "Ufficio personale", "due_on": due, "status": "todo"},
            page="/")
        assert response.status_code == 303
    first = await LabAction.objects().where(LabAction.title == "Convenzione").first()
    done = await post_form(client, f"/labs/{lab_id}/actions/{first.id}/status",
                           {"status": "done"}, page="/")
    assert done.status_code == 303
    [summary] = await labs.list_labs(await caller(world.hr_rossi))
    assert summary.open_actions == 1
    assert summary.next_meeting is not None and summary.next_meeting.place == "Sala riunioni"
    page = await client.get(f"/labs/{lab_id}?lang=en")
    assert "Sala riunioni" in page.text and "Spostato" in page.text
    assert "Censire i bisogni di nido" in page.text and "June 30, 2030" in page.text
    assert [(a.title, a.status) for a in (await labs.get_lab(
        await caller(world.admin), lab_id)).actions] == [
        ("Censire i bisogni di nido", "todo"), ("Convenzione", "done")]


# Membership --------------------------------------------------------------------------------


async def test_employees_join_and_leave_labs_of_their_workplace_and_town(client) -> None:
    world = await make_world()
    mine = await workplace_lab(world)
    crema = await town_lab(world)
    elsewhere = await town_lab(world, "Casalmaggiore")
    later = datetime.now(UTC) + timedelta(days=10)
    await labs.add_meeting(await caller(world.admin), crema,
                           MeetingIn(starts_at=later, place="Biblioteca di Crema"))
    await sign_in(client, world.anna)
    listing = await client.get("/me/labs?lang=en")
    assert "Lab Officine Rossi" in listing.text and "Lab Crema" in listing.text
    assert "Lab Casalmaggiore" not in listing.text and "Biblioteca di Crema" in listing.text
    joined = await post_form(client, f"/me/labs/{crema}/join", {"back": "list"}, page="/")
    assert joined.status_code == 303
    assert joined.headers["location"] == f"/me/labs?done=joined#lab-{crema}"
    again = await post_form(client, f"/me/labs/{crema}/join", {}, page="/")
    assert again.status_code == 303 and await LabMember.count() == 1  # once only
    page = await client.get(f"/me/labs/{crema}?lang=en")
    assert "You are a member of this lab." in page.text and "Leave the lab" in page.text
    assert (await labs.my_lab(await caller(world.anna), crema)).members is None  # under 5
    left = await post_form(client, f"/me/labs/{crema}/leave", {}, page="/")
    assert left.status_code == 303 and await LabMember.count() == 0
    outside = await post_form(client, f"/me/labs/{elsewhere}/join", {}, page="/")
    assert outside.status_code == 404 and await LabMember.count() == 0
    assert {lab.id for lab in await labs.my_labs(await caller(world.anna))} == {mine, crema}


async def test_employees_follow_what_the_lab_decides_members_read_the_notes(client) -> None:
    """Issue 18: /me promises to "follow what the labs decide", and showed neither the
    actions nor the notes of the meetings held."""
    world = await make_world()
    lab_id = await workplace_lab(world)
    staff = await caller(world.admin)
    await labs.add_meeting(staff, lab_id, MeetingIn(
        starts_at=datetime.now(UTC) - timedelta(days=5), place="Sala mensa",
        notes="Deciso: chiedere al Comune i posti nei nidi."))
    await labs.add_action(staff, lab_id, ActionIn(
        title="Chiedere al Comune i posti nei nidi", owner="Ufficio personale",
        due_on=date(2036, 1, 31)))
    await sign_in(client, world.anna)
    page = await client.get(f"/me/labs/{lab_id}?lang=en")
    assert "Chiedere al Comune i posti nei nidi" in page.text and "To do" in page.text
    assert "Deciso: chiedere" not in page.text  # the notes are the members' own
    assert "join to read them" in page.text
    await post_form(client, f"/me/labs/{lab_id}/join", {}, page="/")
    page = await client.get(f"/me/labs/{lab_id}?lang=en")
    assert "Deciso: chiedere al Comune i posti nei nidi." in page.text
    page = await client.get(f"/me/labs/{lab_id}")  # Italian: laboratorio is masculine
    assert "Da fare" in page.text
    await Lab.update({Lab.status: "closed"}).where(Lab.id == lab_id)
    assert "<dd>Chiuso</dd>" in (await client.get(f"/me/labs/{lab_id}")).text
    await sign_in(client, world.admin)
    assert "<dd>Chiuso</dd>" in (await client.get(f"/labs/{lab_id}")).text


async def test_a_closed_lab_takes_no_new_members_but_lets_them_leave() -> None:
    world = await make_world()
    lab_id = await workplace_lab(world)
    anna = await caller(world.anna)
    await labs.join_lab(anna, lab_id)
    await Lab.update({Lab.status: "closed"}).where(Lab.id == lab_id)
    other = await make_user("bea@rossi.example", world.rossi, "employee")
    with pytest.raises(InvalidInput):
        await labs.join_lab(await caller(other), lab_id)
    assert (await labs.leave_lab(anna, lab_id)).joined is False
    assert [lab.id for lab in await labs.my_labs(anna)] == []


async def test_join_and_leave_through_the_api(client) -> None:
    world = await make_world()
    lab_id = await workplace_lab(world)
    await sign_in(client, world.anna)
    listed = (await client.get("/api/v1/me/labs")).json()
    assert [(lab["id"], lab["joined"]) for lab in listed] == [(str(lab_id), False)]
    joined = await api_post(client, f"/api/v1/me/labs/{lab_id}/join", None)
    assert joined.status_code == 200 and joined.json()["joined"] is True
    left = await api_post(client, f"/api/v1/me/labs/{lab_id}/leave", None)
    assert left.status_code == 200 and left.json()["members"] is None  # under 5: no count


# Membership cannot be joined to survey answers ------------------------------------------------

SURVEY_TABLES = ("surveys", "survey_versions", "waves", "wave_companies", "invitations",
                 "response_drafts", "sealed_responses", "ballots", "responses", "answers",
                 "result_counts", "result_folded", "result_states")


async def _foreign_keys(table: str) -> set[str]:
    """The tables `table` references, as the database itself declares them."""
    if is_sqlite():
        rows = await engine().run_ddl(f"PRAGMA foreign_key_list({table})")
        return {row["table"] for row in rows}
    rows = await engine().run_ddl(
        "SELECT ccu.table_name AS target FROM information_schema.table_constraints tc "
        "JOIN information_schema.constraint_column_usage ccu "
        "ON tc.constraint_name = ccu.constraint_name "
        f"WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = '{table}'")
    return {row["target"] for row in rows}


async def test_lab_membership_has_no_column_that_reaches_survey_answers() -> None:
    member_columns = {c._meta.db_column_name for c in LabMember._meta.columns}
    assert member_columns == {"id", "lab", "user", "member_key", "joined_at"}
    assert await _foreign_keys("lab_members") == {"labs", "users"}
    assert await _foreign_keys("labs") <= {"organizations", "users"}
    for table in (Lab, LabMember):
        for column in table._meta.columns:
            name = column._meta.db_column_name
            assert not any(word in name for word in (
                "response", "answer", "invitation", "token", "participa", "roster")), name
            target = getattr(column._meta, "params", {}).get("references")
            assert target is None or target._meta.tablename not in SURVEY_TABLES


async def _survey_counts() -> dict[str, int]:
    counts = {}
    for table in SURVEY_TABLES:
        rows = await engine().run_ddl(f"SELECT COUNT(*) AS n FROM {table}")
        counts[table] = rows[0]["n"]
    return counts


async def test_joining_a_lab_leaves_no_trace_in_the_survey_tables(client) -> None:
    world = await make_world()
    lab_id = await workplace_lab(world)
    await sign_in(client, world.admin)
    before = await _survey_counts()
    await sign_in(client, world.anna)
    assert (await post_form(client, f"/me/labs/{lab_id}/join", {}, page="/")).status_code == 303
    assert await _survey_counts() == before
    member = await LabMember.select().first()
    assert (member["lab"], member["user"]) == (lab_id, world.anna)
    assert (await post_form(client, f"/me/labs/{lab_id}/leave", {}, page="/")).status_code == 303
    assert await _survey_counts() == before


async def test_hr_managers_never_see_member_names_program_staff_do(client) -> None:
    world = await make_world()
    lab_id = await workplace_lab(world)
    await labs.join_lab(await caller(world.anna), lab_id)
    await sign_in(client, world.hr_rossi)
    page = await client.get(f"/labs/{lab_id}?lang=en")
    assert page.status_code == 200 and "Anna Bassi" not in page.text
    assert "anna@rossi.example" not in page.text
    api = (await client.get(f"/api/v1/labs/{lab_id}")).json()
    assert api["members"] is None and api["member_names"] is None  # one member: no count
    report = await client.get(f"/labs/{lab_id}/report.docx")
    assert "Anna Bassi" not in _docx_text(report.content)
    await sign_in(client, world.maker)
    assert "Anna Bassi" in (await client.get(f"/labs/{lab_id}?lang=en")).text
    assert (await client.get(f"/api/v1/labs/{lab_id}")).json()["member_names"] == [
        "Anna Bassi"]


# The Word report --------------------------------------------------------------------------


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows
             for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_the_lab_report_opens_in_word_with_needs_meetings_and_actions(client) -> None:
    world = await make_world()
    lab_id = await workplace_lab(world, partners=["Comune di Crema"])
    admin = await caller(world.admin)
    await labs.add_meeting(admin, lab_id, MeetingIn(
        starts_at=datetime(2026, 4, 14, 18, 0), place="Sala mensa",
        notes="Raccolte le idee sul nido"))
    await labs.add_action(admin, lab_id, ActionIn(
        title="Convenzione con il nido comunale", owner="Ufficio personale",
        due_on=date(2026, 6, 30), status="doing"))
    await sign_in(client, world.hr_rossi)
    response = await client.get(f"/labs/{lab_id}/report.docx?lang=en")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert 'filename="lab-lab-officine-rossi.docx"' in response.headers["content-disposition"]
    text = _docx_text(response.content)
    for expected in ("Community lab report", "Lab Officine Rossi", "Workplace lab",
                     "Giulia Ferrandi", "Comune di Crema", "Need nursery", "60%",
                     "14 April 2026, 18:00", "Sala mensa", "Raccolte le idee sul nido",
                     "Convenzione con il nido comunale", "Ufficio personale", "June 30, 2026",
                     "In progress"):
        assert expected in text, expected
    api = await client.get(f"/api/v1/labs/{lab_id}/report.docx")
    assert api.status_code == 200 and "Sala mensa" in _docx_text(api.content)


# Every route: another tenant gets 404, the owner gets through ----------------------------------


@dataclass
class Ids:
    lab: UUID
    meeting: int
    action: int


async def _lab_with_parts(world: World) -> Ids:
    lab_id = await workplace_lab(world)
    admin = await caller(world.admin)
    meeting = await labs.add_meeting(admin, lab_id, MeetingIn(
        starts_at=datetime.now(UTC) + timedelta(days=2), place="Sala"))
    action = await labs.add_action(admin, lab_id, ActionIn(title="Fare"))
    return Ids(lab_id, meeting.id, action.id)


TODAY = date.today()
IN_A_WEEK = TODAY + timedelta(days=7)
MEETING = {"starts_at": "2030-05-01T18:00", "place": "Sala", "notes": ""}
PAGE_GETS = ["/labs/{lab}", "/labs/{lab}/edit", "/labs/{lab}/pulse",
             "/labs/{lab}/report.docx", "/api/v1/labs/{lab}", "/api/v1/labs/{lab}/report.docx"]
PAGE_POSTS = [
    ("/labs/{lab}/edit", {"title": "Nuovo titolo", "status": "active"}),
    ("/labs/{lab}/meetings", MEETING),
    ("/labs/{lab}/meetings/{meeting}", MEETING),
    ("/labs/{lab}/actions", {"title": "Altro", "status": "todo"}),
    ("/labs/{lab}/actions/{action}/status", {"status": "done"}),
    ("/labs/{lab}/pulse", {"opens_on": TODAY.isoformat(), "closes_on": IN_A_WEEK.isoformat(),
                           "channels": "sso"}),
]
API_WRITES = [
    ("PUT", "/api/v1/labs/{lab}", {"title": "Nuovo titolo"}),
    ("POST", "/api/v1/labs/{lab}/meetings", {"starts_at": "2030-05-01T18:00:00"}),
    ("PUT", "/api/v1/labs/{lab}/meetings/{meeting}", {"starts_at": "2030-05-01T18:00:00"}),
    ("POST", "/api/v1/labs/{lab}/actions", {"title": "Altro"}),
    ("PUT", "/api/v1/labs/{lab}/actions/{action}", {"title": "Fare meglio"}),
    ("POST", "/api/v1/labs/{lab}/actions/{action}/status", {"status": "done"}),
    ("POST", "/api/v1/labs/{lab}/pulse", {"opens_on": TODAY.isoformat(),
                                         "closes_on": IN_A_WEEK.isoformat(),
                                         "channels": ["sso"]}),
]
ME_GETS = ["/me/labs/{lab}", "/api/v1/me/labs/{lab}"]
ME_POSTS = ["/me/labs/{lab}/join", "/me/labs/{lab}/leave"]
ME_API_POSTS = ["/api/v1/me/labs/{lab}/join", "/api/v1/me/labs/{lab}/leave"]


async def _unchanged(ids: Ids) -> None:
    lab = await Lab.objects().where(Lab.id == ids.lab).first()
    assert (lab.title, lab.pulse_wave_id) == ("Lab Officine Rossi", None)
    assert await LabMeeting.count() == 1 and await LabAction.count() == 1
    action = await LabAction.objects().first()
    assert (action.title, action.status) == ("Fare", "todo")


def _path(template: str, ids: Ids) -> str:
    return template.format(lab=ids.lab, meeting=ids.meeting, action=ids.action)


@pytest.mark.parametrize("template", PAGE_GETS)
async def test_every_lab_read_answers_404_to_another_company(client, template) -> None:
    world = await make_world()
    ids = await _lab_with_parts(world)
    await sign_in(client, world.hr_casearia)
    outsider = await client.get(_path(template, ids))
    assert outsider.status_code == 404 and "Officine Rossi" not in outsider.text
    await sign_in(client, world.anna)
    assert (await client.get(_path(template, ids))).status_code == 404
    await sign_in(client, world.hr_rossi)
    assert (await client.get(_path(template, ids))).status_code == 200


@pytest.mark.parametrize(("template", "data"), PAGE_POSTS)
async def test_every_lab_form_answers_404_to_another_company(client, template, data) -> None:
    world = await make_world()
    await with_company_signin(world.rossi)
    ids = await _lab_with_parts(world)
    await sign_in(client, world.hr_casearia)
    outsider = await post_form(client, _path(template, ids), data, page="/")
    assert outsider.status_code == 404
    await _unchanged(ids)
    await sign_in(client, world.hr_rossi)
    owner = await post_form(client, _path(template, ids), data, page="/")
    assert owner.status_code == 303, owner.text[:2000]


@pytest.mark.parametrize(("method", "template", "data"), API_WRITES)
async def test_every_lab_api_write_answers_404_to_another_company(client, method, template,
                                                                  data) -> None:
    world = await make_world()
    await with_company_signin(world.rossi)
    ids = await _lab_with_parts(world)
    await sign_in(client, world.hr_casearia)
    outsider = await api_send(client, method, _path(template, ids), data)
    assert outsider.status_code == 404
    await _unchanged(ids)
    await sign_in(client, world.hr_rossi)
    owner = await api_send(client, method, _path(template, ids), data)
    assert owner.status_code in (200, 201), owner.text


@pytest.mark.parametrize("template", ME_GETS)
async def test_every_my_lab_read_answers_404_to_another_company(client, template) -> None:
    world = await make_world()
    ids = await _lab_with_parts(world)
    await sign_in(client, world.carlo)
    assert (await client.get(_path(template, ids))).status_code == 404
    await sign_in(client, world.anna)
    assert (await client.get(_path(template, ids))).status_code == 200


@pytest.mark.parametrize("template", ME_POSTS)
async def test_every_my_lab_form_answers_404_to_another_company(client, template) -> None:
    world = await make_world()
    ids = await _lab_with_parts(world)
    await sign_in(client, world.carlo)
    assert (await post_form(client, _path(template, ids), {}, page="/")).status_code == 404
    assert await LabMember.count() == 0
    await sign_in(client, world.anna)
    assert (await post_form(client, _path(template, ids), {}, page="/")).status_code == 303


@pytest.mark.parametrize("template", ME_API_POSTS)
async def test_every_my_lab_api_call_answers_404_to_another_company(client, template) -> None:
    world = await make_world()
    ids = await _lab_with_parts(world)
    await sign_in(client, world.carlo)
    assert (await api_post(client, _path(template, ids), None)).status_code == 404
    await sign_in(client, world.anna)
    assert (await api_post(client, _path(template, ids), None)).status_code == 200


async def test_the_lists_leave_out_other_companies_labs(client) -> None:
    world = await make_world()
    await _lab_with_parts(world)
    await sign_in(client, world.hr_casearia)
    assert (await client.get("/api/v1/labs")).json() == []
    assert "Lab Officine Rossi" not in (await client.get("/labs")).text
    await sign_in(client, world.carlo)
    assert (await client.get("/api/v1/me/labs")).json() == []
    assert "Lab Officine Rossi" not in (await client.get("/me/labs")).text


async def test_the_api_makes_a_lab_and_refuses_bad_input_with_422(client) -> None:
    world = await make_world()
    await sign_in(client, world.maker)
    made = await api_post(client, "/api/v1/labs", {
        "title": "Lab Cremona", "scope": "town", "town": "Cremona",
        "agenda": [{"text": "Doposcuola", "area": "children"}]})
    assert made.status_code == 201, made.text
    assert made.json()["facilitator"]["name"] == "Giulia Ferrandi"
    refused = await api_post(client, "/api/v1/labs", {"title": "X", "scope": "workplace"})
    assert refused.status_code == 422 and "company_id" in refused.text


# The demo ---------------------------------------------------------------------------------


async def test_the_demo_labs_are_made_once_with_community_makers_as_facilitators() -> None:
    from legami.demo.community_labs import DEMO, seed_demo_labs

    program = await make_org("program", "FareLegami", "Cremona")
    rossi = await make_org("company", "Officine Rossi Meccanica S.r.l.", "Crema")
    await make_org("company", "Casearia del Po S.r.l.", "Casalmaggiore")
    towns = [lab for lab in DEMO if lab.company is None]
    assert len(DEMO) == 14 and {lab.town for lab in towns} == {
        "Crema", "Cremona", "Casalmaggiore"}

    assert await seed_demo_labs() == len(towns) + 2
    assert await seed_demo_labs() == 0
    staff = await caller(await make_user("admin@farelegami.example", program, "program_admin"))
    made = await labs.list_labs(staff)
    assert len(made) == len(towns) + 2
    assert all(lab.facilitator is not None for lab in made)
    assert any(lab.next_meeting is not None for lab in made)
    for lab in made:
        assert (await labs.get_lab(staff, lab.id)).facilitator in (
            await labs.facilitator_choices())
    hr = await caller(await make_user("hr@rossi.example", rossi, "hr_manager"))
    assert {lab.title for lab in await labs.list_labs(hr)} == {
        "Turni e famiglia in Officine Rossi", "Crema, quartiere Ombriano: tempi di vita e di "
        "lavoro", "Crema: chi si prende cura"}


async def test_the_demo_town_labs_show_their_guests_and_who_came(client) -> None:
    """Issue 18: the demo's labs had neither guests nor attendance to show."""
    from legami.demo.community_labs import seed_demo_labs

    program = await make_org("program", "FareLegami", "Cremona")
    admin = await make_user("admin@farelegami.example", program, "program_admin")
    await seed_demo_labs()
    lab = await Lab.select(Lab.id).where(Lab.title == "Crema: chi si prende cura").first()
    await sign_in(client, admin)
    page = (await client.get(f"/labs/{lab['id']}", headers={"accept-language": "en"})).text
    assert "Franco Scotti" in page and "Auser Crema" in page
    assert "Attended by 6 people" in page
    shared = await Lab.select(Lab.id).where(
        Lab.title == "Casalmaggiore: spesa e servizi vicini").first()
    page = (await client.get(f"/labs/{shared['id']}", headers={"accept-language": "en"})).text
    assert "Irina Popescu" in page and page.count("Attended by 3 people") == 2


# People who are not employees, and attendance ------------------------------------------------


async def test_staff_add_people_who_are_not_employees_and_record_who_came(client) -> None:
    """Issue 18: a town lab could only count employees; residents, volunteers and council
    officers had no place, and nobody recorded who came to a meeting."""
    world = await make_world()
    lab_id = await workplace_lab(world)
    staff = await caller(world.admin)
    meeting = await labs.add_meeting(staff, lab_id, MeetingIn(
        starts_at=datetime.now(UTC) - timedelta(days=2), place="Sala mensa"))
    await labs.join_lab(await caller(world.anna), lab_id)
    await sign_in(client, world.admin)
    added = await post_form(client, f"/labs/{lab_id}/guests", {
        "name": "Marta Ferri", "kind": "volunteer", "organization": "Auser Crema"},
        page=f"/labs/{lab_id}")
    assert added.status_code == 303
    refused = await post_form(client, f"/labs/{lab_id}/guests?lang=en", {
        "name": "M", "kind": "alien"}, page=f"/labs/{lab_id}")
    assert refused.status_code == 422  # the lab page, with the messages by their fields
    assert "Write the person" in refused.text and 'id="guest-name"' in refused.text
    guest = (await labs.get_lab(staff, lab_id)).guests[0]
    assert (guest.name, guest.kind, guest.organization) == (
        "Marta Ferri", "volunteer", "Auser Crema")

    saved = await post_form(client, f"/labs/{lab_id}/meetings/{meeting.id}/attendance", {
        "user": str(world.anna), "guest": str(guest.id)}, page=f"/labs/{lab_id}")
    assert saved.status_code == 303
    lab = await labs.get_lab(staff, lab_id)
    came = lab.attendance[meeting.id]
    assert came.count == 2 and came.user_ids == [world.anna] and came.guest_ids == [guest.id]
    page = await client.get(f"/labs/{lab_id}?lang=en")
    assert "Attended by 2 people" in page.text and "Marta Ferri" in page.text

    outsider = await make_user("x@bianchi.example", world.bianchi, "employee")
    wrong = await post_form(client, f"/labs/{lab_id}/meetings/{meeting.id}/attendance?lang=en",
                            {"user": str(outsider)}, page=f"/labs/{lab_id}")
    assert wrong.status_code == 422 and "Choose people of this lab." in wrong.text
    assert (await labs.get_lab(staff, lab_id)).attendance[meeting.id].count == 2

    # The HR manager sees no name and a count only from 5 up; adding people is staff's.
    await sign_in(client, world.hr_rossi)
    page = await client.get(f"/labs/{lab_id}?lang=en")
    assert "Marta Ferri" not in page.text and "Anna Bassi" not in page.text
    assert "Attended by fewer than 5" in page.text
    assert (await post_form(client, f"/labs/{lab_id}/guests", {"name": "Ugo"},
                            page=f"/labs/{lab_id}")).status_code == 403
    hr = await labs.get_lab(await caller(world.hr_rossi), lab_id)
    assert hr.guests is None and hr.people is None and hr.attendance[meeting.id].user_ids is None
    # Another company's HR manager: the lab does not exist.
    await sign_in(client, world.hr_casearia)
    for path in (f"/labs/{lab_id}/guests", f"/labs/{lab_id}/guests/{guest.id}/delete",
                 f"/labs/{lab_id}/meetings/{meeting.id}/attendance"):
        assert (await post_form(client, path, {"name": "Ugo"}, page="/")).status_code == 404

    response = await api_send(client, "PUT",
                              f"/api/v1/labs/{lab_id}/meetings/{meeting.id}/attendance",
                              {"user_ids": [], "guest_ids": []})
    assert response.status_code == 404
    await sign_in(client, world.admin)
    response = await api_send(client, "DELETE", f"/api/v1/labs/{lab_id}/guests/{guest.id}",
                              None)
    assert response.status_code == 204
    assert (await labs.get_lab(staff, lab_id)).attendance[meeting.id].count == 1
