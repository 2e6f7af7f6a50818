"""Roster files: read as Excel writes them, checked row by row, applied all or nothing."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from app.errors import InvalidInput
from company_portal.tables import RosterEntry, RosterImport
from integrations.hr.csv_import import parse_roster
from legami.cli import main
from tests.factories import csrf_token, make_org, make_user, sign_in

HEADER = ("matricola", "nome", "email", "reparto", "sede", "turno")
PEOPLE = [
    ("M-001", "Niccolò Bèrtoli", "niccolo.bertoli@rossi.example", "Produzione", "Crema", "turni"),
    ("M-002", "Anna Fumagalli", "", "Produzione", "Offanengo", "giornaliero"),
    ("M-003", "José Ñúñez", "jose.nunez@rossi.example", "Qualità", "Crema", "giornaliero"),
    ("M-004", "Luca Zanoni", "", "Logistica", "Crema", "turni"),
    ("M-005", "Marta Ghisetti", "marta.ghisetti@rossi.example", "Amministrazione", "Crema", ""),
]


def csv_file(rows, header=HEADER, delimiter=";", encoding="utf-8", newline="\r\n") -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return (newline.join(lines) + newline).encode(encoding)


@pytest.fixture
async def world():
    rossi = await make_org(name="Officine Rossi", domains=("rossi.example",))
    bianchi = await make_org(name="Bianchi Logistica", town="Cremona",
                             domains=("bianchi.example",))
    program = await make_org(kind="program", name="FareLegami")
    return SimpleNamespace(
        rossi=rossi, bianchi=bianchi,
        hr=await make_user("hr@rossi.example", rossi, "hr_manager"),
        hr_bianchi=await make_user("hr@bianchi.example", bianchi, "hr_manager"),
        employee=await make_user("operaio@rossi.example", rossi, "employee"),
        admin=await make_user("admin@farelegami.example", program, "program_admin"),
        maker=await make_user("giulia@farelegami.example", program, "community_maker"),
    )


async def upload(client, org, content: bytes, filename: str = "organico.csv"):
    token = await csrf_token(client, f"/portal/{org}/roster")
    return await client.post(f"/portal/{org}/roster/imports", data={"_csrf_token": token},
                             files={"file": (filename, content, "text/csv")},
                             follow_redirects=False)


async def confirm(client, org, import_id: int, confirm_deactivation: bool = False):
    page = f"/portal/{org}/roster/imports/{import_id}"
    data = {"_csrf_token": await csrf_token(client, page)}
    if confirm_deactivation:
        data["confirm_deactivation"] = "1"
    return await client.post(f"{page}/confirm", data=data, follow_redirects=False)


def import_id_of(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/imports/(\d+)$", response.headers["location"]).group(1))


async def import_file(client, org, content: bytes, confirm_deactivation: bool = False):
    import_id = import_id_of(await upload(client, org, content))
    response = await confirm(client, org, import_id, confirm_deactivation)
    assert response.status_code == 303, response.text
    return import_id


async def roster_of(org) -> dict[str, dict]:
    rows = await RosterEntry.select().where(RosterEntry.company == org).output(load_json=True)
    return {row["employee_ref"]: row for row in rows}


async def test_an_excel_file_in_windows_1252_with_semicolons_keeps_its_accents(client, world
                                                                                ) -> None:
    await sign_in(client, world.hr)
    response = await upload(client, world.rossi, csv_file(PEOPLE, encoding="cp1252"))
    preview = await client.get(response.headers["location"])
    assert preview.status_code == 200
    assert "5 persone nuove" in preview.text and "Niccolò Bèrtoli" in preview.text
    assert (await confirm(client, world.rossi, import_id_of(response))).status_code == 303
    roster = await roster_of(world.rossi)
    assert roster["M-001"]["name"] == "Niccolò Bèrtoli"
    assert roster["M-003"]["department"] == "Qualità"
    assert roster["M-001"]["attributes"] == {"turno": "turni"}
    assert roster["M-002"]["email"] is None
    assert roster["M-001"]["roster_key"] == f"{world.rossi}:M-001"


async def test_utf8_with_bom_commas_and_english_headers_imports_right(client, world) -> None:
    await sign_in(client, world.hr)
    header = ("Employee ID", "Name", "E-mail", "Department", "Site", "Shift")
    content = b"\xef\xbb\xbf" + csv_file(PEOPLE, header=header, delimiter=",", newline="\n")
    await import_file(client, world.rossi, content)
    roster = await roster_of(world.rossi)
    assert roster["M-003"]["name"] == "José Ñúñez"
    assert roster["M-005"]["attributes"] == {"shift": ""}


@pytest.mark.parametrize("content, expected", [
    (bytes(range(256)) * 8, "non è un file di testo"),
    (b"PK\x03\x04" + bytes(200), "cartella di lavoro"),
    ("matricola;nome\r\n1;Perché".encode() + b"\r\n2;Citt\xe0\r\n", "codifiche"),
    (b"\x81\x8d\x8f\x90", "né UTF-8 né Windows-1252"),
    (b"", "vuoto"),
])
async def test_an_unreadable_file_gets_a_clear_message_and_changes_nothing(
        client, world, content: bytes, expected: str) -> None:
    await sign_in(client, world.hr)
    response = await upload(client, world.rossi, content)
    assert response.status_code == 422
    assert expected in response.text
    assert 'aria-invalid="true"' in response.text and 'id="file-error"' in response.text
    assert await RosterEntry.count() == 0 and await RosterImport.count() == 0


async def test_missing_required_columns_are_named(client, world) -> None:
    await sign_in(client, world.hr)
    content = csv_file([("a@rossi.example", "Produzione")], header=("email", "reparto"))
    response = await upload(client, world.rossi, content)
    assert response.status_code == 422
    assert "Mancano colonne obbligatorie" in response.text
    assert "matricola (employee_ref), nome (name)" in response.text


async def test_duplicates_and_invalid_emails_are_reported_by_line_and_column(client, world
                                                                             ) -> None:
    await sign_in(client, world.hr)
    rows = [*PEOPLE[:3],
            ("M-002", "Anna Bis", "", "Produzione", "Crema", ""),
            ("M-006", "Sara Invalida", "sara@", "Produzione", "Crema", ""),
            ("M-007", "Copia Bertoli", "Niccolo.Bertoli@rossi.example", "Produzione", "", ""),
            ("", "", "", "Produzione", "", "")]
    response = await upload(client, world.rossi, csv_file(rows))
    page = await client.get(response.headers["location"])
    assert "Riga" in page.text and "Colonna" in page.text and "Problema" in page.text
    assert "non è stato modificato nulla" in page.text
    assert "4 righe su 7 hanno problemi." in page.text
    api = (await client.get(f"/api/v1/companies/{world.rossi}/roster/imports/"
                            f"{import_id_of(response)}")).json()
    assert (api["status"], api["error_rows"], api["problems_total"]) == ("invalid", 4, 5)
    problems = {(p["line"], p["column"]): p["problem"] for p in api["problems"]}
    assert problems[(5, "matricola")] == "La matricola M-002 è già alla riga 3."
    assert problems[(6, "email")] == "«sara@» non è un indirizzo e-mail valido."
    assert problems[(7, "email")] == ("L'e-mail niccolo.bertoli@rossi.example è già alla "
                                      "riga 2.")
    assert (8, "matricola") in problems and (8, "nome") in problems
    assert len(problems) == 5


async def test_a_file_with_one_bad_row_changes_nothing(client, world) -> None:
    await sign_in(client, world.hr)
    await import_file(client, world.rossi, csv_file(PEOPLE))
    before = await roster_of(world.rossi)
    rows = [(*PEOPLE[0][:3], "Manutenzione", *PEOPLE[0][4:]), *PEOPLE[1:],
            ("M-006", "Nuovo Assunto", "non-una-email", "Produzione", "Crema", "turni")]
    import_id = import_id_of(await upload(client, world.rossi, csv_file(rows)))
    response = await confirm(client, world.rossi, import_id)
    assert response.status_code == 422
    assert "correggili" in response.text
    assert await roster_of(world.rossi) == before


async def test_a_reimport_updates_adds_and_deactivates(client, world) -> None:
    await sign_in(client, world.hr)
    await import_file(client, world.rossi, csv_file(PEOPLE))
    changed = (*PEOPLE[1][:3], "Manutenzione", *PEOPLE[1][4:])
    new = ("M-006", "Paolo Vailati", "paolo.vailati@rossi.example", "Logistica", "Crema", "")
    response = await upload(client, world.rossi,
                            csv_file([PEOPLE[0], changed, *PEOPLE[2:4], new]))
    api = (await client.get(f"/api/v1/companies/{world.rossi}/roster/imports/"
                            f"{import_id_of(response)}")).json()
    assert (api["add"], api["update"], api["deactivate"], api["unchanged"]) == (1, 1, 1, 3)
    assert api["needs_confirmation"] is False
    assert (await confirm(client, world.rossi, api["id"])).status_code == 303
    roster = await roster_of(world.rossi)
    assert roster["M-002"]["department"] == "Manutenzione"
    assert roster["M-006"]["active"] is True
    assert roster["M-005"]["active"] is False and roster["M-005"]["deactivated_at"]
    await import_file(client, world.rossi, csv_file([*PEOPLE, new]))
    assert (await roster_of(world.rossi))["M-005"]["active"] is True


async def test_deactivating_more_than_40_percent_asks_for_confirmation(client, world) -> None:
    await sign_in(client, world.hr)
    await import_file(client, world.rossi, csv_file(PEOPLE))
    import_id = import_id_of(await upload(client, world.rossi, csv_file(PEOPLE[:2])))
    page = await client.get(f"/portal/{world.rossi}/roster/imports/{import_id}")
    assert 'name="confirm_deactivation"' in page.text
    refused = await confirm(client, world.rossi, import_id)
    assert refused.status_code == 422
    assert "disattiverebbe 3 delle 5 persone" in refused.text
    assert sum(row["active"] for row in (await roster_of(world.rossi)).values()) == 5
    accepted = await confirm(client, world.rossi, import_id, confirm_deactivation=True)
    assert accepted.status_code == 303
    assert sum(row["active"] for row in (await roster_of(world.rossi)).values()) == 2


async def test_a_preview_is_applied_once_and_not_after_the_roster_changed(client, world
                                                                          ) -> None:
    await sign_in(client, world.hr)
    first = import_id_of(await upload(client, world.rossi, csv_file(PEOPLE)))
    second = import_id_of(await upload(client, world.rossi, csv_file(PEOPLE[:4])))
    assert (await confirm(client, world.rossi, first)).status_code == 303
    again = await confirm(client, world.rossi, first)
    assert again.status_code == 422 and "già stato importato" in again.text
    stale = await confirm(client, world.rossi, second)
    assert stale.status_code == 422 and "è cambiato" in stale.text
    assert len(await roster_of(world.rossi)) == 5
    assert all(row["active"] for row in (await roster_of(world.rossi)).values())


async def test_a_preview_left_for_more_than_a_day_expires(client, world) -> None:
    await sign_in(client, world.hr)
    import_id = import_id_of(await upload(client, world.rossi, csv_file(PEOPLE)))
    await RosterImport.update({RosterImport.created_at: datetime.now(UTC) - timedelta(days=2)}
                              ).where(RosterImport.id == import_id)
    page = await client.get(f"/portal/{world.rossi}/roster/imports/{import_id}")
    assert "anteprima è scaduta" in page.text and 'name="confirm_deactivation"' not in page.text
    assert (await confirm(client, world.rossi, import_id)).status_code == 422
    assert await RosterEntry.count() == 0
    await upload(client, world.rossi, csv_file(PEOPLE))
    kept = await RosterImport.select(RosterImport.created_at)
    assert len(kept) == 1 and kept[0]["created_at"] > datetime.now(UTC) - timedelta(hours=1)


async def test_the_roster_page_lists_people_in_an_accessible_table(client, world) -> None:
    await sign_in(client, world.hr)
    await import_file(client, world.rossi, csv_file(PEOPLE))
    page = await client.get(f"/portal/{world.rossi}/roster")
    assert page.status_code == 200
    assert "<caption id=" in page.text and '<th scope="col">Matricola</th>' in page.text
    assert "Marta Ghisetti" in page.text and 'enctype="multipart/form-data"' in page.text


async def test_the_json_api_uploads_previews_confirms_and_lists(client, world) -> None:
    await sign_in(client, world.hr)
    await client.get("/api/v1/me")
    headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
    base = f"/api/v1/companies/{world.rossi}/roster"
    created = await client.post(f"{base}/imports", headers=headers,
                                files={"file": ("r.csv", csv_file(PEOPLE), "text/csv")})
    assert created.status_code == 201, created.text
    preview = created.json()
    assert (preview["status"], preview["add"], len(preview["effects"])) == ("pending", 5, 5)
    applied = await client.post(f"{base}/imports/{preview['id']}/confirm", headers=headers,
                                json={"confirm_deactivation": False})
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    listed = (await client.get(f"{base}?per_page=2&page=2")).json()
    assert (listed["total"], listed["active"], len(listed["items"])) == (5, 5, 2)
    assert listed["items"][0]["employee_ref"] == "M-003"
    bad = await client.post(f"{base}/imports", headers=headers,
                            files={"file": ("r.csv", b"\x00\x01", "text/csv")})
    assert bad.status_code == 422 and "file" in bad.json()["errors"]


async def test_an_hr_manager_gets_404_on_another_companys_roster(client, world) -> None:
    await sign_in(client, world.hr_bianchi)
    bianchi_import = import_id_of(await upload(client, world.bianchi, csv_file(PEOPLE)))
    await sign_in(client, world.hr)
    rossi_page = f"/portal/{world.rossi}/roster"
    assert (await client.get(rossi_page)).status_code == 200
    token = await csrf_token(client, rossi_page)
    for path in (f"/portal/{world.bianchi}/roster",
                 f"/portal/{world.bianchi}/roster/imports/{bianchi_import}",
                 f"/portal/{world.rossi}/roster/imports/{bianchi_import}",
                 f"/api/v1/companies/{world.bianchi}/roster",
                 f"/api/v1/companies/{world.bianchi}/roster/imports/{bianchi_import}",
                 f"/api/v1/companies/{world.bianchi}/roster/scim-tokens"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Bianchi" not in response.text
    for path in (f"/portal/{world.bianchi}/roster/imports",
                 f"/portal/{world.bianchi}/roster/imports/{bianchi_import}/confirm",
                 f"/portal/{world.rossi}/roster/imports/{bianchi_import}/confirm",
                 f"/portal/{world.bianchi}/roster/scim-tokens"):
        response = await client.post(path, data={"_csrf_token": token},
                                     files={"file": ("r.csv", csv_file(PEOPLE), "text/csv")})
        assert response.status_code == 404, path
    assert await RosterEntry.count() == 0


async def test_an_employee_cannot_see_or_import_the_roster(client, world) -> None:
    await sign_in(client, world.employee)
    assert (await client.get(f"/portal/{world.rossi}/roster")).status_code == 404
    assert (await client.get(f"/api/v1/companies/{world.rossi}/roster")).status_code == 404
    token = await csrf_token(client, "/")
    response = await client.post(f"/portal/{world.rossi}/roster/imports",
                                 data={"_csrf_token": token},
                                 files={"file": ("r.csv", csv_file(PEOPLE), "text/csv")})
    assert response.status_code == 404
    assert await RosterEntry.count() == 0 and await RosterImport.count() == 0


@pytest.mark.parametrize("who", ["admin", "maker"])
async def test_program_staff_import_for_any_company(client, world, who: str) -> None:
    await sign_in(client, getattr(world, who))
    for company in (world.rossi, world.bianchi):
        await import_file(client, company, csv_file(PEOPLE))
        assert len(await roster_of(company)) == 5


async def test_anonymous_visitors_are_sent_to_sign_in(client, world) -> None:
    response = await client.get(f"/portal/{world.rossi}/roster", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert (await client.get(f"/api/v1/companies/{world.rossi}/roster")).status_code == 401


async def test_a_scim_token_is_shown_once_and_can_be_revoked(client, world) -> None:
    await sign_in(client, world.hr)
    page = f"/portal/{world.rossi}/roster"
    created = await client.post(f"{page}/scim-tokens",
                                data={"_csrf_token": await csrf_token(client, page)})
    assert created.status_code == 200
    token = re.search(r"legami_scim_[\w-]+", created.text).group(0)
    assert token not in (await client.get(page)).text
    scim = {"authorization": f"Bearer {token}"}
    assert (await client.get("/scim/v2/Users", headers=scim)).status_code == 200
    token_id = re.search(r"/scim-tokens/(\d+)/revoke", (await client.get(page)).text).group(1)
    revoked = await client.post(f"{page}/scim-tokens/{token_id}/revoke",
                                data={"_csrf_token": await csrf_token(client, page)},
                                follow_redirects=False)
    assert revoked.status_code == 303
    assert (await client.get("/scim/v2/Users", headers=scim)).status_code == 401


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_cli_imports_a_clean_file_and_asks_to_confirm_mass_deactivation(tmp_path) -> None:
    rossi = asyncio.run(make_org(name="Officine Rossi"))
    roster_file = tmp_path / "organico.csv"
    roster_file.write_bytes(csv_file(PEOPLE, encoding="cp1252"))
    result = run_cli("company", "import-roster", str(rossi), str(roster_file))
    assert result.exit_code == 0, result.output
    assert "to add 5" in result.output and "roster updated" in result.output
    roster_file.write_bytes(csv_file(PEOPLE[:1]))
    refused = run_cli("company", "import-roster", str(rossi), str(roster_file))
    assert refused.exit_code == 2 and "--confirm" in refused.output
    assert asyncio.run(RosterEntry.count().where(RosterEntry.active.eq(True)).run()) == 5
    accepted = run_cli("company", "import-roster", str(rossi), str(roster_file), "--confirm")
    assert accepted.exit_code == 0, accepted.output
    assert asyncio.run(RosterEntry.count().where(RosterEntry.active.eq(True)).run()) == 1


def test_the_cli_reports_bad_rows_and_writes_nothing(tmp_path) -> None:
    rossi = asyncio.run(make_org(name="Officine Rossi"))
    roster_file = tmp_path / "organico.csv"
    roster_file.write_bytes(csv_file([*PEOPLE, PEOPLE[0]]))
    result = run_cli("company", "import-roster", str(rossi), str(roster_file))
    assert result.exit_code == 2
    assert "Riga 7, matricola: La matricola M-001 è già alla riga 2." in result.output
    assert asyncio.run(RosterEntry.count().run()) == 0
    unknown = run_cli("company", "import-roster", "00000000-0000-0000-0000-000000000001",
                      str(roster_file))
    assert unknown.exit_code == 2


def test_the_cli_makes_a_scim_token() -> None:
    rossi = asyncio.run(make_org(name="Officine Rossi"))
    result = run_cli("company", "scim-token", str(rossi))
    assert result.exit_code == 0, result.output
    assert "legami_scim_" in result.output and "/scim/v2" in result.output


def test_tabs_quotes_and_line_numbers_are_read_as_spreadsheets_write_them() -> None:
    content = (b'matricola\tnome\tnote interne\r\n'
               b'T-1\t"Rossi; Mario"\t"due\r\nrighe"\r\n'
               b'\r\n'
               b'T-2\t\tx\ty\r\n')
    parsed = parse_roster(content)
    assert parsed.delimiter == "\t" and parsed.row_count == 2
    assert parsed.rows[0].name == "Rossi; Mario"
    assert parsed.rows[0].attributes == {"note interne": "due righe"}
    assert {(p.line, p.column) for p in parsed.problems} == {(5, "nome"), (5, "—")}


def test_a_quote_that_never_closes_names_its_line() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_roster(b'matricola;nome\r\nA;"Rossi\r\nB;Bianchi\r\n')
    assert error.value.errors["file"].startswith("Riga 2:")


def test_empty_unnamed_columns_are_ignored_but_values_in_them_are_reported() -> None:
    parsed = parse_roster(b"matricola;nome;;\r\nA;Anna;;\r\nB;Bruno;;dimenticato\r\n")
    assert [row.employee_ref for row in parsed.rows] == ["A"]
    assert [(p.line, p.column) for p in parsed.problems] == [(3, "colonna 4")]
