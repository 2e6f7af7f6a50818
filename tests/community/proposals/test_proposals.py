"""Proposals: each company's and town's most shared needs, never from a suppressed figure,
turned into a lab or an initiative in two clicks that keeps the needs behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import msgspec
import pytest

from app.errors import InvalidInput
from community.proposals import service as proposals
from community.proposals.schemas import LabFromProposal, ProposalChoice
from community.tables import Initiative, Lab
from community.taxonomy import service as taxonomy
from community.taxonomy.needs import from_json, to_json
from surveys.definition import Definition, Option, Question, Section, encode
from surveys.tables import Survey, SurveyVersion
from tests.factories import api_post, make_org, make_user, post_form, sign_in
from tests.surveys.results.test_results import Program, answered, caller, make_company, make_wave

EN = {"accept-language": "en"}
HIDDEN_NEEDS = ("Home help for an elderly relative", "Day centre for an elderly relative")
HIDDEN_AREA = ("elder_care", "Care of elderly or dependent relatives")


def _options(*pairs: tuple[str, str]) -> list[Option]:
    return [Option(key, {"it": label, "en": label}) for key, label in pairs]


def _q(key: str, kind: str, area: str, options: list[Option], **extra: Any) -> Question:
    return Question(key=key, type=kind, text={"it": f"Domanda {key}", "en": f"Question {key}"},
                    area=area, options=options, **extra)


DEFINITION = Definition(
    title={"it": "Bisogni", "en": "Needs"},
    sections=[Section(key="main", title={"it": "Tutto", "en": "All"}, questions=[
        _q("has_children_u14", "single", "children",
           _options(("yes", "Yes"), ("no", "No")), reporting_attribute=True),
        _q("care", "multiple", "children", _options(
            ("nursery", "Nursery place"), ("summer_camp", "Summer camp"),
            ("nothing", "Nothing"))),
        _q("transport", "multiple", "commuting", _options(
            ("bus_pass", "Bus pass"), ("shared_ride", "Shared ride"), ("nothing", "Nothing"))),
        _q("elder", "multiple", "elder_care", _options(
            ("home_help", HIDDEN_NEEDS[0]), ("day_centre", HIDDEN_NEEDS[1]),
            ("nothing", "Nothing"))),
        _q("housing", "scale", "housing", _options(*((p, p) for p in "12345"))),
    ])],
)


async def make_program() -> Program:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("maker@farelegami.example", program, "community_maker")
    survey = Survey(owner=program, title="Bisogni")
    await survey.save()
    version = SurveyVersion(survey=survey.id, number=1, definition=encode(DEFINITION))
    await version.save()
    await taxonomy.ensure_defaults()
    return Program(program, staff, version.id)


@dataclass
class World:
    program: Program
    wave: UUID
    a: UUID  # Officine Rossi, Crema: 10 people, shown
    b: UUID  # Latteria Demo, Crema: 3 people, hidden, and left out of Crema
    c: UUID  # Salumificio Po, Cremona: 12 people, its elder-care question hidden (4)


async def world() -> World:
    """A wave whose only elder-care needs are in figures that cannot be shown."""
    program = await make_program()
    a = await make_company(program, "Officine Rossi", "Crema")
    b = await make_company(program, "Latteria Demo", "Crema")
    c = await make_company(program, "Salumificio Po", "Cremona")
    wave = await make_wave(program, [a, b, c])
    await answered(wave, a, 7, children="yes", care=["nursery"], transport=["bus_pass"])
    await answered(wave, a, 3, children="yes", care=["nursery", "summer_camp"],
                   transport=["nothing"])
    await answered(wave, b, 3, elder=["home_help"], care=["summer_camp"])
    await answered(wave, c, 4, elder=["day_centre"], housing=5, transport=["shared_ride"])
    await answered(wave, c, 8, housing=4, transport=["shared_ride"])
    return World(program, wave, a, b, c)


def _areas(group: Any) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(area.area, [(n.option, n.count) for n in area.needs]) for area in group.areas]


def _json(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def _stored(value: Any) -> list[Any]:
    return from_json(_json(value))


def _no_hidden_need(text: str) -> None:
    for hidden in (*HIDDEN_NEEDS, *HIDDEN_AREA, "home_help", "day_centre"):
        assert hidden not in text


# What is proposed -------------------------------------------------------------------


async def test_proposals_rank_shown_needs_by_people_and_never_use_a_suppressed_figure(
        client: Any) -> None:
    w = await world()
    found = await proposals.proposals(await caller(w.program.staff), w.wave)

    groups = {g.key: g for g in found.groups}
    assert list(groups) == ["town:Crema", "town:Cremona", f"company:{w.b}",
                            f"company:{w.a}", f"company:{w.c}"]
    officine = groups[f"company:{w.a}"]
    assert _areas(officine) == [("children", [("nursery", 10), ("summer_camp", 3)]),
                                ("commuting", [("bus_pass", 7)])]
    assert [a.people for a in officine.areas] == [10, 7]
    assert [t.key for t in officine.areas[0].types] == [
        "summer_camp", "after_school", "early_childhood"]
    assert groups[f"company:{w.b}"].areas == []  # 3 people: nothing can be shown
    # Crema is Officine Rossi alone: Latteria's 3 people are not added, so that no
    # subtraction of the two figures gives them away.
    assert _areas(groups["town:Crema"]) == _areas(officine)
    salumificio = groups[f"company:{w.c}"]
    assert _areas(salumificio) == [("housing", [("4-5", 12)]),
                                   ("commuting", [("shared_ride", 12)])]
    assert _areas(groups["town:Cremona"]) == _areas(salumificio)
    _no_hidden_need(msgspec.json.encode(found).decode())

    await sign_in(client, w.program.staff)
    page = await client.get(f"/proposals?wave_id={w.wave}", headers=EN)
    assert page.status_code == 200
    assert "Nursery place" in page.text and "Start a lab" in page.text
    assert "Start an initiative" in page.text and "Latteria Demo" in page.text
    assert ' style="' not in page.text and "<script" not in page.text
    _no_hidden_need(page.text)
    api = await client.get(f"/api/v1/proposals?wave_id={w.wave}", headers=EN)
    assert api.status_code == 200
    assert [g["key"] for g in api.json()["groups"]] == list(groups)
    _no_hidden_need(api.text)
    one = await client.get(f"/api/v1/proposals/companies/{w.c}?wave_id={w.wave}", headers=EN)
    assert one.status_code == 200 and one.json()["label"] == "Salumificio Po"
    _no_hidden_need(one.text)


async def test_a_company_hidden_because_it_moved_by_few_people_proposes_nothing() -> None:
    program = await make_program()
    a = await make_company(program, "Officine Rossi")
    first = await make_wave(program, [a], opens_on=date(2026, 1, 10))
    await answered(first, a, 10, care=["nursery"])
    second = await make_wave(program, [a], opens_on=date(2026, 6, 10))
    await answered(second, a, 12, elder=["home_help"], care=["nursery"])
    hr = await caller(program.hr[a])

    latest = await proposals.proposals(hr)  # the latest wave by default
    assert latest.wave is not None and latest.wave.id == second
    assert [g.areas for g in latest.groups] == [[]]  # 10 → 12: hidden across waves
    _no_hidden_need(msgspec.json.encode(latest).decode())
    earlier = await proposals.company_proposal(hr, a, first)
    assert _areas(earlier) == [("children", [("nursery", 10)])]


# Two clicks --------------------------------------------------------------------------


async def test_two_clicks_make_a_lab_that_keeps_the_shown_needs(client: Any) -> None:
    w = await world()
    maker = await caller(w.program.staff)
    shown = {g.key: g for g in (await proposals.proposals(maker, w.wave)).groups}
    await sign_in(client, w.program.staff)
    choice = {"wave_id": str(w.wave), "group_key": f"company:{w.a}", "area": "children"}

    draft = await post_form(client, "/proposals/lab?lang=en", choice, page="/proposals")
    assert draft.status_code == 200
    assert "Lab: Childcare — Officine Rossi" in draft.text
    assert "Nursery place: 10 people of 10" in draft.text  # the agenda, from the needs
    made = await post_form(client, "/proposals/lab/create", {
        **choice, "title": "Nidi e campi estivi", "agenda": "Nidi aziendali\nCentri estivi",
        "needs": '[{"label": "Day centre for an elderly relative"}]'}, page="/proposals")

    assert made.status_code == 303 and made.headers["location"].startswith("/labs/")
    lab = await Lab.objects().where(Lab.title == "Nidi e campi estivi").first()
    assert made.headers["location"] == f"/labs/{lab.id}"
    assert (lab.scope, lab.company, lab.facilitator) == ("workplace", w.a, w.program.staff)
    stored = _stored(lab.needs)
    assert stored == shown[f"company:{w.a}"].areas[0].needs
    assert [(n.group_key, n.option, n.count, n.n) for n in stored] == [
        (f"company:{w.a}", "nursery", 10, 10), (f"company:{w.a}", "summer_camp", 3, 10)]
    _no_hidden_need(str(lab.needs) + str(lab.agenda))
    again = await proposals.company_proposal(maker, w.a, w.wave)
    assert [lab_ref.title for lab_ref in again.areas[0].labs] == ["Nidi e campi estivi"]
    assert again.areas[1].labs == []

    town = await proposals.create_lab(maker, LabFromProposal(w.wave, "town:Crema", "children"))
    row = await Lab.objects().where(Lab.id == town.id).first()
    assert (row.scope, row.town, row.company) == ("town", "Crema", None)
    assert to_json(town.needs) == to_json(shown["town:Crema"].areas[0].needs)
    _no_hidden_need(str(row.needs))


async def test_two_clicks_make_an_initiative_for_the_hr_managers_company(client: Any) -> None:
    w = await world()
    await sign_in(client, w.program.hr[w.a])
    choice = {"wave_id": str(w.wave), "group_key": f"company:{w.a}", "area": "commuting"}

    draft = await post_form(client, "/proposals/initiative?lang=en", choice, page="/proposals")
    assert draft.status_code == 200
    assert 'value="shared_transport" selected' in draft.text and 'value="20"' in draft.text
    form = {**choice, "title": "Abbonamenti bus", "type_key": "shared_transport",
            "capacity": "30", "description": "Bus", "provider_name": "Officine Rossi",
            "provider_kind": "company"}
    made = await post_form(client, "/proposals/initiative/create", form, page="/proposals")

    assert made.status_code == 303
    row = await Initiative.objects().where(Initiative.title == "Abbonamenti bus").first()
    assert made.headers["location"] == f"/initiatives/{row.id}?done=draft"
    assert (row.company, row.type_key, _json(row.areas)) == (
        w.a, "shared_transport", ["commuting"])
    needs = _stored(row.needs)
    assert [(n.option, n.count, n.n, n.group_key) for n in needs] == [
        ("bus_pass", 7, 10, f"company:{w.a}")]
    again = await proposals.company_proposal(await caller(w.program.hr[w.a]), w.a, w.wave)
    assert again.areas[1].initiatives == []  # a draft answers nobody yet
    await _publish(client, row.id)
    again = await proposals.company_proposal(await caller(w.program.hr[w.a]), w.a, w.wave)
    assert [i.title for i in again.areas[1].initiatives] == ["Abbonamenti bus"]

    wrong = await post_form(client, "/proposals/initiative/create?lang=en",
                            {**form, "type_key": "summer_camp"}, page="/proposals")
    assert wrong.status_code == 422
    assert "Choose one of the types that serve this need area." in wrong.text


async def _publish(client: Any, initiative_id: UUID) -> None:
    """Add the dates and the place a draft lacks, then publish it from its page."""
    edit = await client.get(f"/initiatives/{initiative_id}/edit")
    assert edit.status_code == 200
    form = {"title": "Abbonamenti bus", "type_key": "shared_transport", "capacity": "30",
            "description": "Abbonamenti annuali a metà prezzo.", "provider_name": "Officine Rossi",
            "provider_kind": "company", "place": "Ufficio del personale",
            "starts_on": "2036-01-01", "ends_on": "2036-12-31"}
    saved = await post_form(client, f"/initiatives/{initiative_id}/edit", form,
                            page=f"/initiatives/{initiative_id}/edit")
    assert saved.status_code == 303
    published = await post_form(client, f"/initiatives/{initiative_id}/publish", {},
                                page=f"/initiatives/{initiative_id}")
    assert published.status_code == 303


async def test_an_initiative_from_a_proposal_waits_as_a_draft_for_a_person(
        client: Any) -> None:
    """Issue 18: it was published at once, as a smart-working pilot for a commuting need,
    without dates or place, with the survey figures as its description."""
    w = await world()
    employee = await make_user("worker@rossi.example", w.a, "employee")
    await sign_in(client, w.program.hr[w.a])
    choice = {"wave_id": str(w.wave), "group_key": f"company:{w.a}", "area": "commuting"}
    draft = await post_form(client, "/proposals/initiative?lang=en", choice, page="/proposals")
    types = re.findall(r'<option value="(\w+)"', draft.text.split('id="type_key"')[1])
    assert types[0] == "shared_transport"  # the kind made for commuting comes first
    description = draft.text.split('id="description"')[1].split("</textarea>")[0]
    assert "people of" not in description  # no survey figures as a description
    made = await post_form(client, "/proposals/initiative/create", {
        **choice, "title": "Navetta", "type_key": "shared_transport", "capacity": "20",
        "provider_name": "Officine Rossi", "provider_kind": "company"}, page="/proposals")
    assert made.status_code == 303
    row = await Initiative.objects().where(Initiative.title == "Navetta").first()
    assert row.status == "draft" and row.description == ""

    await sign_in(client, employee)
    assert "Navetta" not in (await client.get("/me/initiatives")).text
    assert (await client.get(f"/me/initiatives/{row.id}")).status_code == 404
    joined = await post_form(client, f"/me/initiatives/{row.id}/join", {}, page="/me")
    assert joined.status_code == 404

    await sign_in(client, w.program.hr[w.a])
    page = await client.get(f"/initiatives/{row.id}?lang=en")
    assert "Draft: employees do not see it yet" in page.text
    refused = await post_form(client, f"/initiatives/{row.id}/publish?lang=en", {},
                              page=f"/initiatives/{row.id}")
    assert refused.status_code == 422  # a page saying what is missing
    for message in ("the day it starts", "the day it ends", "where it takes place",
                    "a description"):
        assert message in refused.text, message
    await _publish(client, row.id)

    await sign_in(client, employee)
    assert f"/me/initiatives/{row.id}" in (await client.get("/me/initiatives")).text
    assert (await post_form(client, f"/me/initiatives/{row.id}/join", {},
                            page="/me")).status_code == 303


async def test_the_api_makes_a_lab_from_a_group_and_area_and_never_takes_needs(
        client: Any) -> None:
    w = await world()
    await sign_in(client, w.program.staff)
    body = {"wave_id": str(w.wave), "group_key": "town:Cremona", "area": "housing"}

    made = await api_post(client, "/api/v1/proposals/labs", body)
    assert made.status_code == 201
    assert [(n["option"], n["count"]) for n in made.json()["needs"]] == [("4-5", 12)]
    row = await Lab.objects().where(Lab.id == UUID(made.json()["id"])).first()
    assert row.town == "Cremona" and [n.count for n in _stored(row.needs)] == [12]

    sneaky = await api_post(client, "/api/v1/proposals/labs", {**body, "needs": []})
    assert sneaky.status_code == 422
    initiative = await api_post(client, "/api/v1/proposals/initiatives",
                                {**body, "area": "commuting"})
    assert initiative.status_code == 201
    stored = await Initiative.objects().where(
        Initiative.id == UUID(initiative.json()["id"])).first()
    assert _json(stored.towns) == ["Cremona"] and stored.company is None
    assert stored.provider_kind == "municipality"


# Bad input and who may see what ------------------------------------------------------


@pytest.mark.parametrize(("group_key", "area", "field"), [
    ("company:{a}", "elder_care", "area"),  # hidden: not a proposal
    ("company:{a}", "housing", "area"),  # nobody at Officine Rossi shares it
    ("company:{a}", "no_such_area", "area"),
    ("town:Atlantide", "children", "group_key"),
    ("company:not-a-company", "children", "group_key"),
    ("school:{a}", "children", "group_key"),
])
async def test_an_unknown_group_or_area_gets_a_clear_message(
        client: Any, group_key: str, area: str, field: str) -> None:
    w = await world()
    await sign_in(client, w.program.staff)
    body = {"wave_id": str(w.wave), "group_key": group_key.format(a=w.a), "area": area}

    for path in ("/proposals/lab", "/proposals/initiative/create"):
        page = await post_form(client, f"{path}?lang=en", {**body, "capacity": "5"},
                               page="/proposals")
        assert page.status_code == 422, path
        assert "choose a proposal from the list" in page.text
    api = await api_post(client, "/api/v1/proposals/labs", body)
    assert api.status_code == 422 and field in api.json()["errors"]
    assert await Lab.count() == 0 and await Initiative.count() == 0
    with pytest.raises(InvalidInput) as invalid:
        await proposals.lab_draft(await caller(w.program.staff),
                                  ProposalChoice(w.wave, body["group_key"], area))
    assert list(invalid.value.errors) == [field]


async def _other_hr(w: World) -> UUID:
    """The HR manager of a company of another town, in another wave."""
    other = await make_company(w.program, "Molino Sud", "Casalmaggiore")
    other_wave = await make_wave(w.program, [other], opens_on=date(2026, 4, 1))
    await answered(other_wave, other, 6, care=["nursery"])
    return w.program.hr[other]


ROUTES = [
    ("get", "/proposals?wave_id={wave}", {}),
    ("get", "/api/v1/proposals?wave_id={wave}", {}),
    ("get", "/api/v1/proposals/companies/{a}?wave_id={wave}", {}),
    ("get", "/api/v1/proposals/companies/{a}", {}),
    ("form", "/proposals/lab", {}),
    ("form", "/proposals/lab/create", {"title": "Lab", "agenda": "Uno"}),
    ("form", "/proposals/initiative", {}),
    ("form", "/proposals/initiative/create", {"title": "Bus", "capacity": "10",
                                              "type_key": "shared_transport",
                                              "provider_name": "Officine Rossi",
                                              "provider_kind": "company"}),
    ("json", "/api/v1/proposals/labs", {}),
    ("json", "/api/v1/proposals/initiatives", {}),
]


@pytest.mark.parametrize(("method", "path", "extra"), ROUTES)
async def test_another_companys_hr_manager_gets_404_and_the_owner_gets_through(
        client: Any, method: str, path: str, extra: dict[str, str]) -> None:
    w = await world()
    other = await _other_hr(w)
    url = path.format(wave=w.wave, a=w.a)
    body = {"wave_id": str(w.wave), "group_key": f"company:{w.a}", "area": "commuting",
            **extra}

    async def call() -> Any:
        if method == "get":
            return await client.get(url)
        if method == "form":
            return await post_form(client, url, body, page="/proposals")
        return await api_post(client, url, {k: v for k, v in body.items()
                                            if k in ("wave_id", "group_key", "area")})

    await sign_in(client, other)
    refused = await call()
    assert refused.status_code == 404, url
    assert "Officine Rossi" not in refused.text and "Bus pass" not in refused.text
    await sign_in(client, w.program.hr[w.a])
    allowed = await call()
    assert allowed.status_code in (200, 201, 303), (url, allowed.text[:500])


async def test_an_hr_manager_sees_only_their_company_and_no_town(client: Any) -> None:
    w = await world()
    hr = await caller(w.program.hr[w.a])
    found = await proposals.proposals(hr, w.wave)
    assert [g.key for g in found.groups] == [f"company:{w.a}"]
    await sign_in(client, w.program.hr[w.a])
    for group_key in ("town:Crema", f"company:{w.c}"):
        page = await post_form(client, "/proposals/lab",
                               {"wave_id": str(w.wave), "group_key": group_key,
                                "area": "commuting"}, page="/proposals")
        assert page.status_code == 404, group_key
    page = await client.get(f"/proposals?wave_id={w.wave}")
    assert "Salumificio Po" not in page.text and "Latteria Demo" not in page.text


async def test_an_employee_has_no_proposals(client: Any) -> None:
    w = await world()
    employee = await make_user("worker@example.org", w.a, "employee")
    await sign_in(client, employee)
    for path in ("/proposals", f"/api/v1/proposals?wave_id={w.wave}"):
            assert (await client.get(path)).status_code == 404
