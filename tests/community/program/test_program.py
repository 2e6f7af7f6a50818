"""The program dashboard and the monitoring report: live figures against the targets,
program staff only, small counts never shown, a Word report a funder can open."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from docx import Document

from app import places
from app.clock import now
from app.errors import InvalidInput
from app.tables import Organization
from civic.tables import Activity, Family, Pupil
from community.program import service as targets
from community.tables import Initiative, Lab, LabAction, LabMeeting
from company_portal.tables import RosterEntry
from surveys.tables import Response, Survey, SurveyVersion, Wave
from tests.factories import make_org, make_user, sign_in

EN = {"accept-language": "en"}
SPRING = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # in the first half of 2026
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class World:
    staff: UUID
    maker: UUID
    company_a: UUID
    company_b: UUID
    school_crema: UUID
    school_casal: UUID
    center_cremona: UUID
    center_crema: UUID


async def add_roster(company: UUID, active: int, inactive: int = 0) -> None:
    for number in range(active + inactive):
        ref = f"e{number}"
        await RosterEntry(company=company, employee_ref=ref, roster_key=f"{company}:{ref}",
                          active=number < active).save()


async def add_pupils(school: UUID, count: int, per_family: int = 1,
                     created_at: datetime | None = None) -> list[UUID]:
    pupils: list[UUID] = []
    for number in range(0, count, per_family):
        family = Family(school=school, family_ref=f"{school}-{number}",
                        reference_adult="Genitore", created_at=created_at or now())
        await family.save()
        for child in range(min(per_family, count - number)):
            pupil = Pupil(family=family.id, first_name=f"Bimbo {number + child}",
                          birth_year=2016, class_name="4A")
            await pupil.save()
            pupils.append(pupil.id)
    return pupils


async def add_activity(center: UUID, capacity: int, starts_on: date | None = None,
                       ends_on: date | None = None) -> UUID:
    pool = await places.create_pool("activity", capacity)
    activity = Activity(civic_center=center, title="Doposcuola", category="after_school",
                        pool=pool, starts_on=starts_on, ends_on=ends_on)
    await activity.save()
    return pool


async def enrol(pool: UUID, pupils: list[UUID], school: UUID) -> None:
    for pupil in pupils:
        await places.request_place(pool, "pupil", pupil, school)


async def add_wave(owner: UUID, status: str, closes_on: date, responses: int) -> None:
    survey = Survey(owner=owner, title="Bisogni")
    await survey.save()
    version = SurveyVersion(survey=survey.id, definition={})
    await version.save()
    wave = Wave(version=version.id, owner=owner, title="Ondata", opens_on=closes_on
                - timedelta(days=14), closes_on=closes_on, status=status)
    await wave.save()
    for _number in range(responses):
        await Response(id=uuid4(), wave=wave.id, company=owner, submitted_on=closes_on).save()


async def make_world() -> World:
    """Two active companies (7 + 3 workers), one not yet active; two schools; two Civic
    Centers; labs, an initiative and survey waves, some of them in spring 2026."""
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    maker = await make_user("maker@farelegami.example", program, "community_maker")
    company_a = await make_org("company", "Officine Rossi", "Crema")
    company_b = await make_org("company", "Latteria Demo", " cremona ")
    company_c = await make_org("company", "In Arrivo", "Crema")
    await Organization.update({Organization.status: "onboarding"}).where(
        Organization.id == company_c)
    await add_roster(company_a, active=7, inactive=2)
    await add_roster(company_b, active=3)
    await add_roster(company_c, active=20)

    school_crema = await make_org("school", "IC Crema Uno", "Crema")
    school_casal = await make_org("school", "IC Casalmaggiore", "Casalmaggiore")
    center_cremona = await make_org("civic_center", "Civic Center Cremona", "Cremona")
    center_crema = await make_org("civic_center", "Civic Center Crema", "Crema")

    crema_pupils = await add_pupils(school_crema, 8, per_family=2)  # 4 families
    casal_pupils = await add_pupils(school_casal, 3)  # 3 families
    big = await add_activity(center_cremona, 10)
    small = await add_activity(center_crema, 2)
    await enrol(big, crema_pupils[:6], school_crema)  # 6 pupils of 3 families
    await enrol(small, crema_pupils[:1] + casal_pupils[:2], school_crema)  # 2 in, 1 waiting

    await Lab(title="Quartiere", scope="town", town="Crema", status="active").save()
    spring_lab = Lab(title="Turni", scope="workplace", company=company_b, status="closed",
                     created_at=SPRING)
    await spring_lab.save()
    await LabMeeting(lab=spring_lab.id, starts_at=SPRING + timedelta(days=7)).save()
    await LabMeeting(lab=spring_lab.id, starts_at=now() + timedelta(days=30)).save()
    await LabAction(lab=spring_lab.id, title="Orari", status="done",
                    updated_at=SPRING + timedelta(days=8)).save()
    await LabAction(lab=spring_lab.id, title="Navetta", status="todo").save()

    pool = await places.create_pool("initiative", 5)
    await Initiative(title="Centro estivo", pool=pool, company=company_a).save()
    for _number in range(2):
        await places.request_place(pool, "user", uuid4(), company_a)

    await add_wave(program, "closed", date(2026, 5, 20), responses=6)
    await add_wave(company_a, "open", now().date() + timedelta(days=5), responses=0)
    return World(staff, maker, company_a, company_b, school_crema, school_casal,
                 center_cremona, center_crema)


async def figures_json(client: Any, query: str = "") -> dict[str, Any]:
    response = await client.get(f"/api/v1/program/targets{query}", headers=EN)
    assert response.status_code == 200, response.text
    return response.json()


def by_key(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return {row[key]: row for row in rows}


# Figures follow live data ----------------------------------------------------------------


async def test_figures_to_date_follow_live_data(client: Any) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    data = await figures_json(client)
    progress = by_key(data["targets"], "key")
    assert (progress["companies"]["achieved"], progress["companies"]["target"]) == (2, 15)
    assert progress["companies"]["percent"] == 13
    assert progress["workers"]["achieved"] == 10  # inactive and not-yet-active left out
    assert progress["schools"]["achieved"] == 2
    assert progress["pupils"]["achieved"] == 7  # a pupil in two activities counts once
    assert progress["families"]["achieved"] == 4
    assert progress["labs"]["achieved"] == 2
    assert progress["civic_centers"]["achieved"] == 2
    assert progress["civic_centers"]["percent"] == 50
    assert data["labs"] == {"started": 2, "active": 1, "closed": 1, "meetings_held": 1,
                            "actions_done": 1}
    assert data["initiatives"] == {"initiatives": 1, "participants": 2}
    assert data["surveys"] == {"waves_closed": 1, "waves_open": 1, "responses": 6}
    assert data["reach"] == {"schools": 2, "families_registered": 7, "pupils_registered": 11,
                             "pupils_reached": 7, "families_reached": 4}
    assert data["civic"] == {"civic_centers": 2, "activities": 2, "capacity": 12,
                             "enrolled": 8, "waitlisted": 1}


async def test_breakdowns_never_show_a_count_below_five(client: Any) -> None:
    world = await make_world()
    await sign_in(client, world.maker)
    data = await figures_json(client)
    towns = by_key(data["towns"], "town")
    assert list(towns) == ["Crema", "Cremona", "Casalmaggiore"]
    assert towns["Crema"]["companies"] == 1 and towns["Crema"]["workers"] == 7
    assert towns["Cremona"]["workers"] is None  # Latteria's 3 workers
    assert towns["Cremona"]["labs"] == 1 and towns["Crema"]["labs"] == 1
    assert towns["Crema"]["pupils_reached"] == 6
    assert towns["Casalmaggiore"]["pupils_reached"] is None
    assert towns["Casalmaggiore"]["families_registered"] is None
    schools = by_key(data["schools"], "school_id")
    crema = schools[str(world.school_crema)]
    assert (crema["pupils_registered"], crema["pupils_reached"]) == (8, 6)
    assert crema["families_reached"] is None  # 3 families
    assert schools[str(world.school_casal)]["pupils_reached"] is None
    centers = by_key(data["civic_centers"], "civic_center_id")
    cremona = centers[str(world.center_cremona)]
    assert (cremona["capacity"], cremona["enrolled"], cremona["percent_used"]) == (10, 6, 60)
    crema_center = centers[str(world.center_crema)]
    assert (crema_center["enrolled"], crema_center["waitlisted"]) == (None, None)
    assert crema_center["percent_used"] is None

    page = await client.get("/program", headers=EN)
    assert page.status_code == 200
    assert "fewer than 5" in page.text
    assert ">3<" not in page.text.replace(" ", "")


async def test_dashboard_shows_the_figures_and_moves_with_the_data(client: Any) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    page = await client.get("/program", headers=EN)
    assert page.status_code == 200
    text = page.text
    assert "2 of 15" in text and "13% of the target" in text
    assert "10 of 1,000" in text and "7 of 1,500" in text and "4 of 500" in text
    assert 'width="13"' in text and "style=" not in text.split("<main", 1)[1]
    assert "Officine Rossi" not in text  # totals, not companies
    assert "Civic Center Cremona" in text and "IC Crema Uno" in text
    assert "Active entries in the rosters of those companies." in text

    await add_roster(world.company_a, active=0)
    for number in range(5):
        await RosterEntry(company=world.company_b, employee_ref=f"n{number}",
                          roster_key=f"{world.company_b}:n{number}").save()
    third = await make_org("company", "Nuova Srl", "Casalmaggiore")
    await add_roster(third, active=5)
    page = await client.get("/program", headers=EN)
    assert "3 of 15" in page.text and "20 of 1,000" in page.text
    towns = by_key((await figures_json(client))["towns"], "town")
    assert towns["Cremona"]["workers"] == 8


async def test_one_company_alone_does_not_show_its_few_workers(client: Any) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    company = await make_org("company", "Piccola Srl", "Crema")
    await add_roster(company, active=3)
    await sign_in(client, staff)
    data = await figures_json(client)
    assert data["workers"] is None
    assert by_key(data["targets"], "key")["workers"]["achieved"] is None
    page = await client.get("/program", headers=EN)
    assert "fewer than 5" in page.text


async def test_figures_of_a_half_year(client: Any) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    spring = await figures_json(client, "?year=2026&half=1")
    assert spring["period"]["starts_on"] == "2026-01-01"
    assert spring["period"]["ends_on"] == "2026-06-30"
    assert spring["labs"] == {"started": 1, "active": 0, "closed": 1, "meetings_held": 1,
                              "actions_done": 1}
    assert spring["surveys"]["waves_closed"] == 1 and spring["surveys"]["responses"] == 6
    # Organizations, pupils and places were all registered after June.
    assert spring["companies"] == 0 and spring["reach"]["pupils_reached"] == 0
    autumn = await figures_json(client, "?year=2026&half=2")
    assert autumn["labs"]["started"] == 1 and autumn["labs"]["meetings_held"] == 0
    assert autumn["surveys"]["waves_closed"] == 0
    assert autumn["companies"] == 2 and autumn["reach"]["pupils_reached"] == 7


async def test_activities_outside_the_period_reach_nobody_in_it(client: Any) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    school = await make_org("school", "IC Cremona Due", "Cremona")
    center = await make_org("civic_center", "Civic Center Cremona", "Cremona")
    pupils = await add_pupils(school, 6)
    summer = await add_activity(center, 10, date(2026, 7, 1), date(2026, 8, 31))
    await enrol(summer, pupils, school)
    await sign_in(client, staff)
    spring = await figures_json(client, "?year=2026&half=1")
    assert spring["civic"]["activities"] == 0
    autumn = await figures_json(client, "?year=2026&half=2")
    assert autumn["civic"]["activities"] == 1 and autumn["reach"]["pupils_reached"] == 6


# The Word report -------------------------------------------------------------------------


def document_text(data: bytes) -> tuple[str, list[list[list[str]]]]:
    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = [[[cell.text for cell in row.cells] for row in table.rows]
              for table in document.tables]
    return text, tables


async def test_word_report_holds_the_period_and_the_figures(client: Any) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    form = await client.get("/program/report", headers=EN)
    assert form.status_code == 200
    assert 'action="/program/report"' in form.text
    assert '<label for="year">' in form.text and 'for="half-2"' in form.text
    page = await client.get("/program/report?year=2026&half=2", headers=EN)
    assert 'href="/program/report.docx?year=2026&amp;half=2"' in page.text

    response = await client.get("/program/report.docx?year=2026&half=2", headers=EN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(DOCX)
    assert 'filename="monitoring-report-2026-h2.docx"' in response.headers[
        "content-disposition"]
    text, tables = document_text(response.content)
    assert "Half-yearly monitoring report" in text and "Welfare in azione" in text
    assert "July 1, 2026" in text and "December 31, 2026" in text
    framework = {row[0]: row[1:] for row in tables[0][1:]}
    assert framework["1. Companies and work-life balance"][1].startswith(
        "15 companies and 1,000 workers")
    companies = {row[0]: row[1:] for row in tables[1][1:]}
    assert companies["1.1 Companies taking part"][:2] == ["0", "15"]
    assert companies["1.7 Partner companies signed up (context)"][3] == "2"
    cells = {cell for table in tables for row in table for cell in row}
    assert "IC Crema Uno" in cells and "Civic Center Crema" in cells
    assert "fewer than 5" in cells and "6 (60%)" in cells
    assert not any("(—)" in cell for cell in cells)  # no share of hidden places


async def test_api_gives_the_report_of_a_half_year(client: Any) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    response = await client.get("/api/v1/program/report.docx?year=2026&half=1", headers=EN)
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('-2026-h1.docx"')
    text, tables = document_text(response.content)
    assert "January 1, 2026" in text and "June 30, 2026" in text
    labs = {row[0]: row[1:] for table in tables if table[0][0] == "Indicator"
            for row in table[1:]}
    assert labs["3.1 Labs that met"][:4] == ["0", "45", "0", "1"]
    assert labs["3.2 Lab meetings held"][3] == "1"
    assert labs["1.1 Companies taking part"][3] == "0"


# Bad periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "half", "fields"), [
    ("abc", "1", {"year"}),
    ("1999", "2", {"year"}),
    ("2026", "3", {"half"}),
    ("", "", {"year", "half"}),
    ("2031", "1", {"year"}),
])
async def test_bad_period_gets_a_clear_message(client: Any, year: str, half: str,
                                               fields: set[str]) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    api = await client.get(f"/api/v1/program/report.docx?year={year}&half={half}",
                           headers=EN)
    assert api.status_code == 422
    assert set(api.json()["errors"]) == fields
    if year or half:
        targets_api = await client.get(f"/api/v1/program/targets?year={year}&half={half}",
                                       headers=EN)
        assert targets_api.status_code == 422
    page = await client.get(f"/program/report.docx?year={year}&half={half}", headers=EN)
    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert 'role="alert"' in page.text and 'aria-invalid="true"' in page.text
    messages = api.json()["errors"]
    for message in messages.values():
        assert message in page.text


def test_a_half_year_that_has_not_started_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        targets.parse_period("2026", "2", on=date(2026, 3, 1))
    assert set(refused.value.errors) == {"half"}
    assert targets.parse_period("2026", "H1", on=date(2026, 3, 1)).ends_on == date(2026, 6, 30)
    period = targets.parse_period("2026", "2", on=date(2026, 7, 1))
    assert period.start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # midnight in Rome
    assert period.end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


# Who may see it --------------------------------------------------------------------------

ROUTES = ["/program", "/program/report", "/program/report.docx?year=2026&half=1",
          "/program/report?year=2026&half=1", "/api/v1/program/half-year?year=2026&half=1",
          "/api/v1/program/targets", "/api/v1/program/report.docx?year=2026&half=1"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["hr_manager", "employee", "school_coordinator",
                                  "civic_center_operator"])
async def test_only_program_staff_reach_the_program(client: Any, route: str,
                                                    role: str) -> None:
    kind = {"hr_manager": "company", "employee": "company", "school_coordinator": "school",
            "civic_center_operator": "civic_center"}[role]
    organization = await make_org(kind, "Partner", "Crema")
    user = await make_user(f"{role}@partner.example", organization, role)
    await sign_in(client, user)
    response = await client.get(route, headers=EN)
    assert response.status_code in (403, 404)
    assert "Companies signed up" not in response.text


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["program_admin", "community_maker"])
async def test_program_staff_reach_every_program_route(client: Any, route: str,
                                                       role: str) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    user = await make_user(f"{role}@farelegami.example", program, role)
    await sign_in(client, user)
    response = await client.get(route, headers=EN)
    assert response.status_code == 200


@pytest.mark.parametrize("route", ROUTES)
async def test_anonymous_visitors_are_sent_to_sign_in(client: Any, route: str) -> None:
    response = await client.get(route, follow_redirects=False)
    assert response.status_code in (302, 303, 401)
