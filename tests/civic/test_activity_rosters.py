"""Rosters: the operator sees, on the page, in the API and in the CSV, exactly each
pupil's first name, class and whom to call, and nothing else about the family."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from app import places
from app.auth.caller import load_caller
from civic import activities
from civic.activity_schemas import ActivityCreate
from civic.tables import Consent, ConsentNotice, Family, Pupil
from tests.factories import make_org, make_user, sign_in

EN = {"accept-language": "en"}
# Everything the roster must never show: birth years, e-mail beside a phone, working
# pattern, consent details, families of other activities.
NEVER = ("2017", "2016", "rosa.bianchi@posta.example", "shifts", "Giovanni Bianchi",
         "Karim", "Amina Haddad", "333 9999999", "2026-1")


def activity(**changes) -> ActivityCreate:
    values = {"title": "Centro estivo", "category": "summer_camp", "capacity": 2,
              "days": [0, 1, 2, 3, 4], "start_time": "08:30", "end_time": "16:30",
              "starts_on": date(2027, 6, 14), "ends_on": date(2027, 7, 30), "town": "Crema",
              "place": "Oratorio", "min_age": 6, "max_age": 12, "publish": True}
    return ActivityCreate(**{**values, **changes})


async def family(school, adult, pupil, class_name, phone=None, email=None, **extra):
    row = Family(school=school, family_ref=adult[:8], reference_adult=adult,
                 contact_phone=phone, contact_email=email, **extra)
    await row.save()
    child = Pupil(family=row.id, first_name=pupil, birth_year=2017, class_name=class_name)
    await child.save()
    return child.id


@pytest.fixture
async def world():
    crema = await make_org("civic_center", "Civic Center Crema", "Crema")
    cremona = await make_org("civic_center", "Civic Center Cremona", "Cremona")
    school = await make_org("school", "IC Lungo Serio", "Crema")
    other_school = await make_org("school", "IC Porta Po", "Cremona")
    operator = await make_user("op@crema.example", crema, "civic_center_operator")
    other = await make_user("op@cremona.example", cremona, "civic_center_operator")
    camp = await activities.create_activity(await load_caller(operator), activity())
    elsewhere = await activities.create_activity(await load_caller(other),
                                                 activity(town="Cremona"))
    samira = await family(school, "Rosa Bianchi", "Samira", "3A", phone="333 1234567",
                          email="rosa.bianchi@posta.example", working_pattern="shifts")
    notice = ConsentNotice(version="2026-1", text_it="Informativa", text_en="Notice")
    await notice.save()
    await Consent(pupil=samira, notice=notice.id, given_by="Giovanni Bianchi").save()
    andrei = await family(school, "Ion Popescu", "Andrei", "4B",
                          email="ion.popescu@posta.example")
    luca = await family(school, "Marta Ferri", "Luca", "2C", phone="+39 347 7654321")
    sara = await family(school, "Paolo Riva", "Sara", "5A", phone="340 1112223")
    karim = await family(other_school, "Amina Haddad", "Karim", "1A", phone="333 9999999")
    for pupil in (samira, andrei, luca, sara):
        await places.request_place(camp.pool_id, "pupil", pupil, organization_id=school)
    await places.request_place(elsewhere.pool_id, "pupil", karim, organization_id=other_school)
    return SimpleNamespace(crema=crema, operator=operator, other=other, camp=camp,
                           elsewhere=elsewhere, andrei=andrei, school=school)


class Tables(HTMLParser):
    """The rows of every table on a page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> list[list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


async def test_roster_page_shows_exactly_first_name_class_and_whom_to_call(client, world):
    await sign_in(client, world.operator)
    page = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    assert page.status_code == 200
    enrolled, waitlist = tables_of(page.text)
    assert enrolled == [
        ["First name", "Class", "Whom to call", "Phone or e-mail"],
        ["Samira", "3A", "Rosa Bianchi", "333 1234567"],
        ["Andrei", "4B", "Ion Popescu", "ion.popescu@posta.example"],
    ]
    assert waitlist == [
        ["Status", "First name", "Class", "Whom to call", "Phone or e-mail"],
        ["Waitlist, place 1", "Luca", "2C", "Marta Ferri", "+39 347 7654321"],
        ["Waitlist, place 2", "Sara", "5A", "Paolo Riva", "340 1112223"],
    ]
    for text in NEVER:
        assert text not in page.text, text


async def test_a_freed_place_offered_heads_the_waitlist(client, world):
    await places.leave(world.camp.pool_id, "pupil", world.andrei)
    await sign_in(client, world.operator)
    page = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    enrolled, waitlist = tables_of(page.text)
    assert [row[0] for row in enrolled[1:]] == ["Samira"]
    assert [row[:2] for row in waitlist[1:]] == [
        ["Place offered, waiting for an answer", "Luca"], ["Waitlist, place 1", "Sara"]]


async def test_roster_api_carries_only_the_minimal_fields(client, world):
    await sign_in(client, world.operator)
    response = await client.get(f"/api/v1/activities/{world.camp.id}/roster")
    assert response.status_code == 200
    body = response.json()
    assert body["capacity"] == 2
    rows = body["enrolled"] + body["waitlist"]
    assert {tuple(sorted(row)) for row in rows} == {
        ("class_name", "contact", "contact_name", "first_name", "position", "status")}
    assert [(r["first_name"], r["status"], r["position"]) for r in rows] == [
        ("Samira", "enrolled", None), ("Andrei", "enrolled", None),
        ("Luca", "waitlisted", 1), ("Sara", "waitlisted", 2)]
    for text in NEVER:
        assert text not in response.text, text


@pytest.mark.parametrize("path", ["/civic/activities/{id}/roster.csv",
                                  "/api/v1/activities/{id}/roster.csv"])
async def test_roster_csv_has_the_same_minimal_columns(client, world, path):
    await sign_in(client, world.operator)
    response = await client.get(path.format(id=world.camp.id), headers=EN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [
        ["Status", "First name", "Class", "Whom to call", "Phone or e-mail"],
        ["Place confirmed", "Samira", "3A", "Rosa Bianchi", "333 1234567"],
        ["Place confirmed", "Andrei", "4B", "Ion Popescu", "ion.popescu@posta.example"],
        ["Waitlist, place 1", "Luca", "2C", "Marta Ferri", "+39 347 7654321"],
        ["Waitlist, place 2", "Sara", "5A", "Paolo Riva", "340 1112223"],
    ]
    for value in NEVER:
        assert value not in text, value


async def test_a_name_cannot_become_a_spreadsheet_formula(client, world):
    pupil = await family(world.school, "=HYPERLINK(\"x\")", "@Ugo", "1A", phone="1")
    await places.leave(world.camp.pool_id, "pupil", world.andrei)
    await places.request_place(world.camp.pool_id, "pupil", pupil, world.school)
    await sign_in(client, world.operator)
    text = (await client.get(f"/civic/activities/{world.camp.id}/roster.csv")).text
    assert "'=HYPERLINK" in text and ";'@Ugo;" in text


@pytest.mark.parametrize("path", [
    "/civic/activities/{id}/roster", "/civic/activities/{id}/roster.csv",
    "/api/v1/activities/{id}/roster", "/api/v1/activities/{id}/roster.csv"])
async def test_another_operator_gets_404_for_every_roster(client, world, path):
    await sign_in(client, world.other)
    response = await client.get(path.format(id=world.camp.id))
    assert response.status_code == 404
    assert "Samira" not in response.text
    own = await client.get(path.format(id=world.elsewhere.id), headers=EN)
    assert own.status_code == 200 and "Karim" in own.text and "Samira" not in own.text


async def test_report_leaves_out_drafts_and_counts_each_pupil_once(client, world):
    from tests.civic.test_activities import _docx_text

    operator = await load_caller(world.operator)
    await activities.create_activity(operator, activity(title="Bozza segreta", publish=False))
    second = await activities.create_activity(operator, activity(
        title="Musica", category="culture", town="Offanengo"))
    samira_seat = (await places.roster(world.camp.pool_id))[0]
    await places.request_place(second.pool_id, "pupil", samira_seat.holder_id, world.school)
    await sign_in(client, world.operator)
    response = await client.get(f"/civic/centers/{world.crema}/report.docx", headers=EN)
    text = _docx_text(response.content)
    assert "Bozza segreta" not in text
    assert "2 activities offered; 3 of 4 places used; 2 pupils on waitlists." in text
    assert "Pupils reached: 2, from 2 families" in text
    assert "Offanengo | 1 | 1 / 2 | 0 | 1 | 1" in text
    assert "Summer camp | 1 | 2 / 2 | 2 | 2 | 2" in text
    assert "IC Lungo Serio | 2 | 2" in text
