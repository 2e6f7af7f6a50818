"""A lab's follow-up pulse: a short wave on the lab's need areas, and the needs before and
after once it closes, hidden like every other figure."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from docx import Document

from app.errors import InvalidInput
from app.values import json_value
from community.labs import service as labs
from community.labs.schemas import AgendaItem, LabCreate, PulseStart
from community.tables import Lab
from community.taxonomy.needs import NeedRef
from company_portal.tables import RosterEntry
from surveys.definition import decode, questions
from surveys.tables import (
    Answer,
    Invitation,
    Response,
    Survey,
    SurveyVersion,
    Wave,
    WaveCompany,
)
from tests.community.labs.test_labs import World, caller, make_world
from tests.factories import post_form, sign_in
from tests.surveys.waves.test_waves import with_company_signin

TODAY = date.today()


def _need(group_key: str, question: str, option: str, area: str, share: float) -> NeedRef:
    return NeedRef(wave_id=uuid4(), group_key=group_key, group_label="Gruppo", area=area,
                   area_label=area, question=question, option=option,
                   label=f"Need {question} {option}", count=int(share * 20), n=20,
                   share=share)


async def _roster(company: UUID, people: int) -> None:
    await RosterEntry.insert(*[
        RosterEntry(company=company, employee_ref=f"M{i}", roster_key=f"{company}:M{i}",
                    name=f"Persona {i}") for i in range(people)])


async def _workplace_lab(world: World) -> UUID:
    key = f"company:{world.rossi}"
    return await labs.create_lab(await caller(world.admin), LabCreate(
        title="Lab Officine Rossi", scope="workplace", company_id=world.rossi,
        needs=[_need(key, "childcare_needs", "nursery", "children", 0.6),
               _need(key, "household_costs_worry", "4-5", "finances", 0.5)]))


def _pulse(channels: list[str] | None = None) -> PulseStart:
    return PulseStart(opens_on=TODAY, closes_on=TODAY + timedelta(days=7),
                      channels=channels or ["code"])


async def _answers(wave: UUID, company: UUID, people: int, **values: Any) -> None:
    """`people` responses with the same answers: a list for a multiple choice, a number
    for a scale."""
    responses = [Response(id=uuid4(), wave=wave, company=company, submitted_on=TODAY,
                          group_values={}) for _ in range(people)]
    await Response.insert(*responses)
    rows = [Answer(response=r.id, question=key, number=value) if isinstance(value, int)
            else Answer(response=r.id, question=key, option_key=option)
            for r in responses for key, value in values.items()
            for option in (value if isinstance(value, list) else [value])]
    await Answer.insert(*rows)
    await Invitation.update({Invitation.answered: True}).where(
        Invitation.id.is_in(Invitation.select(Invitation.id).where(
            (Invitation.wave == wave) & (Invitation.company == company)
            & Invitation.answered.eq(False)).limit(people)))


async def test_the_pulse_asks_only_the_questions_of_the_labs_need_areas() -> None:
    world = await make_world()
    await _roster(world.rossi, 12)
    lab_id = await _workplace_lab(world)

    wave_id = await labs.start_pulse(await caller(world.maker), lab_id, _pulse())

    lab = await Lab.objects().where(Lab.id == lab_id).first()
    assert lab.pulse_wave_id == wave_id
    wave = await Wave.objects().where(Wave.id == wave_id).first()
    assert wave.status == "open" and wave.owner == world.program
    companies = await WaveCompany.select(WaveCompany.company).where(WaveCompany.wave == wave_id)
    assert [row["company"] for row in companies] == [world.rossi]
    assert await Invitation.count().where(Invitation.wave == wave_id) == 12
    version = await SurveyVersion.objects().where(SurveyVersion.id == wave.version).first()
    definition = decode(json_value(version.definition))
    asked = questions(definition)
    assert {q.area for q in asked} == {"children", "finances"}
    assert {"childcare_needs", "household_costs_worry", "has_children_u14"} <= {
        q.key for q in asked}
    keys = {q.key for q in asked}
    assert all(q.show_if is None or q.show_if.question in keys for q in asked)
    assert version.frozen_at is not None
    assert "Lab Officine Rossi" in definition.title["it"]


async def test_a_town_lab_pulse_asks_the_companies_of_its_town() -> None:
    world = await make_world()
    await _roster(world.rossi, 6)
    await _roster(world.bianchi, 6)
    await _roster(world.casearia, 6)
    lab_id = await labs.create_lab(await caller(world.maker), LabCreate(
        title="Lab Crema", scope="town", town="Crema",
        agenda=[AgendaItem("Auto condivisa", "commuting")]))
    wave_id = await labs.start_pulse(await caller(world.maker), lab_id, _pulse())
    companies = await WaveCompany.select(WaveCompany.company).where(WaveCompany.wave == wave_id)
    assert {row["company"] for row in companies} == {world.rossi, world.bianchi}
    wave = await Wave.objects().where(Wave.id == wave_id).first()
    version = await SurveyVersion.objects().where(SurveyVersion.id == wave.version).first()
    assert {q.area for q in questions(decode(json_value(version.definition)))} == {
        "commuting"}


async def test_the_lab_page_shows_before_and_after_once_the_pulse_closes(client) -> None:
    world = await make_world()
    await _roster(world.rossi, 12)
    lab_id = await _workplace_lab(world)
    await sign_in(client, world.hr_rossi)
    started = await post_form(client, f"/labs/{lab_id}/pulse", {
        "opens_on": TODAY.isoformat(), "closes_on": (TODAY + timedelta(days=7)).isoformat(),
        "channels": "code"}, page="/")
    assert started.status_code == 303
    wave_id = (await Lab.objects().where(Lab.id == lab_id).first()).pulse_wave_id
    assert (await Wave.objects().where(Wave.id == wave_id).first()).owner == world.rossi
    await _answers(wave_id, world.rossi, 3, has_children_u14="yes",
                   childcare_needs=["nursery", "after_school"], household_costs_worry=5)
    await _answers(wave_id, world.rossi, 7, has_children_u14="yes",
                   childcare_needs=["after_school"], household_costs_worry=2)

    open_page = await client.get(f"/labs/{lab_id}?lang=en")
    assert open_page.text.count("Not shown yet: the pulse wave has not closed.") == 2
    # Issue 18: the lab shows its pulse wave's status and where its results are read.
    assert "Open: answers are being collected" in open_page.text
    results = f"/portal/{world.rossi}/results/{wave_id}"
    assert f'href="{results}"' in open_page.text
    assert (await client.get(results)).status_code == 200

    await Wave.update({Wave.status: "closed"}).where(Wave.id == wave_id)
    lab = await labs.get_lab(await caller(world.hr_rossi), lab_id)
    assert lab.pulse is not None and lab.pulse.state == "closed"
    assert [(c.need.share, c.after_share, c.after_n) for c in lab.pulse.changes] == [
        (0.6, pytest.approx(0.3), 10), (0.5, pytest.approx(0.3), 10)]
    page = await client.get(f"/labs/{lab_id}?lang=en")
    assert "60%" in page.text and "30%" in page.text and "10 answered" in page.text
    assert "Closed: the results are out" in page.text
    report = await client.get(f"/labs/{lab_id}/report.docx?lang=en")
    document = Document(io.BytesIO(report.content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "Follow-up pulse" in [p.text for p in document.paragraphs]
    assert cells.count("30%") == 2


async def test_a_hidden_pulse_figure_is_not_shown(client) -> None:
    world = await make_world()
    await _roster(world.rossi, 8)
    lab_id = await _workplace_lab(world)
    wave_id = await labs.start_pulse(await caller(world.admin), lab_id, _pulse())
    await _answers(wave_id, world.rossi, 4, has_children_u14="yes",
                   childcare_needs=["nursery"], household_costs_worry=5)
    await Wave.update({Wave.status: "closed"}).where(Wave.id == wave_id)
    lab = await labs.get_lab(await caller(world.admin), lab_id)
    assert lab.pulse is not None
    assert [c.after_share for c in lab.pulse.changes] == [None, None]
    assert all(c.note for c in lab.pulse.changes)
    await sign_in(client, world.admin)
    page = await client.get(f"/labs/{lab_id}?lang=en")
    assert "Not shown yet: fewer than 5 responses." in page.text
    assert "40%" not in page.text and "100%" not in page.text


async def test_a_town_need_is_compared_with_the_towns_pulse_figure(client) -> None:
    world = await make_world()
    await _roster(world.rossi, 6)
    await _roster(world.bianchi, 6)
    lab_id = await labs.create_lab(await caller(world.maker), LabCreate(
        title="Lab Crema", scope="town", town="Crema",
        needs=[_need("town:Crema", "childcare_needs", "nursery", "children", 0.4)]))
    wave_id = await labs.start_pulse(await caller(world.maker), lab_id, _pulse())
    for company in (world.rossi, world.bianchi):
        await _answers(wave_id, company, 3, has_children_u14="yes", childcare_needs=["nursery"])
        await _answers(wave_id, company, 3, has_children_u14="yes",
                       childcare_needs=["after_school"])
    await Wave.update({Wave.status: "closed"}).where(Wave.id == wave_id)
    staff = await labs.get_lab(await caller(world.maker), lab_id)
    assert staff.pulse is not None
    assert [(c.after_share, c.after_n) for c in staff.pulse.changes] == [(0.5, 12)]
    hr = await labs.get_lab(await caller(world.hr_rossi), lab_id)
    assert hr.pulse is not None and not hr.can_start_pulse
    # A town of two companies is not shown to either one's HR (issue 11, the (n, k) rule):
    # Rossi's HR could subtract their own figure and read Bianchi's.
    assert [(c.after_share, c.after_n) for c in hr.pulse.changes] == [(None, None)]
    await sign_in(client, world.hr_rossi)
    assert (await client.get(f"/labs/{lab_id}/pulse")).status_code == 403


async def test_starting_a_pulse_is_all_or_nothing_and_one_at_a_time() -> None:
    world = await make_world()
    lab_id = await _workplace_lab(world)
    maker = await caller(world.maker)
    with pytest.raises(InvalidInput) as nobody:  # an empty roster and no company sign-in
        await labs.start_pulse(maker, lab_id, _pulse(["mail"]))
    assert "status" in nobody.value.errors
    assert await Survey.count() == 0 and await Wave.count() == 0
    assert (await Lab.objects().where(Lab.id == lab_id).first()).pulse_wave_id is None
    with pytest.raises(InvalidInput) as dates:
        await labs.start_pulse(maker, lab_id, PulseStart(
            opens_on=TODAY, closes_on=TODAY - timedelta(days=1), channels=["sso"]))
    assert "closes_on" in dates.value.errors and await Survey.count() == 0
    await with_company_signin(world.rossi)
    await labs.start_pulse(maker, lab_id, _pulse(["sso"]))
    with pytest.raises(InvalidInput) as again:
        await labs.start_pulse(maker, lab_id, _pulse(["sso"]))
    assert "pulse" in again.value.errors and await Wave.count() == 1


async def test_a_lab_without_need_areas_cannot_start_a_pulse(client) -> None:
    world = await make_world()
    lab_id = await labs.create_lab(await caller(world.maker), LabCreate(
        title="Lab senza aree", scope="town", town="Crema"))
    await sign_in(client, world.maker)
    page = await client.get(f"/labs/{lab_id}/pulse?lang=en")
    assert "The lab has no need area to ask about" in page.text
    refused = await post_form(client, f"/labs/{lab_id}/pulse", {
        "opens_on": TODAY.isoformat(), "closes_on": (TODAY + timedelta(days=7)).isoformat(),
        "channels": "sso"}, page="/")
    assert refused.status_code == 422 and await Wave.count() == 0
