"""Rosters: the operator of a children's activity sees, on the page, in the API and in
the CSV, what looking after the children needs (full name, class, whom to call, the
emergency phone, who may pick them up, the photo release, the care note on the page
for the Center's operators only), and nothing else about the family."""

from __future__ import annotations

import csv
import html
import io
from datetime import date, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from app import places
from app.auth.caller import load_caller
from app.clock import now
from civic.activities import service as activities
from civic.activities.holidays import national_holidays
from civic.activities.schemas import ActivityCreate
from civic.tables import Activity, Attendance, Consent, ConsentNotice, Family, Pupil, PupilCare
from tests.factories import csrf_token, make_org, make_user, sign_in

EN = {"accept-language": "en"}
# Everything the roster must never show: birth years, e-mail beside a phone, working
# pattern, who gave the consent, families of other activities.
NEVER = ("2017", "2016", "rosa.bianchi@posta.example", "shifts", "Giovanni Bianchi",
         "Karim", "Amina Haddad", "333 9999999", "2026-1")
NOTE = "Allergica alle arachidi: EpiPen nello zaino"


def activity(**changes) -> ActivityCreate:
    values = {"title": "Centro estivo", "category": "summer_camp", "capacity": 3,
              "days": [0, 1, 2, 3, 4], "start_time": "08:30", "end_time": "16:30",
              "starts_on": date(2027, 6, 14), "ends_on": date(2027, 7, 30), "town": "Crema",
              "place": "Oratorio", "min_age": 6, "max_age": 12, "publish": True}
    return ActivityCreate(**{**values, **changes})


async def family(school, adult, pupil, class_name, phone=None, email=None, last_name="",
                 **extra):
    row = Family(school=school, family_ref=adult[:8], reference_adult=adult,
                 contact_phone=phone, contact_email=email, **extra)
    await row.save()
    child = Pupil(family=row.id, first_name=pupil, last_name=last_name, birth_year=2017,
                  class_name=class_name)
    await child.save()
    return child.id


@pytest.fixture
async def world():
    crema = await make_org("civic_center", "Civic Center Crema", "Crema")
    cremona = await make_org("civic_center", "Civic Center Cremona", "Cremona")
    school = await make_org("school", "IC Lungo Serio", "Crema")
    other_school = await make_org("school", "IC Porta Po", "Cremona")
    operator = await make_user("op@crema.example", crema, "civic_center_operator")
    colleague = await make_user("op2@crema.example", crema, "civic_center_operator")
    other = await make_user("op@cremona.example", cremona, "civic_center_operator")
    program = await make_org("program", "FareLegami")
    staff = await make_user("staff@farelegami.example", program, "community_maker")
    camp = await activities.create_activity(await load_caller(operator), activity())
    elsewhere = await activities.create_activity(await load_caller(other),
                                                 activity(town="Cremona"))
    samira = await family(school, "Rosa Bianchi", "Samira", "3A", phone="333 1234567",
                          email="rosa.bianchi@posta.example", working_pattern="shifts",
                          last_name="Bianchi", emergency_phone="0373 765432")
    notice = ConsentNotice(version="2026-1", text_it="Informativa", text_en="Notice")
    await notice.save()
    await Consent(pupil=samira, notice=notice.id, given_by="Giovanni Bianchi",
                  photo_release=True).save()
    await PupilCare(pupil=samira, pickup_persons="Nonna Lucia Bianchi", care_note=NOTE,
                    care_consent_by="Rosa Bianchi", care_consent_on=date(2026, 9, 15)).save()
    andrei = await family(school, "Ion Popescu", "Daniel", "4B", last_name="Popescu",
                          email="ion.popescu@posta.example")
    daniel = await family(school, "Marta Ferri", "Daniel", "4B", last_name="Ferri",
                          phone="+39 347 7654321")
    luca = await family(school, "Paolo Riva", "Luca", "2C", phone="340 1112223",
                        last_name="Riva")
    sara = await family(school, "Elena Conti", "Sara", "5A", phone="340 5556667")
    karim = await family(other_school, "Amina Haddad", "Karim", "1A", phone="333 9999999")
    for pupil in (samira, andrei, daniel, luca, sara):
        await places.request_place(camp.pool_id, "pupil", pupil, organization_id=school)
    await places.request_place(elsewhere.pool_id, "pupil", karim, organization_id=other_school)
    return SimpleNamespace(crema=crema, operator=operator, colleague=colleague, other=other,
                           staff=staff, camp=camp, elsewhere=elsewhere, andrei=andrei,
                           samira=samira, daniel=daniel, luca=luca, school=school)


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


class Cards(HTMLParser):
    """The texts of each roster card (an `li.card`): heading, then terms and values."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[list[str]] = []
        self._in_card = False
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "li" and "card" in (dict(attrs).get("class") or ""):
            self.cards.append([])
            self._in_card = True
        elif self._in_card and tag in ("h3", "dt", "dd"):
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("h3", "dt", "dd") and self._text is not None:
            self.cards[-1].append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "li":
            self._in_card = False

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def cards_of(html: str) -> list[list[str]]:
    parser = Cards()
    parser.feed(html)
    return parser.cards


async def test_roster_page_tells_two_daniels_apart_and_shows_what_looking_after_needs(
        client, world):
    await sign_in(client, world.operator)
    page = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    assert page.status_code == 200
    assert cards_of(page.text) == [
        ["Samira Bianchi · class 3A", "Whom to call", "Rosa Bianchi", "Phone or e-mail",
         "333 1234567", "Emergency phone", "0373 765432", "May be picked up by",
         "Nonna Lucia Bianchi", "Photos", "Allowed", "Care note", NOTE],
        ["Daniel Popescu · class 4B", "Whom to call", "Ion Popescu", "Phone or e-mail",
         "ion.popescu@posta.example", "Emergency phone", "—", "May be picked up by",
         "the reference adult only", "Photos", "Not allowed", "Care note", "—"],
        ["Daniel Ferri · class 4B", "Whom to call", "Marta Ferri", "Phone or e-mail",
         "+39 347 7654321", "Emergency phone", "—", "May be picked up by",
         "the reference adult only", "Photos", "Not allowed", "Care note", "—"],
    ]
    [waitlist] = tables_of(page.text)
    assert waitlist == [
        ["Status", "Name", "Class", "Whom to call", "Phone or e-mail"],
        ["Waitlist, place 1", "Luca Riva", "2C", "Paolo Riva", "340 1112223"],
        ["Waitlist, place 2", "Sara", "5A", "Elena Conti", "340 5556667"],
    ]
    assert 'href="tel:3331234567"' in page.text
    for text in NEVER:
        assert text not in page.text, text


async def test_a_colleague_of_the_same_center_reads_the_care_note(client, world):
    """The Center's operators share its activities: whoever stands in needs the note."""
    await sign_in(client, world.colleague)
    page = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    assert page.status_code == 200 and NOTE in page.text


async def test_program_staff_see_the_roster_but_never_a_care_note(client, world):
    await sign_in(client, world.staff)
    for path in ("/civic/activities/{id}/roster", "/api/v1/activities/{id}/roster",
                 "/civic/activities/{id}/roster.csv"):
        response = await client.get(path.format(id=world.camp.id), headers=EN)
        assert response.status_code == 200, path
        assert "Samira" in response.text
        assert "arachidi" not in response.text, path
    page = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    assert "Care notes are shown only to the operators" in page.text


async def test_a_freed_place_offered_heads_the_waitlist(client, world):
    await places.leave(world.camp.pool_id, "pupil", world.andrei)
    await sign_in(client, world.operator)
    page = await client.get(f"/civic/activities/{world.camp.id}/roster", headers=EN)
    [waitlist] = tables_of(page.text)
    assert [card[0] for card in cards_of(page.text)] == [
        "Samira Bianchi · class 3A", "Daniel Ferri · class 4B"]
    assert [row[:2] for row in waitlist[1:]] == [
        ["Place offered, waiting for an answer", "Luca Riva"], ["Waitlist, place 1", "Sara"]]


async def test_roster_api_carries_only_what_looking_after_needs(client, world):
    await sign_in(client, world.operator)
    response = await client.get(f"/api/v1/activities/{world.camp.id}/roster")
    assert response.status_code == 200
    body = response.json()
    assert body["capacity"] == 3 and body["shows_care"] is True
    rows = body["enrolled"] + body["waitlist"]
    assert {tuple(sorted(row)) for row in rows} == {
        ("care_note", "class_name", "contact", "contact_name", "emergency_phone",
         "first_name", "last_name", "photo_release", "pickup_persons", "position",
         "pupil_id", "status")}
    assert [(r["first_name"], r["last_name"], r["status"], r["position"], r["care_note"])
            for r in rows] == [
        ("Samira", "Bianchi", "enrolled", None, NOTE),
        ("Daniel", "Popescu", "enrolled", None, ""),
        ("Daniel", "Ferri", "enrolled", None, ""),
        ("Luca", "Riva", "waitlisted", 1, ""), ("Sara", "", "waitlisted", 2, "")]
    for text in NEVER:
        assert text not in response.text, text


@pytest.mark.parametrize("path", ["/civic/activities/{id}/roster.csv",
                                  "/api/v1/activities/{id}/roster.csv"])
async def test_roster_csv_has_the_same_columns_but_never_the_care_note(client, world, path):
    await sign_in(client, world.operator)
    response = await client.get(path.format(id=world.camp.id), headers=EN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [
        ["Status", "First name", "Last name", "Class", "Whom to call", "Phone or e-mail",
         "Emergency phone", "May be picked up by", "Photos"],
        ["Place confirmed", "Samira", "Bianchi", "3A", "Rosa Bianchi", "333 1234567",
         "0373 765432", "Nonna Lucia Bianchi", "Allowed"],
        ["Place confirmed", "Daniel", "Popescu", "4B", "Ion Popescu",
         "ion.popescu@posta.example", "", "", "Not allowed"],
        ["Place confirmed", "Daniel", "Ferri", "4B", "Marta Ferri", "+39 347 7654321", "", "",
         "Not allowed"],
        ["Waitlist, place 1", "Luca", "Riva", "2C", "Paolo Riva", "340 1112223", "", "",
         "Not allowed"],
        ["Waitlist, place 2", "Sara", "", "5A", "Elena Conti", "340 5556667", "", "",
         "Not allowed"],
    ]
    for value in (*NEVER, "arachidi"):
        assert value not in text, value


async def test_a_name_cannot_become_a_spreadsheet_formula(client, world):
    pupil = await family(world.school, "=HYPERLINK(\"x\")", "@Ugo", "1A", phone="1")
    await places.leave(world.camp.pool_id, "pupil", world.andrei)
    await places.request_place(world.camp.pool_id, "pupil", pupil, world.school)
    await sign_in(client, world.operator)
    text = (await client.get(f"/civic/activities/{world.camp.id}/roster.csv")).text
    assert "'=HYPERLINK" in text and ";'@Ugo;" in text


ACTIVITY_ROUTES = [
    "/civic/activities/{id}/roster", "/civic/activities/{id}/roster.csv",
    "/civic/activities/{id}/attendance", "/api/v1/activities/{id}/roster",
    "/api/v1/activities/{id}/roster.csv"]


@pytest.mark.parametrize("path", ACTIVITY_ROUTES)
async def test_another_operator_gets_404_for_every_roster_and_register(client, world, path):
    await sign_in(client, world.other)
    response = await client.get(path.format(id=world.camp.id))
    assert response.status_code == 404
    assert "Samira" not in response.text and "arachidi" not in response.text
    own = await client.get(path.format(id=world.elsewhere.id), headers=EN)
    assert own.status_code == 200 and "Samira" not in own.text
    assert "Karim" in own.text or path.endswith("/attendance")


# The attendance register -------------------------------------------------------------------


async def running(world) -> date:
    """The camp runs every weekday from three weeks ago to three weeks ahead; returns the
    last weekday up to today that is no holiday (a session that took place)."""
    today = now().date()
    await Activity.update({Activity.starts_on: today - timedelta(days=21),
                           Activity.ends_on: today + timedelta(days=21)}).where(
        Activity.id == world.camp.id)
    day = today
    while day.weekday() > 4 or day in national_holidays(day.year):  # no session then
        day -= timedelta(days=1)
    return day


async def test_the_operator_takes_attendance_and_finds_it_again(client, world):
    session = await running(world)
    await sign_in(client, world.operator)
    page = await client.get(f"/civic/activities/{world.camp.id}/attendance", headers=EN)
    assert page.status_code == 200
    assert f'value="{session.isoformat()}" selected' in page.text
    assert "Samira Bianchi" in page.text and "Daniel Ferri" in page.text
    assert "Luca" not in page.text  # on the waitlist: not at the session
    token = await csrf_token(client, f"/civic/activities/{world.camp.id}/attendance")
    response = await client.post(f"/civic/activities/{world.camp.id}/attendance", data={
        "_csrf_token": token, "session_on": session.isoformat(),
        f"mark-{world.samira}": "present", f"mark-{world.daniel}": "absent",
        f"mark-{world.andrei}": "present"}, follow_redirects=False)
    assert response.status_code == 303
    page = await client.get(response.headers["location"], headers=EN)
    assert "Attendance saved: 2 present, 1 absent." in page.text
    assert f'id="mark-{world.daniel}-absent" name="mark-{world.daniel}" value="absent" checked' \
        in page.text
    # Marking again replaces the marks: one row per pupil and session.
    await client.post(f"/civic/activities/{world.camp.id}/attendance", data={
        "_csrf_token": token, "session_on": session.isoformat(),
        f"mark-{world.daniel}": "present"}, follow_redirects=False)
    rows = await Attendance.select(Attendance.pupil, Attendance.present).where(
        Attendance.session_on == session)
    assert sorted((str(r["pupil"]), r["present"]) for r in rows) == sorted([
        (str(world.samira), True), (str(world.daniel), True), (str(world.andrei), True)])


@pytest.mark.parametrize(("when", "marks", "message"), [
    (21, "samira", "This session has not taken place yet."),
    (None, "samira", "Choose one of the activity's sessions."),
    (0, "luca", "Mark each pupil present or absent."),
    (0, "", "Mark each pupil present or absent."),
])
async def test_attendance_refuses_what_cannot_be(client, world, when, marks, message):
    session = await running(world)
    day = "2020-01-06" if when is None else (
        session + timedelta(days=when) if when else session).isoformat()
    if when:  # a weekday that is no national holiday: a session to come
        while (date.fromisoformat(day).weekday() > 4
               or date.fromisoformat(day) in national_holidays(date.fromisoformat(day).year)):
            day = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    await sign_in(client, world.operator)
    token = await csrf_token(client, f"/civic/activities/{world.camp.id}/attendance")
    data = {"_csrf_token": token, "session_on": day}
    if marks:
        data[f"mark-{getattr(world, marks)}"] = "present"
    response = await client.post(f"/civic/activities/{world.camp.id}/attendance", data=data,
                                 headers=EN)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert not await Attendance.exists()


async def test_another_operator_cannot_mark_attendance(client, world):
    session = await running(world)
    await sign_in(client, world.other)
    token = await csrf_token(client, f"/civic/activities/{world.elsewhere.id}/attendance")
    response = await client.post(f"/civic/activities/{world.camp.id}/attendance", data={
        "_csrf_token": token, "session_on": session.isoformat(),
        f"mark-{world.samira}": "present"}, follow_redirects=False)
    assert response.status_code == 404
    assert not await Attendance.exists()


async def test_report_leaves_out_drafts_and_counts_each_pupil_once(client, world):
    from tests.civic.activities.test_activities import _docx_text

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
    few = "fewer than 5"
    assert (f"Activities offered: 2. Places: 6; places used: {few}. Pupils on waitlists: "
            f"{few}.") in text
    assert f"Pupils reached: {few}. Families reached: {few}." in text
    assert f"Offanengo | 1 | 3 | {few} | 0 | {few} | {few}" in text
    assert f"Summer camp | 1 | 3 | {few} | {few} | {few} | {few}" in text
    assert "IC Lungo Serio | fewer than 5 | fewer than 5" in text  # before: "| 3 | 3"
