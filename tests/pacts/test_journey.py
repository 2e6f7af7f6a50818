"""The journey: referral → assessment → pact → the family accepts from their link →
reviews reminded by mail with a calendar file → a new version keeping the old →
closure → retention; sealed notes and consents on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.exceptions import NotFoundException

from app.clock import ITALY, now
from app.errors import InvalidInput
from app.settings import get_settings
from app.tables import AuditEvent, DevMail, Organization, OutboxJob
from pacts.access import service as access
from pacts.consents import service as consents
from pacts.notes import service as notes
from pacts.pacts import service
from pacts.pacts.schemas import AreaIn, Closure
from pacts.retention.service import anonymise_expired
from pacts.reviews import service as reviews
from pacts.tables import Pact, PactNote, PactVersion
from tests.civic.referrals.world import mails_to, run_jobs
from tests.factories import sign_in
from tests.pacts.world import HOLDER, World, as_caller, content, make_world, open_pact

LINK = re.compile(r"https://testserver\.local/p/([A-Za-z0-9_-]{22})")
FAMILY = "samira@example.it"


@pytest.fixture
async def world() -> World:
    return await make_world()


async def _proposed(world: World) -> Any:
    pact_id = await open_pact(world)
    maker = await as_caller(world.maker_a)
    await service.save_assessment(maker, pact_id, {
        "work": AreaIn("Lavoro perso a marzo", "Esperienza in magazzino")})
    await service.propose_version(maker, pact_id, content())
    return pact_id, maker


async def _link() -> str:
    mails = await mails_to(FAMILY)
    match = LINK.search(mails[-1]["text"])
    assert match
    return match.group(1)


async def test_the_family_reads_and_accepts_the_pact_from_their_link(
        client: Any, world: World) -> None:
    pact_id, maker = await _proposed(world)
    assert await run_jobs("pacts.pact_mail") == 1
    mail = (await mails_to(FAMILY))[-1]
    assert HOLDER.split()[0] in mail["text"] and "patto" not in mail["subject"].lower()
    token = await _link()
    page = await client.get(f"/p/{token}")
    assert page.status_code == 200 and "Trovare un lavoro part-time" in page.text
    assert "<script" not in page.text
    english = await client.get(f"/p/{token}?lang=en")
    assert "Your goals" in english.text
    form = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert form
    accepted = await client.post(f"/p/{token}/accept", data={"_csrf_token": form.group(1)},
                                 follow_redirects=False)
    assert accepted.status_code == 303
    pact = await service.detail(maker, pact_id)
    assert pact.status == "active" and pact.versions[0].accepted_how == "link"
    assert (await client.get("/p/" + "x" * 22)).status_code == 404


async def test_a_new_version_keeps_the_accepted_one(world: World) -> None:
    pact_id, maker = await _proposed(world)
    await service.accept_on_paper(maker, pact_id)
    await service.propose_version(maker, pact_id, content("Un lavoro a tempo pieno"))
    await service.accept_on_paper(maker, pact_id)
    pact = await service.detail(maker, pact_id)
    assert [(v.number, v.status) for v in pact.versions] == [(2, "accepted"), (1, "superseded")]
    assert pact.versions[1].content.goals[0].text == "Trovare un lavoro part-time"
    with pytest.raises(InvalidInput):
        await service.propose_version(maker, pact_id, content(" "))


async def test_a_review_is_reminded_with_a_calendar_only_with_consent(world: World) -> None:
    pact_id, maker = await _proposed(world)
    await run_jobs("pacts.pact_mail")
    when = now() + timedelta(days=3)
    await reviews.schedule(maker, pact_id, when)
    await run_jobs("pacts.review_reminder")
    assert len(await mails_to(FAMILY)) == 1  # no consent to reminders: no reminder
    await consents.give(maker, pact_id, "reminders")
    await reviews.schedule(maker, pact_id, when + timedelta(days=30))
    await run_jobs("pacts.review_reminder")
    reminder = (await mails_to(FAMILY))[-1]
    assert "[incontro.ics (text/calendar" in reminder["text"]
    review_id = (await service.detail(maker, pact_id)).reviews[0].id
    await reviews.record(maker, pact_id, review_id, {"0.0": "started"}, 3, 5, "Bene")
    with pytest.raises(InvalidInput):
        await reviews.record(maker, pact_id, review_id, {}, 11, None, "")


async def test_consent_is_refused_unless_given_and_can_be_withdrawn(world: World) -> None:
    pact_id, maker = await _proposed(world)
    assert not await consents.has_consent(pact_id, "sharing")
    with pytest.raises(InvalidInput):
        await consents.give(maker, pact_id, "sharing")  # a partner must be named
    await consents.give(maker, pact_id, "sharing", "Cooperativa Il Seme")
    assert await consents.has_consent(pact_id, "sharing")
    consent = (await service.detail(maker, pact_id)).consents[0]
    assert consent.partner == "Cooperativa Il Seme" and consent.text_version
    await consents.withdraw(maker, pact_id, consent.id)
    assert not await consents.has_consent(pact_id, "sharing")


async def test_a_sealed_note_is_encrypted_and_opened_only_with_a_reason(world: World) -> None:
    pact_id, maker = await _proposed(world)
    await notes.add(maker, pact_id, "sealed", "Violenza domestica segnalata")
    stored = await PactNote.select().first()
    assert stored["text"] == "" and "Violenza" not in stored["ciphertext"]
    assert (await service.detail(maker, pact_id)).notes[0].text == ""
    with pytest.raises(InvalidInput):
        await notes.break_seal(maker, pact_id, stored["id"], "")
    coordinator = await as_caller(world.coordinator_a)
    text = await notes.break_seal(coordinator, pact_id, stored["id"], "Preparo l'incontro")
    assert text == "Violenza domestica segnalata"
    log = await access.openings(maker, pact_id)
    assert ("sealed_note", "Preparo l'incontro") in [(r.what, r.reason) for r in log]
    with pytest.raises(NotFoundException):
        await notes.break_seal(await as_caller(world.maker_b), pact_id, stored["id"],
                               "Curiosità di un collega")


async def test_closure_then_retention_anonymises_the_pact(world: World) -> None:
    pact_id, maker = await _proposed(world)
    await notes.add(maker, pact_id, "team", "Primo colloquio")
    with pytest.raises(InvalidInput):
        await service.close(maker, pact_id, Closure("perhaps", "reached"))
    closed = await service.close(maker, pact_id, Closure("goals_reached", "reached", "CPI"))
    assert closed.status == "closed"
    assert await OutboxJob.exists().where(OutboxJob.actor == "pacts.retention")
    assert await anonymise_expired() == 0  # not yet
    later = date.today() + timedelta(days=365 * 2 + 1)
    assert await anonymise_expired(later) == 1
    row = await Pact.select().where(Pact.id == pact_id).first()
    assert row["holder_name"] == "" and row["contact_email"] is None
    assert row["outcome"] == "reached" and row["anonymised_at"] is not None
    assert await PactVersion.count() == 0 and await PactNote.count() == 0
    assert await service.caseload(maker) == []


def _docx_text(data: bytes) -> str:
    import io

    from docx import Document

    document = Document(io.BytesIO(data))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


async def test_nobody_outside_the_team_sees_a_sign_of_a_pact(
        client: Any, world: World, caplog: pytest.LogCaptureFixture) -> None:
    """The pages, Word reports and logs of other roles, and the audit and mail, say
    nothing."""
    caplog.set_level("DEBUG")
    pact_id, maker = await _proposed(world)
    await consents.give(maker, pact_id, "reminders")
    await reviews.schedule(maker, pact_id, now() + timedelta(days=3))
    await run_jobs("pacts.pact_mail")
    await run_jobs("pacts.review_reminder")
    for who in (world.admin, world.maker_b, world.school_coordinator, world.operator,
                world.hr):
        await sign_in(client, who)
        for path in ("/", "/program", "/pacts", "/api/v1/pacts", "/admin/jobs",
                     "/civic/activities", "/labs", "/initiatives", "/dev/mail"):
            response = await client.get(path)
            if path == "/dev/mail":
                continue  # the development mailbox shows every mail, by design
            assert HOLDER not in response.text and "Samira" not in response.text, (who, path)
    school = await Organization.select(Organization.id).where(
        Organization.kind == "school").first()
    center = await Organization.select(Organization.id).where(
        Organization.kind == "civic_center").first()
    for who, path in ((world.admin, "/program/report.docx?year=2026&half=2"),
                      (world.school_coordinator, f"/schools/{school['id']}/report.docx"),
                      (world.operator, f"/civic/centers/{center['id']}/report.docx")):
        await sign_in(client, who)
        report = await client.get(path)
        assert report.status_code == 200, path
        text = _docx_text(report.content)
        assert text and HOLDER not in text and "Samira" not in text, path
    for record in caplog.records:  # what a log reader sees
        if record.name == "legami.mail" and record.msg.startswith("mail to"):
            continue  # the development mailbox prints every mail, by design (as /dev/mail)
        line = record.getMessage().lower()
        assert "samira" not in line and "benali" not in line, line
    assert not await AuditEvent.exists().where(AuditEvent.action.like("pact%"))
    for mail in await DevMail.select():
        assert "patto" not in mail["subject"].lower() and "pact" not in mail["subject"].lower()


async def test_the_printable_pact_is_a4_with_a_qr_code_and_logged(client: Any,
                                                                  world: World) -> None:
    import io

    from docx import Document

    pact_id, maker = await _proposed(world)
    await sign_in(client, world.maker_a)
    response = await client.get(f"/pacts/{pact_id}/pact.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Trovare un lavoro part-time" in text and "mai una condizione" in text
    assert len(document.inline_shapes) == 1  # the QR code
    log = await access.openings(maker, pact_id)
    assert "docx" in [row.what for row in log]
    await sign_in(client, world.maker_b)
    assert (await client.get(f"/pacts/{pact_id}/pact.docx")).status_code == 404


async def test_a_held_review_names_each_result_of_the_version_it_was_held_under(
        client: Any, world: World) -> None:
    from pacts.pacts.schemas import ExpectedResult, Goal, PactContent

    pact_id, maker = await _proposed(world)
    await service.accept_on_paper(maker, pact_id)
    review_id = await reviews.schedule(maker, pact_id, now() + timedelta(days=1))
    await reviews.record(maker, pact_id, review_id, {"0.0": "started"}, 3, 5, "")
    await service.propose_version(maker, pact_id, PactContent(goals=[Goal(
        text="Prendere la patente", results=[ExpectedResult("Esame di teoria superato")])]))
    await service.accept_on_paper(maker, pact_id)  # a later version, other results
    await sign_in(client, world.maker_a)
    page = (await client.get(f"/pacts/{pact_id}")).text
    assert "<li>Un curriculum pronto: In corso</li>" in page
    assert "0.0:" not in page


async def test_production_opens_no_pact_until_the_dpo_confirms_the_legal_basis(
        client: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The legal basis is a setting the program's DPO confirms: without it a production
    installation refuses every new referral; with it, the maker's list and the family's
    page say it in words."""
    production = {"LEGAMI_ENV": "production", "SECRET_KEY": "k" * 48,
                  "SMTP_URL": "smtp://127.0.0.1:2525", "BALLOT_KEY": "A" * 43 + "="}
    for name, value in production.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(InvalidInput) as refused:
            await open_pact(world)
        assert "PACTS_LEGAL_BASIS" in refused.value.errors["legal_basis"]
        assert await Pact.count() == 0
        monkeypatch.setenv("PACTS_LEGAL_BASIS", "public_task")
        get_settings.cache_clear()
        assert await open_pact(world)
    finally:
        for name in (*production, "PACTS_LEGAL_BASIS"):
            monkeypatch.delenv(name, raising=False)
        get_settings.cache_clear()

    # A demo or test installation opens pacts, and says the basis is not confirmed yet.
    await sign_in(client, world.maker_a)
    unconfirmed = await client.get("/pacts?lang=en")
    assert "has not confirmed the pacts' legal basis yet" in unconfirmed.text
    pact_id, _maker = await _proposed(world)
    assert await run_jobs("pacts.pact_mail") == 1
    token = await _link()
    assert "on the basis of" not in (await client.get(f"/p/{token}?lang=en")).text
    monkeypatch.setenv("PACTS_LEGAL_BASIS", "public_task")
    get_settings.cache_clear()
    try:  # the DPO's choice, in words
        shown = await client.get("/pacts?lang=en")
        assert "GDPR art. 6(1)(e) and 9(2)(g)" in shown.text
        family = await client.get(f"/p/{token}")
        assert "sulla base di" in family.text and "art. 6(1)(e) e 9(2)(g)" in family.text
    finally:
        monkeypatch.delenv("PACTS_LEGAL_BASIS")
        get_settings.cache_clear()


async def test_the_api_schedules_and_records_reviews_and_keeps_consents(
        client: Any, world: World) -> None:
    """What the pact page's forms do, through the JSON API (the API had no reviews or
    consents): the same rules, the same record, each call an opening of the pact."""
    pact_id, maker = await _proposed(world)
    await sign_in(client, world.maker_a)
    await client.get("/api/v1/me")
    headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
    base = f"/api/v1/pacts/{pact_id}"
    past = await client.post(f"{base}/reviews", json={"scheduled_for": "2020-01-01T10:00:00"},
                             headers=headers)
    assert past.status_code == 422 and "scheduled_for" in past.json()["errors"]
    when = (now() + timedelta(days=7)).replace(microsecond=0)
    scheduled = await client.post(f"{base}/reviews", json={
        "scheduled_for": when.astimezone(ITALY).replace(tzinfo=None).isoformat()},
        headers=headers)
    assert scheduled.status_code == 201
    review = scheduled.json()["reviews"][0]
    assert review["held_at"] is None
    assert review["scheduled_for"].startswith(when.date().isoformat())
    held = await client.post(f"{base}/reviews/{review['id']}", json={
        "progress": {"0.0": "started"}, "ladder_before": 3, "ladder_after": 5,
        "summary": "Un colloquio fatto"}, headers=headers)
    assert held.status_code == 201
    done = held.json()["reviews"][0]
    assert done["held_at"] and done["ladder_after"] == 5 and done["progress"] == {
        "0.0": "started"}
    too_high = await client.post(f"{base}/reviews/{review['id']}", json={"ladder_after": 11},
                                 headers=headers)
    assert too_high.status_code == 422

    given = await client.post(f"{base}/consents", json={
        "purpose": "sharing", "partner": "Civic Center Crema"}, headers=headers)
    assert given.status_code == 201
    consent = next(c for c in given.json()["consents"] if c["purpose"] == "sharing")
    assert consent["partner"] == "Civic Center Crema" and not consent["withdrawn_at"]
    no_partner = await client.post(f"{base}/consents", json={"purpose": "sharing"},
                                   headers=headers)
    assert no_partner.status_code == 422 and "partner" in no_partner.json()["errors"]
    withdrawn = await client.post(f"{base}/consents/{consent['id']}/withdraw",
                                  headers=headers)
    assert withdrawn.status_code == 200
    assert next(c for c in withdrawn.json()["consents"] if c["id"] == consent["id"])[
        "withdrawn_at"]
    assert not await consents.has_consent(pact_id, "sharing")


async def test_the_api_writes_team_and_sealed_notes_and_breaks_a_seal_for_a_reason(
        client: Any, world: World) -> None:
    """What the pact page's notes do, through the JSON API (it listed notes but could not
    write one): a sealed note is listed without its text, nothing of it is readable in
    the table, and reading it takes a reason that the access log keeps."""
    pact_id, _maker = await _proposed(world)
    await sign_in(client, world.maker_a)
    await client.get("/api/v1/me")
    headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
    base = f"/api/v1/pacts/{pact_id}"
    team = await client.post(f"{base}/notes", json={"level": "team",
                                                     "text": "Colloquio con la scuola"},
                             headers=headers)
    assert team.status_code == 201
    sealed = await client.post(f"{base}/notes", json={
        "level": "sealed", "text": "Segue un percorso al consultorio"}, headers=headers)
    assert sealed.status_code == 201
    listed = {n["level"]: n for n in sealed.json()["notes"]}
    assert listed["team"]["text"] == "Colloquio con la scuola"
    assert listed["sealed"]["text"] == ""
    assert "consultorio" not in str(await PactNote.select().where(PactNote.pact == pact_id))
    for wrong, field in (({"level": "secret", "text": "x"}, "level"),
                         ({"level": "team", "text": "  "}, "text")):
        refused = await client.post(f"{base}/notes", json=wrong, headers=headers)
        assert refused.status_code in (400, 422), wrong
        assert field in refused.text
    note_id = listed["sealed"]["id"]
    short = await client.post(f"{base}/notes/{note_id}/unseal", json={"reason": "perché"},
                              headers=headers)
    assert short.status_code in (400, 422) and "reason" in short.text
    opened = await client.post(f"{base}/notes/{note_id}/unseal",
                               json={"reason": "Preparare la verifica con lei"},
                               headers=headers)
    assert opened.status_code == 200
    assert opened.json() == {"id": note_id, "text": "Segue un percorso al consultorio"}
    log = (await client.get(f"{base}/access-log")).json()
    assert any(row["what"] == "sealed_note" for row in log)
    team_id = listed["team"]["id"]  # a team note has no seal to break
    assert (await client.post(f"{base}/notes/{team_id}/unseal",
                              json={"reason": "Preparare la verifica"},
                              headers=headers)).status_code == 404
