"""Waves: opening, the mail channel on a real SMTP server, reminders, printed codes, counts
with suppression, tenant scoping, company sign-in and the wave's state."""

from __future__ import annotations

import email
import io
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from docx import Document

import surveys.distribution.jobs  # noqa: F401  registers the wave jobs
from app.auth.caller import Caller, load_caller
from app.clock import ITALY, now
from app.crypto import token_hash
from app.dates import day
from app.db import engine
from app.errors import InvalidInput
from app.i18n import use_language
from app.settings import get_settings
from app.tables import IdentityProvider, OutboxJob
from company_portal.tables import RosterEntry
from surveys.answering import service as answering
from surveys.definition import Definition, Option, Question, Section, encode
from surveys.distribution import service as distribution
from surveys.distribution.tokens import LINK_PREFIX
from surveys.results.suppression import Sum, protect
from surveys.tables import Invitation, Survey, SurveyVersion, Wave
from surveys.waves import service as waves
from surveys.waves import state as wave_clock
from surveys.waves.service import WaveCreate
from tests.factories import BASE_URL, api_post, make_org, make_user, post_form, sign_in
from worker.runner import JobFailed, run_job

YES_NO = [Option("yes", {"it": "Sì", "en": "Yes"}), Option("no", {"it": "No", "en": "No"})]
DEFINITION = Definition(
    title={"it": "Bisogni di conciliazione", "en": "Work-life needs"},
    sections=[Section(key="family", title={"it": "Famiglia", "en": "Family"}, questions=[
        Question(key="children_under_14", type="single", options=YES_NO,
                 text={"it": "Hai figli sotto i 14 anni?", "en": "Children under 14?"},
                 reporting_attribute=True),
        Question(key="needs_childcare", type="single", options=YES_NO,
                 text={"it": "Ti serve un nido?", "en": "Do you need childcare?"}),
    ])],
)
LINK_RE = re.compile(re.escape(BASE_URL) + r"(/r/[A-Za-z0-9_-]+)")


@dataclass
class World:
    program: UUID
    staff: UUID
    a: UUID
    b: UUID
    hr_a: UUID
    hr_b: UUID
    version: UUID


async def make_world() -> World:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    a = await make_org("company", "Officine Rossi", "Crema")
    b = await make_org("company", "Latteria Demo", "Cremona")
    hr_a = await make_user("hr@rossi.example", a, "hr_manager")
    hr_b = await make_user("hr@latteria.example", b, "hr_manager")
    survey = Survey(owner=program, title="Bisogni 2026")
    await survey.save()
    version = SurveyVersion(survey=survey.id, number=1, definition=encode(DEFINITION))
    await version.save()
    return World(program, staff, a, b, hr_a, hr_b, version.id)


async def add_person(company: UUID, ref: str, email_address: str | None = None,
                     department: str = "Produzione", site: str = "Crema",
                     active: bool = True, **attributes: str) -> None:
    await RosterEntry(company=company, employee_ref=ref, name=f"Persona {ref}",
                      email=email_address, department=department, site=site,
                      attributes=attributes, active=active,
                      roster_key=f"{company}:{ref}").save()


async def with_company_signin(company: UUID) -> None:
    """The company's people sign in through its identity provider (the "sso" channel)."""
    await IdentityProvider(organization=company, issuer=f"https://idp.example/{company}",
                           client_id="legami").save()


async def as_caller(user: UUID) -> Caller:
    caller = await load_caller(user)
    assert caller is not None
    return caller


async def new_wave(world: World, company: UUID | None = None, user: UUID | None = None,
                   **changes: Any) -> waves.WaveOut:
    values: dict[str, Any] = {
        "version_id": world.version, "title": "Ondata di primavera",
        "opens_on": wave_clock.today(), "closes_on": wave_clock.today() + timedelta(days=14),
        "company_ids": [company or world.a], "channels": ["mail", "code"],
        "reminder_days": [3], "attribute_questions": ["children_under_14"], **changes}
    return await waves.create_wave(await as_caller(user or world.staff), WaveCreate(**values))


async def open_new_wave(world: World, **changes: Any) -> waves.WaveOut:
    wave = await new_wave(world, **changes)
    return await waves.open_wave(await as_caller(world.staff), wave.id)


async def invitations(wave_id: UUID) -> list[dict[str, Any]]:
    return await Invitation.select(
        Invitation.all_columns(), Invitation.roster_entry.email, Invitation.roster_entry.name,
    ).where(Invitation.wave == wave_id).order_by(Invitation.id).output(load_json=True)


async def job_ids(actor: str) -> list[int]:
    rows = await OutboxJob.select(OutboxJob.id).where(OutboxJob.actor == actor).order_by(
        OutboxJob.id)
    return [row["id"] for row in rows]


async def everything_stored() -> str:
    """Every row of every table, as text: where a raw token must never appear."""
    from piccolo.conf.apps import Finder

    dump = []
    for table in Finder().get_table_classes():
        dump += [json.dumps(row, default=str) for row in await table.select()]
    return "\n".join(dump)


# A real SMTP server ---------------------------------------------------------------------


class Inbox:
    def __init__(self, port: int) -> None:
        self.url = f"smtp://127.0.0.1:{port}"
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.original_content or b"")
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=default_policy)  # type: ignore[misc]
                for raw in self.raw]

    def links(self) -> dict[str, str]:
        """The link path each recipient got last."""
        found = {}
        for message in self.messages():
            text = message.get_body(preferencelist=("plain",)).get_content()
            found[message["To"]] = LINK_RE.search(text).group(1)
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def use_smtp(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Settings are cached: set SMTP_URL and read them again."""
    monkeypatch.setenv("SMTP_URL", url)
    get_settings.cache_clear()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """An aiosmtpd server on a free port, and SMTP_URL pointing to it for one test."""
    port = _free_port()
    inbox = Inbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(monkeypatch, inbox.url)
    try:
        yield inbox
    finally:
        controller.stop()
        monkeypatch.undo()
        get_settings.cache_clear()


# Opening ------------------------------------------------------------------------------


async def test_opening_freezes_the_version_fixes_the_groups_and_invites_the_active_roster(
) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example", "Produzione", "Crema")
    await add_person(world.a, "A2", "bruno@rossi.example", "Logistica", "Offanengo")
    await add_person(world.a, "A3", None, "Produzione", "Crema")
    await add_person(world.a, "A4", "gone@rossi.example", active=False)
    await add_person(world.b, "B1", "carla@latteria.example")
    wave = await new_wave(world)
    assert wave.state == "not_open"
    frozen = await SurveyVersion.select(SurveyVersion.frozen_at).first()
    assert frozen["frozen_at"] is None

    opened = await waves.open_wave(await as_caller(world.staff), wave.id)

    assert opened.status == "open" and opened.state == "open"
    assert (await SurveyVersion.select(SurveyVersion.frozen_at).first())["frozen_at"]
    assert [(g.key, g.source) for g in opened.reporting_groups] == [
        ("department", "roster"), ("site", "roster"), ("children_under_14", "question")]
    invited = await invitations(wave.id)
    assert [(i["roster_entry.email"], i["channel"], i["group_values"]) for i in invited] == [
        ("anna@rossi.example", "mail", {"department": "Produzione", "site": "Crema"}),
        ("bruno@rossi.example", "mail", {"department": "Logistica", "site": "Offanengo"}),
        (None, "code", {"department": "Produzione", "site": "Crema"}),
    ]
    assert all(i["token_hash"] is None and not i["answered"] for i in invited)
    jobs = await OutboxJob.select(OutboxJob.actor, OutboxJob.payload).order_by(OutboxJob.id)
    assert [(j["actor"], json.loads(j["payload"])) for j in jobs] == [
        ("surveys.wave_mail", {"wave_id": str(wave.id)}),
        ("surveys.wave_reminder", {"wave_id": str(wave.id), "round": 1}),
        ("surveys.flush_ballot", {"wave_id": str(wave.id)}),  # after the last day
    ]
    with pytest.raises(InvalidInput):
        await waves.open_wave(await as_caller(world.staff), wave.id)
    assert len(await invitations(wave.id)) == 3


async def test_a_survey_that_cannot_be_answered_is_not_opened_and_nothing_is_left() -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example")
    broken = Definition(title=DEFINITION.title, sections=[
        *DEFINITION.sections, Section(key="empty", title={"it": "Vuota"}, questions=[])])
    await SurveyVersion.update({SurveyVersion.definition: encode(broken)}).where(
        SurveyVersion.id == world.version)
    wave = await new_wave(world)
    with pytest.raises(InvalidInput):
        await waves.open_wave(await as_caller(world.staff), wave.id)
    assert (await Wave.select(Wave.status).first())["status"] == "draft"
    assert await Invitation.count() == 0 and await OutboxJob.count() == 0


async def test_the_mail_leaves_at_once_or_on_the_morning_of_a_later_opening_day() -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example")
    now_wave = await open_new_wave(world)
    later = wave_clock.today() + timedelta(days=5)
    later_wave = await open_new_wave(world, opens_on=later, closes_on=later + timedelta(days=9),
                                     reminder_days=[2])
    jobs = await OutboxJob.select(OutboxJob.actor, OutboxJob.payload, OutboxJob.available_at)
    due = {(j["actor"], json.loads(j["payload"])["wave_id"]): j["available_at"] for j in jobs}
    assert due[("surveys.wave_mail", str(now_wave.id))] <= now()
    second = timedelta(seconds=1)
    morning = wave_clock.moment_in_italy(later)
    assert morning <= due[("surveys.wave_mail", str(later_wave.id))] < morning + second
    reminder = wave_clock.moment_in_italy(later + timedelta(days=2))
    assert reminder <= due[("surveys.wave_reminder", str(later_wave.id))] < reminder + second
    assert wave_clock.moment_in_italy(later).astimezone(ITALY).hour == 9


async def test_a_program_wide_wave_covers_the_active_companies_when_it_opens() -> None:
    world = await make_world()
    suspended = await make_org("company", "Chiusa S.r.l.")
    await add_person(world.a, "A1", "anna@rossi.example")
    await add_person(world.b, "B1", "carla@latteria.example")
    await add_person(suspended, "S1", "sara@chiusa.example")
    from app.tables import Organization

    await Organization.update({Organization.status: "suspended"}).where(
        Organization.id == suspended)
    wave = await open_new_wave(world, company_ids=[], program_wide=True)
    assert {c.name for c in wave.companies} == {"Officine Rossi", "Latteria Demo"}
    assert {i["roster_entry.email"] for i in await invitations(wave.id)} == {
        "anna@rossi.example", "carla@latteria.example"}


async def test_an_hr_manager_sends_waves_to_their_own_company_only(client) -> None:
    world = await make_world()
    await sign_in(client, world.hr_a)
    today = wave_clock.today()
    form = {"version_id": str(world.version), "title": "Ondata reparto", "channels": ["mail"],
            "opens_on": today.isoformat(), "closes_on": (today + timedelta(days=7)).isoformat(),
            "roster_groups": ["department"], "company_ids": [str(world.a)]}
    created = await post_form(client, "/waves/new", form, page="/waves/new")
    assert created.status_code == 303
    wave = await Wave.objects().first()
    assert wave.owner == world.a and created.headers["location"].startswith(f"/waves/{wave.id}")
    refused = await api_post(client, "/api/v1/waves", {
        "version_id": str(world.version), "title": "Altrui", "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=7)).isoformat(), "company_ids": [str(world.b)]})
    assert refused.status_code == 422 and "company_ids" in refused.json()["errors"]
    assert await Wave.count() == 1


# Mail ---------------------------------------------------------------------------------


async def test_the_mail_job_sends_one_short_link_per_person_and_stores_only_hashes(
    smtp: Inbox, client: Any,
) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example")
    await add_person(world.a, "A2", "bruno@rossi.example", language="en")
    await add_person(world.a, "A3", None)
    wave = await open_new_wave(world)
    [job] = await job_ids("surveys.wave_mail")

    await run_job(job)

    links = smtp.links()
    assert sorted(links) == ["anna@rossi.example", "bruno@rossi.example"]
    subjects = {m["To"]: m["Subject"] for m in smtp.messages()}
    assert subjects["anna@rossi.example"].startswith("Officine Rossi: un breve questionario")
    assert subjects["bruno@rossi.example"].startswith("Officine Rossi: a short anonymous")
    by_email = {i["roster_entry.email"]: i for i in await invitations(wave.id)}
    stored = await everything_stored()
    for address, path in links.items():
        assert len(path) <= 40 and path.startswith(LINK_PREFIX)
        token = path.removeprefix(LINK_PREFIX)
        assert by_email[address]["token_hash"] == token_hash(token)
        assert token not in stored
        invitee = await answering.resolve_link(token)
        assert invitee is not None and invitee.invitation_id == by_email[address]["id"]
        opened = await client.get(path)
        assert opened.status_code == 200 and "Bisogni di conciliazione" in opened.text
    html = smtp.messages()[0].get_body(preferencelist=("html",)).get_content()
    assert f'href="{BASE_URL}{links[smtp.messages()[0]["To"]]}"' in html

    async with engine().transaction():
        from app.outbox import enqueue

        again = await enqueue("surveys.wave_mail", {"wave_id": str(wave.id)})
    await run_job(again)
    await run_job(job)
    assert await distribution.send_invitations(wave.id) == 0
    assert len(smtp.raw) == 2


async def test_a_failed_delivery_keeps_no_token_and_the_retry_sends_the_mail(
    smtp: Inbox, monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example")
    wave = await open_new_wave(world)
    [job] = await job_ids("surveys.wave_mail")
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{_free_port()}")  # nothing listens there

    with pytest.raises(JobFailed):
        await run_job(job, max_retries=3)

    row = await OutboxJob.select(OutboxJob.status).where(OutboxJob.id == job).first()
    assert row["status"] == "published"  # waiting for its retry
    assert [i["token_hash"] for i in await invitations(wave.id)] == [None]
    use_smtp(monkeypatch, smtp.url)
    await run_job(job)
    assert list(smtp.links()) == ["anna@rossi.example"]


async def _two_people_and_the_mail_server_down(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[World, waves.WaveOut, int]:
    """An open wave of two people whose mail job finds no mail server."""
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example")
    await add_person(world.a, "A2", "bruno@rossi.example")
    wave = await open_new_wave(world)
    [job] = await job_ids("surveys.wave_mail")
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{_free_port()}")  # the mail server is down
    return world, wave, job


async def test_a_failed_delivery_is_counted_with_its_reason_and_the_retry_sends_it(
    smtp: Inbox, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _world, wave, job = await _two_people_and_the_mail_server_down(monkeypatch)

    with pytest.raises(JobFailed):
        await run_job(job, max_retries=3)

    assert [(i["delivery"], i["delivery_error"]) for i in await invitations(wave.id)] == [
        ("failed", "server_unreachable")] * 2
    use_smtp(monkeypatch, smtp.url)
    await run_job(job)
    assert sorted(smtp.links()) == ["anna@rossi.example", "bruno@rossi.example"]
    assert [i["delivery"] for i in await invitations(wave.id)] == ["sent", "sent"]


async def test_staff_see_the_failed_mail_with_its_reason_and_send_it_again_once_smtp_is_back(
    smtp: Inbox, monkeypatch: pytest.MonkeyPatch, client: Any,
) -> None:
    world, wave, job = await _two_people_and_the_mail_server_down(monkeypatch)
    await run_job(job, max_retries=0)  # failed for good

    await sign_in(client, world.hr_a)
    assert "Posta degli inviti" not in (await client.get(f"/waves/{wave.id}")).text
    await sign_in(client, world.staff)
    page = (await client.get(f"/waves/{wave.id}")).text
    assert "Posta degli inviti" in page and "non è stato raggiungibile" in page
    use_smtp(monkeypatch, smtp.url)  # the mail server is back
    resent = await post_form(client, f"/waves/{wave.id}/resend", {}, page=f"/waves/{wave.id}")
    assert resent.status_code == 303
    for pending in await job_ids("surveys.wave_mail"):
        await run_job(pending)

    assert sorted(smtp.links()) == ["anna@rossi.example", "bruno@rossi.example"]
    counts = await distribution.delivery_counts(await as_caller(world.staff), wave.id)
    assert (counts["sent"], counts["waiting"], counts["failed"]) == (2, 0, 0)


async def test_an_invitation_cut_off_before_the_server_answered_is_sent_again_once(
    smtp: Inbox,
) -> None:
    world = await make_world()
    for n in range(1, 4):
        await add_person(world.a, f"A{n}", f"persona{n}@rossi.example")
    wave = await open_new_wave(world)
    [job] = await job_ids("surveys.wave_mail")
    await run_job(job)
    smtp.raw.clear()
    # A worker died after storing persona2's new link, before the mail server answered.
    first, second, third = await invitations(wave.id)
    await Invitation.update({Invitation.token_hash: token_hash("lost"),
                             Invitation.delivery: "sending"}).where(
        Invitation.id == second["id"])
    await OutboxJob.update({OutboxJob.status: "published"}).where(OutboxJob.id == job)

    await run_job(job)

    assert list(smtp.links()) == ["persona2@rossi.example"]
    assert [i["delivery"] for i in await invitations(wave.id)] == ["sent"] * 3
    path = smtp.links()["persona2@rossi.example"]
    assert await answering.resolve_link(path.removeprefix(LINK_PREFIX)) is not None


async def test_reminders_go_only_to_those_who_have_not_answered_and_keep_the_first_link(
    smtp: Inbox,
) -> None:
    world = await make_world()
    for n in range(1, 5):
        await add_person(world.a, f"A{n}", f"persona{n}@rossi.example")
    wave = await open_new_wave(world, reminder_days=[3, 7])
    await run_job((await job_ids("surveys.wave_mail"))[0])
    first = smtp.links()
    await Invitation.update({Invitation.answered: True}).where(
        Invitation.roster_entry.is_in(RosterEntry.select(RosterEntry.id).where(
            RosterEntry.email.is_in(["persona1@rossi.example", "persona2@rossi.example"]))))
    smtp.raw.clear()
    reminder, second_reminder = await job_ids("surveys.wave_reminder")

    await run_job(reminder)
    await run_job(reminder)
    assert await distribution.send_reminders(wave.id, 1) == 0

    links = smtp.links()
    assert sorted(links) == ["persona3@rossi.example", "persona4@rossi.example"]
    assert all(m["Subject"].startswith("Promemoria") for m in smtp.messages())
    for address, path in links.items():
        assert path != first[address]
        latest = await answering.resolve_link(path.removeprefix(LINK_PREFIX))
        assert latest is not None  # and the first mail's link still opens the same
        assert await answering.resolve_link(first[address].removeprefix(LINK_PREFIX)) == latest
    smtp.raw.clear()
    await run_job(second_reminder)
    assert sorted(smtp.links()) == ["persona3@rossi.example", "persona4@rossi.example"]
    stored = await everything_stored()
    for address in links:
        token = first[address].removeprefix(LINK_PREFIX)
        assert await answering.resolve_link(token) is not None and token not in stored


async def test_no_reminder_for_a_closed_wave(smtp: Inbox) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example")
    wave = await open_new_wave(world)
    await run_job((await job_ids("surveys.wave_mail"))[0])
    await waves.close_wave(await as_caller(world.staff), wave.id)
    smtp.raw.clear()
    await run_job((await job_ids("surveys.wave_reminder"))[0])
    assert smtp.raw == []


# Codes --------------------------------------------------------------------------------


def _sheet_codes(data: bytes) -> list[tuple[str, str]]:
    """(text of the card, code) for each card of a codes sheet, all groups in turn."""
    document = Document(io.BytesIO(data))
    # Printed and cut here on A4 (python-docx starts from US Letter).
    page = document.sections[0]
    assert (round(page.page_width.cm, 1), round(page.page_height.cm, 1)) == (21.0, 29.7)
    cards = []
    for table in document.tables:
        for row in table.rows:
            text = row.cells[1].text
            code = re.search(r"Codice / Code: ([0-9A-Z]{5})-([0-9A-Z]{5})", text)
            assert code and row.cells[0]._tc.xpath(".//pic:pic")
            cards.append((text, code.group(1) + code.group(2)))
    return cards


async def test_staff_print_one_working_code_per_person_without_mail_and_reprinting_cancels(
    client,
) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example", "Produzione")
    await add_person(world.a, "A2", None, "Logistica")
    await add_person(world.a, "A3", None, "Magazzino")
    wave = await open_new_wave(world, roster_groups=["department"])
    await sign_in(client, world.staff)

    response = await post_form(client, f"/waves/{wave.id}/codes",
                               {"company_id": str(world.a)}, page=f"/waves/{wave.id}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    cards = _sheet_codes(response.content)
    assert sorted(text.splitlines()[0] for text, _code in cards) == ["Logistica", "Magazzino"]
    assert "/codice" in cards[0][0] and "Scan the QR" in cards[0][0]
    assert not any("Persona" in text for text, _code in cards)
    codes = [code for _text, code in cards]
    stored = await everything_stored()
    assert len(set(codes)) == 2 and not any(code in stored for code in codes)
    for code in codes:
        invitee = await answering.resolve_code(code[:5] + "-" + code[5:].lower())
        assert invitee is not None and not invitee.answered
        matches = await Invitation.count().where(Invitation.token_hash == token_hash(code))
        assert matches == 1
        scanned = await client.get(f"{LINK_PREFIX}{code}")  # where the QR code leads
        assert scanned.status_code == 200 and "Bisogni di conciliazione" in scanned.text

    again = await api_post(client, f"/api/v1/waves/{wave.id}/codes",
                           {"company_id": str(world.a)})
    assert again.status_code == 200
    new_codes = [code for _text, code in _sheet_codes(again.content)]
    assert len(new_codes) == 2
    assert [await answering.resolve_code(code) for code in codes] == [None, None]
    assert None not in [await answering.resolve_code(code) for code in new_codes]
    assert await distribution.send_reminders(wave.id, 1) == 1  # Anna, by mail
    assert None not in [await answering.resolve_code(code) for code in new_codes]


async def test_codes_need_the_code_channel_and_an_open_wave() -> None:
    world = await make_world()
    await add_person(world.a, "A1", None)
    staff = await as_caller(world.staff)
    draft = await new_wave(world)
    with pytest.raises(InvalidInput):
        await distribution.codes_sheet(staff, draft.id, world.a)
    mail_only = await open_new_wave(world, channels=["mail"])
    with pytest.raises(InvalidInput):
        await distribution.codes_sheet(staff, mail_only.id, world.a)


# Counts -------------------------------------------------------------------------------


def test_suppression_hides_small_groups_and_the_next_smallest() -> None:
    def hidden(*pairs: tuple[int, int]) -> list[str]:
        sizes = dict(enumerate(pairs))
        found = protect({**sizes, "total": (100, 100)}, [Sum("total", tuple(sizes))], 5)
        return [found.get(key, "") for key in sizes]

    assert hidden((20, 10), (9, 6), (7, 3)) == ["", "complement", "small"]
    assert hidden((20, 10), (4, 4), (7, 3)) == ["", "small", "small"]
    assert hidden((20, 10), (9, 6)) == ["", ""]
    assert hidden((20, 10)) == [""]


async def test_counts_while_open_move_in_steps_of_five_and_groups_show_only_invited(
        client) -> None:
    """Counts per group used to show answered one by one (hidden under 5 with their
    complement) and hid how many were invited; now invited is always shown and, while the
    wave runs, answered only for the company, rounded down to a step of 5."""
    world = await make_world()
    people = {"Produzione": (8, 6), "Logistica": (6, 5), "Amministrazione": (3, 2)}
    for department, (count, _answered) in people.items():
        for n in range(count):
            await add_person(world.a, f"{department[:3]}{n}", None, department, "Crema")
    wave = await open_new_wave(world, channels=["code"], reminder_days=[])
    for department, (_count, answered) in people.items():
        ids = [i["id"] for i in await invitations(wave.id)
               if i["group_values"]["department"] == department][:answered]
        await Invitation.update({Invitation.answered: True}).where(Invitation.id.is_in(ids))
    await sign_in(client, world.hr_a)

    response = await client.get(f"/api/v1/waves/{wave.id}/counts")

    assert response.status_code == 200
    [company] = response.json()["companies"]
    total = company["total"]
    assert (total["invited"], total["answered"], total["at_least"]) == (17, 10, True)
    department, site = company["dimensions"]
    assert department["key"] == "department"
    assert [(g["label"], g["invited"], g["answered"], g["hidden"])
            for g in department["groups"]] == [
        ("Amministrazione", 3, None, "open"), ("Logistica", 6, None, "open"),
        ("Produzione", 8, None, "open")]
    assert [(g["label"], g["invited"], g["answered"]) for g in site["groups"]] == [
        ("Crema", 17, None)]
    assert response.json()["total"] is None  # HR sees their company, not the wave's total
    page = await client.get(f"/waves/{wave.id}")
    assert page.status_code == 200
    assert "meno di 5" not in page.text and "Produzione" in page.text


# Tenancy ------------------------------------------------------------------------------

def _wave_routes() -> list[tuple[str, str]]:
    """Every route of one wave, pages and API, from the app itself: a new one is covered
    as soon as it exists."""
    from legami.application import create_app

    found = set()
    for route in create_app(run_jobs=False).routes:
        if not re.match(r"^(/api/v1)?/waves/\{wave_id:uuid\}", route.path):
            continue
        path = route.path.replace("{wave_id:uuid}", "{w}")
        for method in getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}:
            kind = ("get" if method == "GET" else
                    "post_api" if path.startswith("/api/") else "post_page")
            found.add((kind, path))
    return sorted(found)


CROSS_TENANT = _wave_routes()


@pytest.mark.parametrize(("method", "path"), CROSS_TENANT)
async def test_an_hr_manager_gets_404_on_another_companys_wave(client, method: str,
                                                              path: str) -> None:
    world = await make_world()
    await add_person(world.b, "B1", None)
    wave = await open_new_wave(world, company=world.b, user=world.hr_b, company_ids=[world.b])
    await sign_in(client, world.hr_a)
    url = path.format(w=wave.id)
    body = {"company_id": str(world.b)}
    if method == "get":
        response = await client.get(url)
    elif method == "post_page":
        response = await post_form(client, url, body, page="/waves")
    else:
        response = await api_post(client, url, body)
    assert response.status_code == 404
    assert "Latteria" not in response.text
    assert (await Wave.select(Wave.status).first())["status"] == "open"
    assert [i["token_hash"] for i in await invitations(wave.id)] == [None]
    listed = await client.get("/api/v1/waves")
    assert listed.json() == []


# State and company sign-in ------------------------------------------------------------


def test_wave_state_says_not_open_open_or_closed_with_the_dates() -> None:
    row = {"status": "open", "opens_on": date(2026, 3, 2), "closes_on": date(2026, 3, 20)}
    assert wave_clock.wave_state(row, date(2026, 3, 1)).state == "not_open"
    assert wave_clock.wave_state(row, date(2026, 3, 2)).state == "open"
    assert wave_clock.wave_state(row, date(2026, 3, 20)).state == "open"
    late = wave_clock.wave_state(row, date(2026, 3, 21))
    assert (late.state, late.opens_on, late.closes_on) == (
        "closed", date(2026, 3, 2), date(2026, 3, 20))
    assert wave_clock.wave_state({**row, "status": "draft"}, date(2026, 3, 5)).state == "not_open"
    assert wave_clock.wave_state({**row, "status": "closed"}, date(2026, 3, 5)).state == "closed"


async def test_a_wave_not_open_yet_or_closed_says_so_kindly(client) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example")
    employee = await make_user("anna@rossi.example", world.a, "employee")
    await with_company_signin(world.a)
    later = wave_clock.today() + timedelta(days=3)
    wave = await open_new_wave(world, opens_on=later, closes_on=later + timedelta(days=7),
                               channels=["sso"], reminder_days=[])
    assert wave.state == "not_open"
    await sign_in(client, employee)

    early = await client.get(f"/waves/{wave.id}/answer")
    assert early.status_code == 200 and "non è ancora aperto" in early.text

    await waves.close_wave(await as_caller(world.staff), wave.id)
    closed = await client.get(f"/waves/{wave.id}/answer")
    assert closed.status_code == 200 and "si è chiuso" in closed.text
    assert (await wave_clock.wave_state_of(wave.id)).state == "closed"


async def test_company_sign_in_opens_the_persons_own_invitation(client) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "anna@rossi.example", "Logistica")
    anna = await make_user("anna@rossi.example", world.a, "employee")
    newcomer = await make_user("nuovo@rossi.example", world.a, "employee")
    outsider = await make_user("carla@latteria.example", world.b, "employee")
    await with_company_signin(world.a)
    wave = await open_new_wave(world, channels=["mail", "sso"])
    await sign_in(client, anna)

    response = await client.get(f"/waves/{wave.id}/answer", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith(LINK_PREFIX)
    [invitation] = await invitations(wave.id)  # her roster invitation, no second one
    assert invitation["roster_entry.email"] == "anna@rossi.example"
    assert invitation["group_values"] == {"department": "Logistica", "site": "Crema"}

    first = await waves.sso_invitation_for(newcomer, wave.id)
    assert await waves.sso_invitation_for(newcomer, wave.id) == first
    made = (await invitations(wave.id))[-1]
    assert (made["id"], made["group_values"], made["channel"]) == (first, {}, "sso")
    await sign_in(client, outsider)
    assert (await client.get(f"/waves/{wave.id}/answer")).status_code == 404


# Closing ------------------------------------------------------------------------------


async def test_closing_asks_first_then_leads_the_hr_manager_to_the_final_results(
    client,
) -> None:
    world = await make_world()
    for number in range(6):
        await add_person(world.a, f"A{number}", f"a{number}@rossi.example")
    wave = await open_new_wave(world, company=world.a, user=world.hr_a)
    await sign_in(client, world.hr_a)

    detail = await client.get(f"/waves/{wave.id}")
    assert f'href="/waves/{wave.id}/close"' in detail.text  # a link to the question
    asked = await client.get(f"/waves/{wave.id}/close")
    assert asked.status_code == 200 and "non potrà essere riaperta" in asked.text
    unconfirmed = await post_form(client, f"/waves/{wave.id}/close", {}, page="/waves")
    assert unconfirmed.status_code == 200 and 'name="confirm" value="yes"' in unconfirmed.text
    assert (await Wave.select(Wave.status).first())["status"] == "open"

    closed = await post_form(client, f"/waves/{wave.id}/close", {"confirm": "yes"},
                             page="/waves")

    assert closed.status_code == 303
    assert closed.headers["location"] == f"/portal/{world.a}/results/{wave.id}?done=closed"
    assert (await Wave.select(Wave.status).first())["status"] == "closed"
    results = await client.get(closed.headers["location"])
    assert results.status_code == 200 and "questi dati sono definitivi" in results.text
    again = await client.get(f"/waves/{wave.id}/close")  # nothing left to close
    assert again.status_code == 422
    assert "solo un&#39;ondata aperta" in again.text.replace("'", "&#39;")


async def test_program_staff_land_on_the_program_results_after_closing(client) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "a1@rossi.example")
    wave = await open_new_wave(world)
    await sign_in(client, world.staff)

    closed = await post_form(client, f"/waves/{wave.id}/close", {"confirm": "yes"},
                             page="/waves")

    assert closed.headers["location"] == f"/results/{wave.id}?done=closed"


# Reminders ----------------------------------------------------------------------------


async def _done(actor: str, wave_id: UUID, moment: datetime, **extra: Any) -> None:
    """A mail job of the wave that ran at `moment`, as the worker leaves it."""
    await OutboxJob(actor=actor, payload={"wave_id": str(wave_id), **extra}, status="done",
                    done_at=moment).save()


async def test_the_schedule_says_when_reminders_go_and_never_how_many(client) -> None:
    world = await make_world()
    for number in range(8):
        await add_person(world.a, f"A{number}", f"a{number}@rossi.example")
    wave = await open_new_wave(world, company=world.a, user=world.hr_a, reminder_days=[3, 7])
    await _done(waves.MAIL_JOB, wave.id, now() - timedelta(days=4))
    await _done(waves.REMINDER_JOB, wave.id, now() - timedelta(days=1), round=1)
    await sign_in(client, world.hr_a)

    page = await client.get(f"/waves/{wave.id}")

    assert "Promemoria 1, inviato:" in page.text
    with use_language("it"):
        planned = day(waves.today() + timedelta(days=7))
    assert f"Promemoria 2, previsto: {planned}" in page.text
    reminders_part = page.text.split('id="reminders"')[1].split("</ul>")[0]
    assert not re.search(r"\b[0-8] (persone|person)", reminders_part)  # no recipients count


async def test_a_reminder_now_brings_the_next_one_forward_once_a_day(client) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "a1@rossi.example")
    wave = await open_new_wave(world, company=world.a, user=world.hr_a, reminder_days=[3, 7])
    await _done(waves.MAIL_JOB, wave.id, now() - timedelta(hours=2))
    await sign_in(client, world.hr_a)

    too_soon = await post_form(client, f"/waves/{wave.id}/remind", {}, page="/waves")
    assert too_soon.status_code == 422 and "meno di un giorno" in too_soon.text
    before = len(await job_ids(waves.REMINDER_JOB))  # the two planned ones, nothing more

    await OutboxJob.update({OutboxJob.done_at: now() - timedelta(days=2)}).where(
        OutboxJob.actor == waves.MAIL_JOB)
    sent = await post_form(client, f"/waves/{wave.id}/remind", {}, page="/waves")

    assert sent.status_code == 303 and sent.headers["location"].endswith("done=reminded")
    rows = await OutboxJob.select(OutboxJob.payload).where(
        OutboxJob.actor == waves.REMINDER_JOB).order_by(OutboxJob.id).output(load_json=True)
    assert len(rows) == before + 1 and rows[-1]["payload"]["round"] == 1  # the first, now


async def test_another_company_cannot_remind_or_preview_a_wave(client) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "a1@rossi.example")
    wave = await open_new_wave(world, company=world.a, user=world.hr_a)
    await sign_in(client, world.hr_b)

    assert (await post_form(client, f"/waves/{wave.id}/remind", {},
                            page="/waves")).status_code == 404
    assert (await client.get(f"/waves/{wave.id}/mails")).status_code == 404


async def test_the_mails_are_previewed_in_each_language_with_a_link_that_does_not_work(
    client,
) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "a1@rossi.example")
    wave = await open_new_wave(world, company=world.a, user=world.hr_a)
    await sign_in(client, world.hr_a)

    page = await client.get(f"/waves/{wave.id}/mails")

    assert page.status_code == 200
    assert page.text.count("ESEMPIO-non-funziona") == 4  # invitation and reminder, it and en
    assert "Bisogni di conciliazione" in page.text and "Work-life needs" in page.text


# Changing a draft ---------------------------------------------------------------------


async def test_a_draft_wave_is_changed_before_it_opens_and_not_after(client) -> None:
    world = await make_world()
    await add_person(world.a, "A1", "a1@rossi.example")
    wave = await new_wave(world, company=world.a, user=world.hr_a)
    await sign_in(client, world.hr_a)

    form = await client.get(f"/waves/{wave.id}/edit")
    assert form.status_code == 200 and 'value="Ondata di primavera"' in form.text
    later = waves.today() + timedelta(days=2)
    refused = await post_form(client, f"/waves/{wave.id}/edit", {
        "version_id": str(world.version), "title": "Ondata d'estate", "opens_on": "ieri",
        "closes_on": (later + timedelta(days=10)).isoformat(), "company_ids": str(world.a),
        "channels": "mail"}, page="/waves")
    assert refused.status_code == 422 and "Ondata d&#39;estate" in refused.text
    assert (await Wave.select(Wave.title).first())["title"] == "Ondata di primavera"

    saved = await post_form(client, f"/waves/{wave.id}/edit", {
        "version_id": str(world.version), "title": "Ondata d'estate",
        "opens_on": later.isoformat(), "closes_on": (later + timedelta(days=10)).isoformat(),
        "company_ids": str(world.a), "channels": "mail", "reminder_days": "2, 5"},
        page="/waves")

    assert saved.status_code == 303 and saved.headers["location"].endswith("done=changed")
    stored = await Wave.select(Wave.title, Wave.opens_on, Wave.reminder_days).first()
    assert (stored["title"], stored["opens_on"]) == ("Ondata d'estate", later)
    days = stored["reminder_days"]
    assert (json.loads(days) if isinstance(days, str) else days) == [2, 5]
    await waves.open_wave(await as_caller(world.hr_a), wave.id)
    after = await post_form(client, f"/waves/{wave.id}/edit", {
        "version_id": str(world.version), "title": "Troppo tardi",
        "opens_on": later.isoformat(), "closes_on": (later + timedelta(days=10)).isoformat(),
        "company_ids": str(world.a), "channels": "mail"}, page="/waves")
    assert after.status_code == 422
    assert (await Wave.select(Wave.title).first())["title"] == "Ondata d'estate"


async def test_another_company_cannot_see_or_change_a_draft_wave(client) -> None:
    world = await make_world()
    wave = await new_wave(world, company=world.a, user=world.hr_a)
    await sign_in(client, world.hr_b)

    assert (await client.get(f"/waves/{wave.id}/edit")).status_code == 404
    changed = await post_form(client, f"/waves/{wave.id}/edit", {
        "version_id": str(world.version), "title": "Presa", "opens_on": "2026-12-24",
        "closes_on": "2026-12-31", "company_ids": str(world.b), "channels": "mail"},
        page="/waves")
    assert changed.status_code == 404
    assert (await Wave.select(Wave.title).first())["title"] == "Ondata di primavera"
