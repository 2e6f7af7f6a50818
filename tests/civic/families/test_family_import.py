"""A school's family file: read as spreadsheets write it, reported row by row in the
reader's language, applied all or nothing, and re-imported by family reference."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app import places
from app.clock import now
from app.errors import InvalidInput
from app.tables import OutboxJob
from civic.families.csv_import import parse_families
from civic.families.service import retention_end
from civic.tables import Consent, Family, FamilyImport, Pupil
from tests.civic.families.test_families import add_family, give_consent, make_activity, make_schools
from tests.factories import csrf_token, sign_in

HEADER = ("codice_famiglia", "adulto_riferimento", "email", "telefono", "lingua",
          "orario_lavoro", "comune", "nome_alunno", "cognome", "anno_nascita", "classe")
ROWS = [
    ("FAM-001", "Niccolò Bèrtoli", "niccolo@posta.example", "", "italiano", "entrambi",
     "Crema", "Luca", "Bèrtoli", "2017", "3A"),
    ("FAM-001", "", "", "", "", "", "", "Emma", "Bèrtoli", "2015", "5B"),
    ("FAM-002", "Ioana Popescu", "", "+39 333 765 4321", "ro", "turni", "Offanengo",
     "Andrei", "Popescu", "2016", "4A"),
]


def csv_file(rows=ROWS, header=HEADER, delimiter=";", encoding="utf-8") -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
async def world():
    return await make_schools()


async def upload(client, school, content: bytes, lang: str = ""):
    token = await csrf_token(client, f"/schools/{school}/families/import")
    return await client.post(f"/schools/{school}/families/import{lang}",
                             data={"_csrf_token": token},
                             files={"file": ("famiglie.csv", content, "text/csv")},
                             follow_redirects=False)


def import_id_of(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/imports/(\d+)$", response.headers["location"]).group(1))


async def confirm(client, school, import_id: int, lang: str = ""):
    page = f"/schools/{school}/families/imports/{import_id}"
    token = await csrf_token(client, page)
    return await client.post(f"{page}/confirm{lang}", data={"_csrf_token": token},
                             follow_redirects=False)


async def import_file(client, school, content: bytes) -> int:
    import_id = import_id_of(await upload(client, school, content))
    response = await confirm(client, school, import_id)
    assert response.status_code == 303, response.text
    return import_id


async def families_of(school) -> dict[str, dict]:
    rows = await Family.select().where(Family.school == school)
    return {row["family_ref"]: row for row in rows}


async def pupils_of(family_id) -> dict[str, dict]:
    rows = await Pupil.select().where(Pupil.family == family_id)
    return {row["first_name"]: row for row in rows}


def test_a_windows_1252_file_with_italian_headers_groups_rows_into_families() -> None:
    parsed = parse_families(csv_file(encoding="cp1252"))
    assert parsed.problems == [] and parsed.encoding == "windows-1252"
    assert parsed.delimiter == ";" and parsed.ignored_columns == ["cognome"]
    first, second = parsed.families
    assert (first["family_ref"], first["reference_adult"], first["language"],
            first["working_pattern"], first["contact_email"]) == (
        "FAM-001", "Niccolò Bèrtoli", "it", "both_working", "niccolo@posta.example")
    assert [(p["first_name"], p["birth_year"], p["class_name"]) for p in first["pupils"]] == [
        ("Luca", 2017, "3A"), ("Emma", 2015, "5B")]
    assert (second["language"], second["working_pattern"], second["contact_phone"]) == (
        "ro", "shifts", "+39 333 765 4321")
    assert "Bèrtoli" not in str([p for f in parsed.families for p in f["pupils"]])


def test_english_headers_with_commas_and_a_byte_order_mark() -> None:
    header = ("family_ref", "reference_adult", "contact_email", "pupil_first_name",
              "pupil_birth_year", "pupil_class")
    rows = [("F1", "Grace Mensah", "grace@posta.example", "Joy", "2018", "2B")]
    parsed = parse_families(b"\xef\xbb\xbf" + csv_file(rows, header, ","))
    assert parsed.problems == [] and parsed.delimiter == ","
    assert parsed.families[0]["language"] == "it"
    assert parsed.families[0]["working_pattern"] is None


def test_a_file_without_the_required_columns_is_refused_at_once() -> None:
    with pytest.raises(InvalidInput) as invalid:
        parse_families(csv_file([("F1", "Anna")], ("codice_famiglia", "adulto_riferimento")))
    assert "nome_alunno" in invalid.value.errors["file"]
    with pytest.raises(InvalidInput) as invalid:
        parse_families(csv_file([("F1", "Anna", "Luca", "2017", "3A")], (
            "codice_famiglia", "adulto_riferimento", "nome_alunno", "anno_nascita", "classe")))
    assert "telefono" in invalid.value.errors["file"]
    with pytest.raises(InvalidInput):
        parse_families(b"PK\x03\x04 a workbook")


async def test_problems_are_reported_by_line_and_column_in_the_readers_language(
        client, world) -> None:
    rows = ROWS + [
        ("", "Senza Codice", "a@posta.example", "", "", "", "", "Marta", "", "2016", "4B"),
        ("FAM-003", "Anna Riboli", "anna@", "", "klingon!", "sempre", "", "Sara", "", "1980",
         ""),
        ("FAM-001", "Altro Adulto", "", "", "", "", "", "Luca", "", "2017", "3A"),
        ("FAM-004", "Nessun Contatto", "", "", "", "", "", "Pietro", "", "2016", "4A"),
    ]
    await sign_in(client, world.coord_a)
    import_id = import_id_of(await upload(client, world.a, csv_file(rows)))

    api = (await client.get(f"/api/v1/schools/{world.a}/families/imports/{import_id}",
                            headers={"accept-language": "en"})).json()
    assert api["status"] == "invalid"
    problems = {(p["line"], p["column"]): p["problem"] for p in api["problems"]}
    assert problems[(5, "codice_famiglia")] == "This value is missing."
    assert problems[(6, "email")] == "\"anna@\" is not a valid e-mail address."
    assert (6, "lingua") in problems and (6, "orario_lavoro") in problems
    assert (6, "anno_nascita") in problems and (6, "classe") in problems
    assert "FAM-001" in problems[(7, "adulto_riferimento")]
    assert "line 2" in problems[(7, "adulto_riferimento")]
    assert "already on line 2" in problems[(7, "nome_alunno")]
    assert problems[(8, "email")] == ("Give an e-mail address or a phone number to reach "
                                      "the family.")
    assert await Family.count() == 0

    page = await client.get(f"/schools/{world.a}/families/imports/{import_id}?lang=en")
    assert "The file has problems: nothing has been changed" in page.text
    refused = await confirm(client, world.a, import_id, "?lang=en")
    assert refused.status_code == 422 and await Family.count() == 0


async def test_a_clean_file_is_previewed_then_applied_once(client, world) -> None:
    await sign_in(client, world.coord_a)
    import_id = import_id_of(await upload(client, world.a, csv_file()))
    preview = (await client.get(f"/api/v1/schools/{world.a}/families/imports/{import_id}"
                                )).json()
    assert (preview["status"], preview["families"], preview["pupils"],
            preview["add_families"], preview["add_pupils"]) == ("pending", 2, 3, 2, 3)
    assert preview["ignored_columns"] == ["cognome"]
    page = await client.get(f"/schools/{world.a}/families/imports/{import_id}?lang=en")
    assert "Families to add" in page.text and "cognome" in page.text
    assert await Family.count() == 0

    assert (await confirm(client, world.a, import_id)).status_code == 303
    families = await families_of(world.a)
    assert set(families) == {"FAM-001", "FAM-002"}
    assert set(await pupils_of(families["FAM-001"]["id"])) == {"Luca", "Emma"}
    expected = retention_end(now().date(), 12)
    assert all(f["retain_until"] == expected for f in families.values())
    again = await confirm(client, world.a, import_id, "?lang=en")
    assert again.status_code == 422 and "already been imported" in again.text
    assert await Pupil.count() == 3
    stored = await FamilyImport.select().where(FamilyImport.id == import_id
                                               ).output(load_json=True).first()
    assert stored["rows"] == [] and stored["summary"]["sample"] == []


async def test_a_reimport_updates_families_by_reference(client, world) -> None:
    await sign_in(client, world.coord_a)
    await import_file(client, world.a, csv_file())
    before = await families_of(world.a)
    luca = (await pupils_of(before["FAM-001"]["id"]))["Luca"]["id"]
    emma = (await pupils_of(before["FAM-001"]["id"]))["Emma"]["id"]
    await give_consent(world, world.a, luca)
    await give_consent(world, world.a, emma)
    activity = await make_activity(world)
    await places.request_place(activity.pool_id, "pupil", emma, world.a)
    await add_family(world.a, "FAM-OLD", "Non Nel File")
    changed = [
        ("FAM-001", "Niccolò Bèrtoli", "nuovo@posta.example", "", "it", "", "Crema", "Luca",
         "", "2017", "4A"),
        ("FAM-001", "", "", "", "", "", "", "Giulia", "", "2019", "1A"),
        ("FAM-003", "Amina Benali", "amina@posta.example", "", "ar", "uno", "Crema", "Nour",
         "", "2018", "2B"),
    ]
    import_id = import_id_of(await upload(client, world.a, csv_file(changed)))
    preview = (await client.get(f"/api/v1/schools/{world.a}/families/imports/{import_id}"
                                )).json()
    assert (preview["add_families"], preview["update_families"], preview["add_pupils"],
            preview["update_pupils"], preview["remove_pupils"]) == (1, 1, 2, 1, 1)
    page = await client.get(f"/schools/{world.a}/families/imports/{import_id}?lang=en")
    assert "not listed any more" in page.text
    assert (await confirm(client, world.a, import_id)).status_code == 303

    after = await families_of(world.a)
    assert set(after) == {"FAM-001", "FAM-002", "FAM-003", "FAM-OLD"}
    assert after["FAM-001"]["id"] == before["FAM-001"]["id"]
    assert (after["FAM-001"]["contact_email"], after["FAM-001"]["working_pattern"]) == (
        "nuovo@posta.example", None)
    pupils = await pupils_of(after["FAM-001"]["id"])
    assert set(pupils) == {"Luca", "Giulia"} and pupils["Luca"]["id"] == luca
    assert pupils["Luca"]["class_name"] == "4A"
    assert await Consent.exists().where(Consent.pupil == luca)
    assert not await Consent.exists().where(Consent.pupil == emma)
    assert await places.seat_of(activity.pool_id, "pupil", emma) is None
    assert after["FAM-OLD"]["retain_until"] is None


async def test_a_preview_is_refused_when_the_families_changed_meanwhile(client, world
                                                                         ) -> None:
    await sign_in(client, world.coord_a)
    first = import_id_of(await upload(client, world.a, csv_file()))
    second = import_id_of(await upload(client, world.a, csv_file()))
    assert (await confirm(client, world.a, first)).status_code == 303
    response = await confirm(client, world.a, second, "?lang=en")
    assert response.status_code == 422 and "have changed since this preview" in response.text
    assert await Pupil.count() == 3


async def test_a_preview_left_for_more_than_a_day_expires(client, world) -> None:
    await sign_in(client, world.coord_a)
    import_id = import_id_of(await upload(client, world.a, csv_file()))
    await FamilyImport.update({FamilyImport.created_at: now() - timedelta(days=2)}).where(
        FamilyImport.id == import_id)
    response = await confirm(client, world.a, import_id, "?lang=en")
    assert response.status_code == 422 and "expired" in response.text
    await upload(client, world.a, csv_file())
    kept = await FamilyImport.select(FamilyImport.created_at)
    assert len(kept) == 1 and kept[0]["created_at"] > now() - timedelta(hours=1)


async def test_applying_an_import_schedules_the_retention_job_once(client, world) -> None:
    await sign_in(client, world.coord_a)
    await import_file(client, world.a, csv_file())
    await import_file(client, world.a, csv_file(ROWS[:1]))
    jobs = await OutboxJob.select().where(OutboxJob.actor == "civic.retention")
    assert len(jobs) == 1 and jobs[0]["status"] == "pending"


async def test_the_api_uploads_previews_and_confirms(client, world) -> None:
    await sign_in(client, world.coord_a)
    await client.get("/api/v1/me")
    headers = {"x-csrftoken": client.cookies.get("legami_csrf")}
    response = await client.post(f"/api/v1/schools/{world.a}/families/imports",
                                 files={"file": ("f.csv", csv_file(), "text/csv")},
                                 headers=headers)
    assert response.status_code == 201, response.text
    import_id = response.json()["id"]
    applied = await client.post(
        f"/api/v1/schools/{world.a}/families/imports/{import_id}/confirm", headers=headers)
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert await Family.count() == 2
    unreadable = await client.post(f"/api/v1/schools/{world.a}/families/imports",
                                   files={"file": ("f.xlsx", b"PK\x03\x04....", "text/csv")},
                                   headers=headers)
    assert unreadable.status_code == 422 and "file" in unreadable.json()["errors"]


async def test_the_import_page_explains_the_columns(client, world) -> None:
    await sign_in(client, world.coord_a)
    page = await client.get(f"/schools/{world.a}/families/import?lang=en")
    assert page.status_code == 200
    for name in ("codice_famiglia", "adulto_riferimento", "nome_alunno", "anno_nascita",
                 "classe", "orario_lavoro", "comune"):
        assert name in page.text
    empty = await upload(client, world.a, b"", "?lang=en")
    assert empty.status_code == 422 and "The file is empty." in empty.text


def test_retention_ends_on_31_august_plus_the_months() -> None:
    assert retention_end(date(2026, 11, 22), 24) == date(2029, 8, 31)
    assert retention_end(date(2026, 8, 31), 0) == date(2026, 8, 31)
    assert retention_end(date(2026, 3, 1), 6) == date(2027, 2, 28)
    assert retention_end(date(2027, 9, 1), 6) == date(2029, 2, 28)
