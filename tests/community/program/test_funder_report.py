"""The funder's half-yearly report on the logical framework: involved means took part,
each indicator this half-year against the previous one, staff's narrative per strategy,
lists of labs and initiatives, and a freeze that keeps the report the same."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from app.tables import Organization
from civic.tables import Activity, Attendance
from community.tables import Lab, LabAttendance, LabGuest, LabMeeting
from company_portal.tables import RosterEntry
from surveys.tables import Invitation, Survey, SurveyVersion, Wave
from tests.community.program.test_program import (
    SPRING,
    add_activity,
    add_pupils,
    document_text,
    enrol,
    make_world,
)
from tests.factories import api_post, make_org, make_user, post_form, sign_in

EN = {"accept-language": "en"}
H1 = "year=2026&half=1"
H2 = "year=2026&half=2"
JANUARY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Spring:
    staff: UUID
    company_a: UUID
    lab: UUID
    meeting: int


async def answered_wave(company: UUID, closes_on: date, answered: int, invited: int) -> None:
    """A closed wave of `company` with `invited` invitations, `answered` of them answered."""
    survey = Survey(owner=company, title="Bisogni")
    await survey.save()
    version = SurveyVersion(survey=survey.id, definition={})
    await version.save()
    wave = Wave(version=version.id, owner=company, title="Ondata", status="closed",
                opens_on=closes_on - timedelta(days=14), closes_on=closes_on)
    await wave.save()
    entries = await RosterEntry.select(RosterEntry.id).where(RosterEntry.company == company)
    for number, entry in enumerate(entries[:invited]):
        await Invitation(wave=wave.id, company=company, roster_entry=entry["id"],
                         channel="code", answered=number < answered).save()


async def spring_world() -> Spring:
    """make_world, with Officine Rossi a partner since January 2026: 6 of its 9 workers
    answered a wave closed in May; the spring lab met with 2 workers and 4 guests."""
    world = await make_world()
    await Organization.update({Organization.created_at: JANUARY}).where(
        Organization.id.is_in([world.company_a, world.school_crema, world.center_cremona]))
    await answered_wave(world.company_a, date(2026, 5, 20), answered=6, invited=9)
    lab = await Lab.select(Lab.id).where(Lab.title == "Turni").first()
    meeting = await LabMeeting.select(LabMeeting.id).where(
        (LabMeeting.lab == lab["id"]) & (LabMeeting.starts_at < datetime(2026, 7, 1, tzinfo=UTC))
    ).first()
    await Lab.update({Lab.partners: ["Cooperativa Il Sole"]}).where(Lab.id == lab["id"])
    for number in range(2):
        worker = await make_user(f"w{number}@rossi.example", world.company_a)
        await LabAttendance(meeting=meeting["id"], user=worker).save()
    for number in range(4):
        guest = LabGuest(lab=lab["id"], name=f"Residente {number}", kind="resident")
        await guest.save()
        await LabAttendance(meeting=meeting["id"], guest=guest.id).save()
    return Spring(world.staff, world.company_a, lab["id"], meeting["id"])


def indicator_rows(tables: list[list[list[str]]]) -> dict[str, list[str]]:
    """The indicators tables' rows by code ("1.2"): baseline, target, previous, this
    half-year, to date."""
    rows = {}
    for table in tables:
        if table[0][0] == "Indicator":
            for row in table[1:]:
                rows[row[0].split(" ", 1)[0]] = row[1:]
    return rows


async def api_put(client: Any, path: str, body: Any) -> Any:
    await client.get("/api/v1/me")
    return await client.put(path, json=body,
                            headers={"x-csrftoken": client.cookies.get("legami_csrf") or ""})


async def docx(client: Any, query: str) -> bytes:
    response = await client.get(f"/program/report.docx?{query}", headers=EN)
    assert response.status_code == 200, response.text
    return response.content  # type: ignore[no-any-return]


# Involved means took part ----------------------------------------------------------------


async def test_involved_counts_who_took_part_not_who_is_on_a_roster(client: Any) -> None:
    world = await make_world()  # 10 active roster rows, 2 active companies, nobody answered
    await sign_in(client, world.staff)
    rows = indicator_rows(document_text(await docx(client, H2))[1])
    assert rows["1.1"][3] == "1"  # Officine Rossi: 2 of its people joined an initiative
    assert rows["1.2"][3] == "fewer than 5"  # 2 people joined the initiative
    assert rows["1.3"][3] == "0"  # answered a survey
    assert rows["1.7"][3] == "2"  # signed up: context, not participation
    assert rows["1.2"][1] == "1,000" and rows["1.1"][1] == "15"


async def test_each_indicator_this_half_year_against_the_previous_one(client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    onboarding = await Organization.select(Organization.id).where(
        Organization.name == "In Arrivo").first()  # not a partner: its wave counts nowhere
    await answered_wave(onboarding["id"], date(2026, 5, 21), answered=0, invited=20)
    text, tables = document_text(await docx(client, H2))
    rows = indicator_rows(tables)
    # baseline, target, previous (H1), this (H2), to date
    assert rows["1.1"] == ["0", "15", "1", "1", "1"]
    assert rows["1.3"] == ["0", "—", "6", "0", "6"]
    assert rows["1.4"] == ["—", "—", "67%", "—", "67%"]  # 6 of 9 invitations
    assert rows["3.1"] == ["0", "45", "1", "0", "1"]  # the spring lab met in March
    assert rows["3.3"][2] == "6"  # 2 workers and 4 guests attended
    assert rows["3.4"][2] == "fewer than 5"  # the 4 guests
    assert rows["3.5"][2] == "1"
    assert rows["5.2"] == ["—", "100", "not recorded", "not recorded", "not recorded"]
    assert "Previous half-year\nJanuary to June 2026" in [t[0][3] for t in tables
                                                          if t[0][0] == "Indicator"]
    for heading in ("Strategy 1: Companies and work-life balance",
                    "Strategy 3: Community labs", "Strategy 5: Training and local coordination",
                    "Partners", "Annex: how each indicator is computed"):
        assert heading in text
    annex = next(t for t in tables if t[0][:2] == ["Code", "Indicator"])
    definitions = {row[0]: row[2:] for row in annex[1:]}
    assert "answered a needs survey" in definitions["1.2"][0]
    assert "attendance registers" in definitions["3.3"][1]


async def test_the_report_lists_labs_initiatives_and_partners(client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    spring_tables = document_text(await docx(client, H1))[1]
    labs = next(t for t in spring_tables if t[0][0] == "Lab")
    lab_row = next(row for row in labs if row[0].startswith("Turni"))
    assert lab_row[1:] == ["Cremona", "1", "6", "fewer than 5", "1"]
    assert "Partners: Cooperativa Il Sole" in lab_row[0]
    assert "workplace lab of Latteria Demo" in lab_row[0]
    autumn_tables = document_text(await docx(client, H2))[1]
    initiatives = next(t for t in autumn_tables if t[0][0] == "Initiative")
    assert initiatives[1][0].startswith("Centro estivo")
    assert initiatives[1][2:] == ["employees of Officine Rossi", "5", "fewer than 5", "0"]
    partners = {row[0]: row[1] for t in autumn_tables if t[0][0] == "Partner" for row in t}
    assert partners["Officine Rossi"] == "Company"
    assert partners["IC Casalmaggiore"] == "School"
    assert "Cooperativa Il Sole" not in partners  # named by a lab of the spring only
    spring_partners = {row[0]: row[1] for t in spring_tables if t[0][0] == "Partner"
                       for row in t}
    assert spring_partners["Cooperativa Il Sole"].startswith("Association, cooperative")
    assert "In Arrivo" not in partners  # still onboarding


async def test_pupils_who_attended_count_apart_from_those_holding_a_place(client: Any) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    school = await make_org("school", "IC Cremona Tre", "Cremona")
    center = await make_org("civic_center", "Civic Center Casalmaggiore", "Casalmaggiore")
    pupils = await add_pupils(school, 7)
    pool = await add_activity(center, 10)
    await enrol(pool, pupils, school)
    activity = await Activity.select(Activity.id).where(Activity.pool == pool).first()
    for pupil in pupils[:6]:
        await Attendance(activity=activity["id"], pupil=pupil,
                         session_on=date(2026, 11, 3), present=True).save()
    rows = indicator_rows(document_text(await docx(client, H2))[1])
    assert rows["2.2"][3] == "14"  # 7 of make_world and 7 here hold a place
    assert rows["2.3"][3] == "6"  # 6 were marked present


# Narratives ------------------------------------------------------------------------------


async def test_staff_write_a_narrative_per_strategy_and_the_report_carries_it(
        client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    page = await client.get(f"/program/report?{H1}", headers=EN)
    assert page.status_code == 200
    assert 'for="narrative_labs"' in page.text and "Labs that met" in page.text
    saved = await post_form(client, "/program/report/narratives", {
        "year": "2026", "half": "1",
        "narrative_companies": "Tre aziende hanno aperto un tavolo.\n\nLa mensa ha aderito.",
        "narrative_labs": "Il laboratorio Turni ha ridisegnato gli orari."},
        page=f"/program/report?{H1}")
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/program/report?year=2026&half=1")
    page = await client.get(saved.headers["location"], headers=EN)
    assert "Il laboratorio Turni ha ridisegnato gli orari." in page.text
    text = document_text(await docx(client, H1))[0]
    assert "Tre aziende hanno aperto un tavolo.\nLa mensa ha aderito." in text
    assert "Il laboratorio Turni ha ridisegnato gli orari." in text
    assert "Program staff wrote no narrative for this strategy" in text  # the others


async def test_a_narrative_too_long_is_refused_on_the_page_and_nothing_is_saved(
        client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    refused = await post_form(client, "/program/report/narratives", {
        "year": "2026", "half": "1", "narrative_companies": "Scritto.",
        "narrative_pacts": "x" * 6_001}, page=f"/program/report?{H1}")
    assert refused.status_code == 422
    assert "text/html" in refused.headers["content-type"]
    assert 'role="alert"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "Al massimo 6000 caratteri: questo testo ne ha 6001." in refused.text  # posted
    # in Italian, the language of a browser without a choice
    assert "Scritto." in refused.text  # what was typed is kept on the page
    text = document_text(await docx(client, H1))[0]
    assert "Scritto." not in text


# Freezing --------------------------------------------------------------------------------


async def test_a_frozen_half_year_prints_the_same_report_whatever_changes(
        client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    await post_form(client, "/program/report/narratives", {
        "year": "2026", "half": "1", "narrative_labs": "Prima versione."},
        page=f"/program/report?{H1}")
    frozen = await post_form(client, "/program/report/freeze", {"year": "2026", "half": "1"},
                             page=f"/program/report?{H1}")
    assert frozen.status_code == 303
    first = document_text(await docx(client, H1))
    assert "Frozen on" in first[0] and "Prima versione." in first[0]

    # More data about the spring, and an attempt to rewrite the narrative.
    await answered_wave(spring.company_a, date(2026, 6, 10), answered=9, invited=9)
    await LabMeeting(lab=spring.lab, starts_at=SPRING + timedelta(days=30)).save()
    rewrite = await post_form(client, "/program/report/narratives", {
        "year": "2026", "half": "1", "narrative_labs": "Seconda versione."},
        page=f"/program/report?{H1}")
    assert rewrite.status_code == 422
    assert "congelato" in rewrite.text and 'role="alert"' in rewrite.text
    again = await post_form(client, "/program/report/freeze", {"year": "2026", "half": "1"},
                            page=f"/program/report?{H1}")
    assert again.status_code == 303
    assert document_text(await docx(client, H1)) == first
    page = await client.get(f"/program/report?{H1}", headers=EN)
    assert "Frozen on" in page.text and "Prima versione." in page.text
    assert 'name="narrative_labs"' not in page.text

    # The live half-year after it sees the new spring data as its previous one.
    rows = indicator_rows(document_text(await docx(client, H2))[1])
    assert rows["3.2"][2] == "2" and rows["1.3"][2] == "9"
    assert indicator_rows(first[1])["3.2"][3] == "1"


async def test_a_half_year_cannot_be_frozen_before_it_ends(client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    page = await client.get(f"/program/report?{H2}", headers=EN)
    assert "The half-year is not over" in page.text
    refused = await post_form(client, "/program/report/freeze", {"year": "2026", "half": "2"},
                              page=f"/program/report?{H2}")
    assert refused.status_code == 422
    assert "text/html" in refused.headers["content-type"] and 'role="alert"' in refused.text
    assert "dal giorno dopo la sua fine: 1 gennaio 2027" in refused.text  # posted in Italian
    assert "Draft made on" in document_text(await docx(client, H2))[0]


async def test_a_bad_period_on_the_forms_renders_the_chooser(client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    for path in ("/program/report/narratives", "/program/report/freeze"):
        refused = await post_form(client, path, {"year": "20x6", "half": "3"},
                                  page="/program/report")
        assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    chooser = await client.get("/program/report?year=2026&half=9", headers=EN)
    assert chooser.status_code == 422 and 'role="alert"' in chooser.text


async def test_the_api_reads_writes_and_freezes_a_half_year(client: Any) -> None:
    spring = await spring_world()
    await sign_in(client, spring.staff)
    found = (await client.get(f"/api/v1/program/half-year?{H1}", headers=EN)).json()
    assert found["current"]["labs_met"] == 1 and found["current"]["lab_guests"] is None
    assert found["previous"]["labs_met"] == 0 and found["frozen_at"] is None
    assert found["labs"][0]["title"] == "Turni"
    too_long = await api_put(client, f"/api/v1/program/half-year/narratives?{H1}",
                             {"labs": "x" * 6_001})
    assert too_long.status_code == 422
    saved = await api_put(client, f"/api/v1/program/half-year/narratives?{H1}",
                          {"labs": "Orari nuovi."})
    assert saved.status_code == 200 and saved.json()["narratives"]["labs"] == "Orari nuovi."
    frozen = await api_post(client, f"/api/v1/program/half-year/freeze?{H1}", {})
    assert frozen.status_code == 201 and frozen.json()["frozen_at"]
    late = await api_put(client, f"/api/v1/program/half-year/narratives?{H1}", {"labs": "No."})
    assert late.status_code == 422 and "narrative" in late.json()["errors"]
    early = await api_post(client, f"/api/v1/program/half-year/freeze?{H2}", {})
    assert early.status_code == 422 and "freeze" in early.json()["errors"]


# On paper --------------------------------------------------------------------------------


def _tools() -> tuple[str, str, str]:
    found = (shutil.which("libreoffice") or shutil.which("soffice"),
             shutil.which("pdftotext"), shutil.which("pdfinfo"))
    if not all(found):
        pytest.skip("LibreOffice or poppler-utils is missing (see .ci/test-deps)")
    return found  # type: ignore[return-value]


async def test_libreoffice_prints_the_report_on_a4_with_whole_words(client: Any,
                                                                    tmp_path: Path) -> None:
    office, pdftotext, pdfinfo = _tools()
    spring = await spring_world()
    await sign_in(client, spring.staff)
    (tmp_path / "report.docx").write_bytes(await docx(client, H2))
    await asyncio.to_thread(subprocess.run, [
        office, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
        "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
        check=True, capture_output=True, timeout=180)
    info = subprocess.run([pdfinfo, str(tmp_path / "report.pdf")], check=True,
                          capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts \(A4\)", info), info
    text = subprocess.run([pdftotext, "-layout", str(tmp_path / "report.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    cover = text.split("\f")[0]
    assert "FareLegami" in cover and "Fondazione Cariplo" in cover
    assert "Welfare in azione" in cover
    for heading in ("The logical framework", "Strategy 2: Schools, families and Civic Centers",
                    "Community labs of the half-year", "Partners"):
        assert heading in text
    words = set(re.findall(r"\w+", text))
    for town in ("Casalmaggiore", "Cremona", "Crema"):
        assert town in words
    # No town and no column heading broken mid-word.
    assert not {"Casalmag", "Casalmaggio", "Cremo", "Participant", "Activitie", "Meetin",
                "Waitli"} & words


async def test_a_company_suspended_since_still_counts_for_the_half_year_it_took_part_in(
        client: Any) -> None:
    """Officine Rossi took part in the spring, then program staff suspended it: the
    spring's report, not yet frozen, still names it and counts what its people did
    (before: it dropped out of every half-year, its workers' answers with it)."""
    from app.auth.caller import load_caller
    from company_portal.onboarding import service as onboarding

    spring = await spring_world()
    await sign_in(client, spring.staff)
    before = document_text(await docx(client, H1))[1]
    await onboarding.suspend(await load_caller(spring.staff), spring.company_a)
    after = document_text(await docx(client, H1))[1]
    partners = {row[0]: row[1] for t in after if t[0][0] == "Partner" for row in t}
    assert partners["Officine Rossi"] == "Company"
    assert indicator_rows(after) == indicator_rows(before)
    assert indicator_rows(after)["1.3"][3] == "6"  # 6 of its workers answered in May
    autumn = document_text(await docx(client, H2))[1]  # active until now, this autumn
    assert "Officine Rossi" in {row[0] for t in autumn if t[0][0] == "Partner" for row in t}


async def test_a_half_year_with_lab_guests_but_no_partner_company_yet_has_its_report(
        client: Any) -> None:
    """The spring lab met before any company had joined the program: the report prints,
    counting no company (before: 500, an empty list of companies in a query)."""
    spring = await spring_world()
    await Organization.update({Organization.created_at: datetime(2026, 8, 1, tzinfo=UTC)}
                              ).where(Organization.kind == "company")
    await sign_in(client, spring.staff)
    tables = document_text(await docx(client, H1))[1]
    assert indicator_rows(tables)["1.1"][3] == "0"  # companies that took part
    partners = {row[1] for t in tables if t[0][0] == "Partner" for row in t[1:]}
    assert "Company" not in partners
