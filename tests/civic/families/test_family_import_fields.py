"""The school's family file with issue 17's fields: emergency phone, the pupil's surname,
a family reached by phone alone, the language, and the signed consent form (who signed,
the day, the photo release, the pick-up persons): accepted, checked row by row with a
message in the reader's language, applied all or nothing, and not written twice."""

from __future__ import annotations

import html

import pytest

from civic.families.csv_import import parse_families
from civic.tables import Consent, ConsentNotice, Family, Pupil, PupilCare
from tests.civic.families.test_families import make_schools
from tests.civic.families.test_family_import import (
    confirm,
    csv_file,
    families_of,
    import_file,
    import_id_of,
    pupils_of,
    upload,
)
from tests.factories import sign_in

HEADER = ("codice_famiglia", "adulto_riferimento", "email", "telefono", "telefono_emergenza",
          "lingua", "nome_alunno", "cognome_alunno", "anno_nascita", "classe",
          "consenso_firmato_da", "data_consenso", "liberatoria_foto", "ritiro_autorizzati")
ROWS = [
    ("FAM-001", "Amina Haddad", "", "333 111 2222", "0373 123456", "arabo", "Yusuf",
     "Haddad", "2017", "3A", "Amina Haddad", "15/09/2026", "sì", "Nonno Karim Haddad"),
    ("FAM-001", "", "", "", "", "", "Sara", "Haddad", "2015", "5B", "", "", "", ""),
    ("FAM-002", "Ion Popescu", "ion@posta.example", "", "", "ro", "Andrei", "Popescu",
     "2016", "4A", "Ion Popescu", "2026-09-16", "no", ""),
]
IT = {"accept-language": "it"}


@pytest.fixture
async def world():
    return await make_schools()


def test_the_new_columns_are_read_with_italian_or_english_names() -> None:
    english = ("family_ref", "reference_adult", "contact_email", "contact_phone",
               "emergency_phone", "language", "pupil_first_name", "pupil_last_name",
               "pupil_birth_year", "pupil_class", "consent_signed_by", "consent_signed_on",
               "photo_release", "pickup_persons")
    for header in (HEADER, english):
        parsed = parse_families(csv_file(ROWS, header))
        assert parsed.problems == [] and parsed.ignored_columns == []
        first = parsed.families[0]
        assert (first["contact_email"], first["contact_phone"], first["emergency_phone"],
                first["language"]) == (None, "333 111 2222", "0373 123456", "ar")
        yusuf, sara = first["pupils"]
        assert yusuf["last_name"] == "Haddad" and sara.get("form") is None
        assert yusuf["form"] == {"given_by": "Amina Haddad", "signed_on": "2026-09-15",
                                 "photo_release": True, "pickup_persons": "Nonno Karim Haddad"}


async def test_a_file_with_the_new_fields_is_applied_and_not_written_twice(client,
                                                                           world) -> None:
    await sign_in(client, world.coord_a)
    import_id = import_id_of(await upload(client, world.a, csv_file(ROWS, HEADER)))
    preview = (await client.get(f"/api/v1/schools/{world.a}/families/imports/{import_id}"
                                )).json()
    assert preview["status"] == "pending" and preview["consent_forms"] == 2
    page = await client.get(f"/schools/{world.a}/families/imports/{import_id}?lang=en")
    assert "2 pupils have a signed consent form in the file" in page.text
    assert (await confirm(client, world.a, import_id)).status_code == 303

    families = await families_of(world.a)
    haddad = families["FAM-001"]
    assert (haddad["contact_email"], haddad["contact_phone"], haddad["emergency_phone"],
            haddad["language"]) == (None, "333 111 2222", "0373 123456", "ar")
    pupils = await pupils_of(haddad["id"])
    assert pupils["Yusuf"]["last_name"] == "Haddad"
    consent = await Consent.select(*Consent.all_columns(), Consent.notice.version).where(
        Consent.pupil == pupils["Yusuf"]["id"]).first()
    assert (consent["given_by"], consent["given_by_role"], str(consent["signed_on"]),
            consent["photo_release"], consent["source"], consent["notice.version"]) == (
        "Amina Haddad", "parent", "2026-09-15", True, "school", "2026-1")
    assert not await Consent.exists().where(Consent.pupil == pupils["Sara"]["id"])
    care = await PupilCare.select().where(PupilCare.pupil == pupils["Yusuf"]["id"]).first()
    assert (care["pickup_persons"], care["care_consent_by"], str(care["care_consent_on"])) == (
        "Nonno Karim Haddad", "Amina Haddad", "2026-09-15")
    andrei = (await pupils_of(families["FAM-002"]["id"]))["Andrei"]
    assert (await Consent.select().where(Consent.pupil == andrei["id"]).first()
            )["photo_release"] is False

    await import_file(client, world.a, csv_file(ROWS, HEADER))  # the same file again
    assert await Consent.count() == 2 and await PupilCare.count() == 1
    changed = [ROWS[0][:12] + ("no",) + ROWS[0][13:], *ROWS[1:]]
    await import_file(client, world.a, csv_file(changed, HEADER))
    history = await Consent.select().where(Consent.pupil == pupils["Yusuf"]["id"]).order_by(
        Consent.id)
    assert [(c["photo_release"], c["withdrawn_at"] is None) for c in history] == [
        (True, False), (False, True)]  # the earlier consent is kept, replaced


async def test_bad_values_are_reported_per_row_in_italian_and_nothing_is_written(
        client, world) -> None:
    rows = [
        ("FAM-001", "Amina Haddad", "", "333 111 2222", "chiamare", "arabo", "Yusuf", "",
         "2017", "3A", "Amina Haddad", "31/02/2026", "forse", ""),
        ("FAM-002", "Ion Popescu", "ion@posta.example", "", "", "ro", "Andrei", "", "2016",
         "4A", "", "", "sì", "Zia Ana"),
        ("FAM-003", "Sara Bonetti", "sara@posta.example", "", "", "klingon!", "Luca", "",
         "2017", "3A", "Sara Bonetti", "", "", ""),
        ("FAM-004", "Paolo Riva", "paolo@posta.example", "", "", "", "Marco", "", "2016",
         "4A", "Paolo Riva", "01/01/2099", "", ""),
    ]
    await sign_in(client, world.coord_a)
    import_id = import_id_of(await upload(client, world.a, csv_file(rows, HEADER)))
    api = (await client.get(f"/api/v1/schools/{world.a}/families/imports/{import_id}",
                            headers=IT)).json()
    assert api["status"] == "invalid"
    problems = {(p["line"], p["column"]): p["problem"] for p in api["problems"]}
    assert problems[(2, "telefono_emergenza")] == (
        "«chiamare» non è un numero di telefono valido.")
    assert problems[(2, "data_consenso")] == ("«31/02/2026» non è il giorno in cui è stato "
                                              "firmato il modulo: scrivi un giorno passato "
                                              "come 15/09/2026.")
    assert problems[(2, "liberatoria_foto")] == ("«forse» non è una liberatoria per le "
                                                 "foto: scrivi sì o no, oppure lascia vuoto.")
    assert problems[(3, "consenso_firmato_da")].startswith(
        "Scrivi chi ha firmato il modulo di consenso")
    assert (4, "lingua") in problems
    assert problems[(4, "data_consenso")] == "Questo valore manca."
    assert (5, "data_consenso") in problems
    refused = await confirm(client, world.a, import_id)
    assert refused.status_code == 422
    assert await Family.count() == 0 and await Pupil.count() == 0
    assert await Consent.count() == 0 and await PupilCare.count() == 0
    page = await client.get(f"/schools/{world.a}/families/imports/{import_id}?lang=en")
    assert "is not a photo release: write sì or no" in html.unescape(page.text)


async def test_consent_forms_need_a_published_notice(client, world) -> None:
    await ConsentNotice.delete(force=True)
    await sign_in(client, world.coord_a)
    response = await upload(client, world.a, csv_file(ROWS, HEADER), "?lang=en")
    assert response.status_code == 422
    assert "No privacy notice has been published yet" in html.unescape(response.text)
    assert await Family.count() == 0


async def test_a_file_without_the_optional_columns_keeps_what_the_school_recorded(
        client, world) -> None:
    await sign_in(client, world.coord_a)
    await import_file(client, world.a, csv_file(ROWS, HEADER))
    short = ("codice_famiglia", "adulto_riferimento", "telefono", "nome_alunno",
             "anno_nascita", "classe")
    await import_file(client, world.a, csv_file(
        [("FAM-001", "Amina Haddad", "333 111 2222", "Yusuf", "2017", "4A")], short))
    haddad = (await families_of(world.a))["FAM-001"]
    assert haddad["emergency_phone"] == "0373 123456" and haddad["language"] == "ar"
    yusuf = (await pupils_of(haddad["id"]))["Yusuf"]
    assert (yusuf["class_name"], yusuf["last_name"]) == ("4A", "Haddad")
    assert await Consent.count() == 2
