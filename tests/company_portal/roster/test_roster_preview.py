"""The import preview row by row, and the file's extra columns as reporting groups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.auth.caller import load_caller
from company_portal.roster import reads
from surveys.definition import encode
from surveys.tables import Invitation, Survey, SurveyVersion
from surveys.waves import service as waves
from surveys.waves import state as wave_clock
from surveys.waves.service import WaveCreate
from tests.company_portal.roster.test_roster import (  # noqa: F401
    HEADER,
    PEOPLE,
    csv_file,
    import_file,
    import_id_of,
    upload,
    world,
)
from tests.factories import csrf_token, sign_in
from tests.surveys.waves.test_waves import DEFINITION

# Twelve people: two shifts of six, and a column whose groups are too small to show.
STAFF = [(f"T-{n:03}", f"Persona {n}", "", "Produzione", "Crema",
          "turni" if n % 2 else "giornaliero", "Lodi" if n == 1 else "Crema")
         for n in range(1, 13)]
STAFF_HEADER = (*HEADER, "Comune di residenza")


async def test_the_preview_says_what_each_row_does(client: Any, world: Any) -> None:  # noqa: F811
    await sign_in(client, world.hr)
    await import_file(client, world.rossi, csv_file(PEOPLE))
    changed = (*PEOPLE[1][:3], "Manutenzione", PEOPLE[1][4], "turni")
    new = ("M-006", "Paolo Vailati", "", "Logistica", "Crema", "")
    content = csv_file([PEOPLE[0], changed, *PEOPLE[2:4], new])
    response = await upload(client, world.rossi, content)
    page = (await client.get(response.headers["location"])).text
    for count in ("1 persona nuova", "1 persona con dati cambiati",
                  "1 persona esce dall'elenco del personale", "3 persone invariate"):
        assert count in page
    assert "Paolo Vailati" in page and "riga 6" in page
    assert "Reparto: Produzione → Manutenzione" in page
    assert "turno: giornaliero → turni" in page
    assert "Marta Ghisetti" in page  # leaving: on the roster, not in the file
    only_changed = await client.get(f"{response.headers['location']}?effect=update")
    assert "Anna Fumagalli" in only_changed.text and "Paolo Vailati" not in only_changed.text
    assert "Marta Ghisetti" not in only_changed.text


async def test_a_long_file_shows_ten_per_effect_then_all_a_page_at_a_time(
        client: Any, world: Any) -> None:  # noqa: F811
    await sign_in(client, world.hr)
    people = [(f"N-{n:03}", f"Nuovo {n:03}", "", "Produzione", "Crema", "") for n in range(1, 131)]
    response = await upload(client, world.rossi, csv_file(people))
    preview = response.headers["location"]
    first = (await client.get(preview)).text
    assert "Nuovo 010" in first and "Nuovo 011" not in first
    assert "Mostra l'elenco completo «Persone nuove» (130)" in first
    all_new = (await client.get(f"{preview}?effect=add")).text
    assert "Nuovo 100" in all_new and "Nuovo 101" not in all_new and "Pagina 1 di 2" in all_new
    second = (await client.get(f"{preview}?effect=add&page=2")).text
    assert "Nuovo 130" in second and "Nuovo 100" not in second


async def test_a_chosen_column_groups_the_next_waves_people(client: Any, world: Any  # noqa: F811
                                                            ) -> None:
    await sign_in(client, world.hr)
    content = csv_file(STAFF, header=STAFF_HEADER)
    response = await upload(client, world.rossi, content)
    page = (await client.get(response.headers["location"])).text
    assert 'value="col_turno"' in page and 'value="col_comune_di_residenza"' in page
    assert "1 gruppo ha meno di 5 persone" in page and "Lodi (1)" in page  # hidden groups
    import_id = import_id_of(response)
    page_path = f"/portal/{world.rossi}/roster/imports/{import_id}"
    applied = await client.post(f"{page_path}/confirm", follow_redirects=False, data={
        "_csrf_token": await csrf_token(client, page_path), "groups_offered": "1",
        "reporting_groups": "col_turno"})
    assert applied.status_code == 303
    assert "anche secondo queste colonne: turno." in (await client.get(page_path)).text
    assert await reads.reporting_columns([world.rossi]) == [{"key": "col_turno",
                                                             "label": "turno"}]

    # The next wave breaks its people down by shift, named as the file names the column.
    survey = Survey(owner=world.rossi, title="Bisogni")
    await survey.save()
    version = SurveyVersion(survey=survey.id, number=1, definition=encode(DEFINITION))
    await version.save()
    form = (await client.get(f"/waves/new?version={version.id}")).text
    assert "come scelto all'ultima importazione dell'elenco del personale: turno." in form
    hr = await load_caller(world.hr)
    assert hr is not None
    wave = await waves.create_wave(hr, WaveCreate(
        version_id=version.id, title="Primavera", opens_on=wave_clock.today(),
        closes_on=wave_clock.today() + timedelta(days=7), company_ids=[world.rossi],
        channels=["code"], roster_groups=["department"]))
    opened = await waves.open_wave(hr, wave.id)
    assert [(g.key, g.label) for g in opened.reporting_groups] == [
        ("department", "Reparto"), ("col_turno", "turno")]
    invited = await Invitation.select(Invitation.group_values).output(load_json=True)
    assert sorted(i["group_values"]["col_turno"] for i in invited) == ["giornaliero"] * 6 + [
        "turni"] * 6
    wave_page = (await client.get(f"/waves/{wave.id}")).text
    assert "turno: giornaliero" in wave_page and "turno: turni" in wave_page

    # A later file keeps the choice it still can, and choosing nothing ends it.
    again = import_id_of(await upload(client, world.rossi, content))
    again_page = (await client.get(f"/portal/{world.rossi}/roster/imports/{again}")).text
    assert 'value="col_turno" checked' in again_page
    assert 'value="col_comune_di_residenza" checked' not in again_page
    path = f"/portal/{world.rossi}/roster/imports/{again}"
    await client.post(f"{path}/confirm", data={
        "_csrf_token": await csrf_token(client, path), "groups_offered": "1"})
    assert await reads.reporting_columns([world.rossi]) == []


async def test_the_api_chooses_groups_among_the_files_columns_only(
        client: Any, world: Any) -> None:  # noqa: F811
    await sign_in(client, world.hr)
    await client.get("/api/v1/me")
    headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
    base = f"/api/v1/companies/{world.rossi}/roster/imports"
    created = (await client.post(base, headers=headers, files={
        "file": ("r.csv", csv_file(STAFF, header=STAFF_HEADER), "text/csv")})).json()
    assert [(c["key"], c["groups"], c["small"]) for c in created["group_columns"]] == [
        ("col_turno", 2, []),
        ("col_comune_di_residenza", 2, [{"value": "Lodi", "people": 1}])]
    assert created["effects"][0] == {"line": 2, "employee_ref": "T-001", "name": "Persona 1",
                                     "effect": "add", "changes": [], "returning": False}
    refused = await client.post(f"{base}/{created['id']}/confirm", headers=headers,
                                json={"reporting_groups": ["department"]})
    assert refused.status_code == 422 and "reporting_groups" in refused.json()["errors"]
    applied = await client.post(f"{base}/{created['id']}/confirm", headers=headers,
                                json={"reporting_groups": ["col_comune_di_residenza"]})
    assert applied.status_code == 200
    assert [c["chosen"] for c in applied.json()["group_columns"]] == [False, True]
    assert applied.json()["effects"] == []  # names do not outlive the import


async def test_another_companys_preview_and_its_lists_answer_404(
        client: Any, world: Any) -> None:  # noqa: F811
    await sign_in(client, world.hr_bianchi)
    theirs = import_id_of(await upload(client, world.bianchi, csv_file(PEOPLE)))
    await sign_in(client, world.hr)
    for query in ("", "?effect=add", "?effect=add&page=2"):
        for company in (world.bianchi, world.rossi):
            response = await client.get(f"/portal/{company}/roster/imports/{theirs}{query}")
            assert response.status_code == 404 and "Niccolò" not in response.text
    path = f"/portal/{world.rossi}/roster"
    response = await client.post(f"/portal/{world.rossi}/roster/imports/{theirs}/confirm",
                                 data={"_csrf_token": await csrf_token(client, path),
                                       "groups_offered": "1", "reporting_groups": "col_turno"})
    assert response.status_code == 404
    assert await reads.reporting_columns([world.bianchi]) == []
