"""Surveys: the ready needs assessment, the draft editor, versions, languages, tenancy."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from app.auth.caller import load_caller
from app.errors import InvalidInput
from app.i18n import use_language
from app.tables import AuditEvent
from surveys.bank import areas, bank_question, question_bank, ready_survey
from surveys.definition import (
    Condition,
    Option,
    Question,
    all_texts,
    encode,
    problems,
    questions,
)
from surveys.editor import content_rules
from surveys.editor import service as surveys_service
from surveys.editor.service import SurveyCreate
from surveys.tables import SurveyVersion
from tests.factories import api_post, csrf_token, make_org, make_user, sign_in

CONCILIATION_AREAS = {"children", "elder_care", "working_time", "commuting", "time_saving",
                      "finances", "housing", "health", "social_ties"}


@pytest.fixture
async def people() -> dict[str, Any]:
    program = await make_org(kind="program", name="FareLegami", town="Cremona")
    rossi = await make_org(name="Officine Rossi")
    bianchi = await make_org(name="Logistica Bianchi", town="Casalmaggiore")
    return {
        "program": program, "rossi": rossi, "bianchi": bianchi,
        "admin": await make_user("admin@farelegami.example", program, "program_admin"),
        "maker": await make_user("maker@farelegami.example", program, "community_maker"),
        "hr_rossi": await make_user("hr@rossi.example", rossi, "hr_manager"),
        "hr_bianchi": await make_user("hr@bianchi.example", bianchi, "hr_manager"),
        "worker": await make_user("operaio@rossi.example", rossi, "employee"),
    }


async def caller(user_id: UUID) -> Any:
    found = await load_caller(user_id)
    assert found is not None
    return found


async def new_survey(user_id: UUID, source: str = "ready") -> surveys_service.SurveyDetail:
    return await surveys_service.create_survey(await caller(user_id),
                                               SurveyCreate(source=source))  # type: ignore[arg-type]


async def send(client: Any, method: str, path: str, json: Any) -> Any:
    await client.get("/api/v1/me")
    token = client.cookies.get("legami_csrf") or ""
    return await client.request(method, path, json=json, headers={"x-csrftoken": token})


async def submit(client: Any, path: str, data: dict[str, Any], page: str) -> Any:
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


def a_question(key: str, text: str, **extra: Any) -> Question:
    return Question(key=key, type="single", text={"it": text},
                    options=[Option("yes", {"it": "Sì"}), Option("no", {"it": "No"})], **extra)


# --- The ready survey --------------------------------------------------------------------


def test_the_ready_survey_is_valid_complete_and_bilingual() -> None:
    survey = ready_survey()
    with use_language("it"):
        assert problems(survey, final=True) == {}
        assert content_rules.check(survey) == {}
    found = questions(survey)
    assert {q.type for q in found} == {"single", "multiple", "scale", "number", "text", "grid"}
    assert {q.area for q in found} >= CONCILIATION_AREAS
    assert {q.area for q in found} <= set(areas())
    assert any(q.required for q in found) and any(not q.required for q in found)
    assert len([q for q in found if q.show_if]) >= 2
    attributes = {q.key for q in found if q.reporting_attribute}
    assert {"has_children_u14", "cares_for_relative"} <= attributes
    assert next(q for q in found if q.key == "children_u14_count").maximum == 10
    assert [q.key for q in survey.sections[-1].questions][-2:] == ["join_lab", "join_initiative"]
    for _stable, path, texts in all_texts(survey):
        if texts:
            assert texts.get("it", "").strip() and texts.get("en", "").strip(), path


def test_the_question_bank_lists_the_ready_questions_by_area() -> None:
    bank = question_bank()
    assert {area.key for area in bank} >= CONCILIATION_AREAS
    assert sum(len(area.questions) for area in bank) == len(questions(ready_survey()))
    assert bank_question("join_lab") is not None and bank_question("nope") is None


@pytest.mark.parametrize("text", [
    "Sei iscritto a un sindacato?", "Per quale partito voti?", "Qual è la tua religione?",
    "Hai partecipato allo sciopero?", "Are you a member of a trade union?",
    "Which party did you vote for at the elections?", "Your political opinions",
])
def test_the_content_rules_spot_forbidden_subjects(text: str) -> None:
    assert content_rules.forbidden_words(text)


@pytest.mark.parametrize("text", [
    "Le politiche di conciliazione della tua azienda ti aiutano?", "Hai la partita IVA?",
    "Ti serve un posto in RSA per un familiare?", "Si prega di rispondere",
    "Would you come to a summer party with colleagues?",
])
def test_the_content_rules_leave_everyday_words_alone(text: str) -> None:
    assert content_rules.forbidden_words(text) == []


# --- Creating and listing ----------------------------------------------------------------


async def test_program_staff_create_the_ready_survey_from_the_page(client, people) -> None:
    await sign_in(client, people["maker"])
    response = await submit(client, "/surveys", {"source": "ready"}, "/surveys")
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Lavoro e vita: di cosa hai bisogno?" in page.text
    assert "Hai figli sotto i 14 anni?" in page.text
    assert await AuditEvent.exists().where(AuditEvent.action == "survey.created")


async def test_an_empty_survey_starts_with_one_question(people) -> None:
    survey = await new_survey(people["hr_rossi"], "empty")
    assert survey.owner_id == people["rossi"]
    assert len(questions(survey.latest.definition)) == 1


async def test_hr_sees_only_their_companys_surveys_and_staff_see_all(people) -> None:
    mine = await new_survey(people["hr_rossi"])
    await new_survey(people["hr_bianchi"])
    await new_survey(people["admin"])
    listed = await surveys_service.list_surveys(await caller(people["hr_rossi"]))
    assert [s.id for s in listed] == [mine.id]
    assert len(await surveys_service.list_surveys(await caller(people["maker"]))) == 3


# --- Editing -----------------------------------------------------------------------------


async def test_editing_a_frozen_version_makes_version_2_and_leaves_version_1(people) -> None:
    admin = await caller(people["admin"])
    survey = await new_survey(people["admin"])
    await surveys_service.freeze_version(survey.latest.id)
    before = await SurveyVersion.select().where(SurveyVersion.id == survey.latest.id).first()

    draft = await surveys_service.update_details(admin, survey.id, "Come stai al lavoro?", "")
    assert draft.number == 2 and draft.frozen_at is None
    after = await SurveyVersion.select().where(SurveyVersion.id == survey.latest.id).first()
    assert after == before
    assert (await surveys_service.get_version(admin, survey.id, 1)).definition.title["it"] == \
        "Lavoro e vita: di cosa hai bisogno?"
    again = await surveys_service.update_details(admin, survey.id, "Ancora", "")
    assert again.number == 2
    assert await AuditEvent.exists().where(AuditEvent.action == "survey.version_created")


async def test_freezing_refuses_an_empty_section_and_is_idempotent(people) -> None:
    admin = await caller(people["admin"])
    survey = await new_survey(people["admin"], "empty")
    await surveys_service.add_section(admin, survey.id, "Vuota")
    with pytest.raises(InvalidInput) as refused:
        await surveys_service.freeze_version(survey.latest.id)
    assert "sections[1].questions" in refused.value.errors
    await surveys_service.remove_section(admin, survey.id, "vuota")
    await surveys_service.freeze_version(survey.latest.id)
    await surveys_service.freeze_version(survey.latest.id)
    assert await AuditEvent.count().where(AuditEvent.action == "survey.version_frozen") == 1


async def test_a_condition_on_a_later_question_is_refused(people) -> None:
    hr = await caller(people["hr_rossi"])
    survey = await new_survey(people["hr_rossi"], "empty")
    definition = survey.latest.definition
    definition.sections[0].questions += [
        a_question("early", "Domanda prima", show_if=Condition("later", ["yes"])),
        a_question("later", "Domanda dopo")]
    with pytest.raises(InvalidInput) as refused, use_language("it"):
        await surveys_service.replace_definition(hr, survey.id, definition)
    assert "domanda precedente" in refused.value.errors["sections[0].questions[1].show_if"]
    unchanged = (await surveys_service.get_survey(hr, survey.id)).latest.definition
    assert [q.key for q in questions(unchanged)] == ["what_would_help"]


async def test_moving_a_question_above_the_one_it_depends_on_is_refused(people) -> None:
    admin = await caller(people["admin"])
    survey = await new_survey(people["admin"])
    with pytest.raises(InvalidInput) as refused:
        await surveys_service.move_question(admin, survey.id, "children_u14_count", -1)
    assert any("children_u14_count" in message for message in refused.value.errors.values())
    moved = await surveys_service.move_question(admin, survey.id, "household", 1)
    assert [q.key for q in moved.definition.sections[0].questions][:2] == [
        "has_children_u14", "household"]
    first_of_next = await surveys_service.move_question(admin, survey.id, "work_schedule", 1)
    assert first_of_next.definition.sections[1].questions[0].key == "work_schedule"


async def test_a_union_question_is_refused_with_an_italian_message(client, people) -> None:
    survey = await new_survey(people["hr_rossi"], "empty")
    await sign_in(client, people["hr_rossi"])
    response = await submit(client, f"/surveys/{survey.id}/sections/questions/new", {
        "type": "single", "text.it": "Sei iscritto a un sindacato?",
        "options[0].text.it": "Sì", "options[1].text.it": "No",
    }, f"/surveys/{survey.id}/sections/questions/new?type=single")
    assert response.status_code == 422
    assert "Statuto dei Lavoratori" in response.text and "sindacato" in response.text
    assert 'id="text.it-error"' in response.text
    detail = await surveys_service.get_survey(await caller(people["hr_rossi"]), survey.id)
    assert len(questions(detail.latest.definition)) == 1


async def test_a_question_is_added_edited_moved_and_deleted_from_the_pages(client, people) -> None:
    survey = await new_survey(people["hr_rossi"], "empty")
    await sign_in(client, people["hr_rossi"])
    base = f"/surveys/{survey.id}"
    form = await client.get(f"{base}/sections/questions/new?type=multiple")
    assert form.status_code == 200 and 'name="options[0].text.it"' in form.text
    scale = await client.get(f"{base}/sections/questions/new?type=scale&lang=en")
    assert "Labels of the points 1 to 5" in scale.text and 'value="Per niente"' in scale.text
    added = await submit(client, f"{base}/sections/questions/new", {
        "type": "multiple", "text.it": "Quali servizi useresti?", "required": "on",
        "options[0].text.it": "Doposcuola", "options[1].text.it": "Centro estivo",
        "show_if": "what_would_help:x"}, f"{base}/sections/questions/new?type=multiple")
    assert added.status_code == 422  # a text question cannot be a condition
    added = await submit(client, f"{base}/sections/questions/new", {
        "type": "multiple", "text.it": "Quali servizi useresti?", "required": "on",
        "options[0].text.it": "Doposcuola", "options[1].text.it": "Centro estivo"},
        f"{base}/sections/questions/new?type=multiple")
    assert added.status_code == 303
    assert added.headers["location"].endswith("#q-quali_servizi_useresti")
    key = "quali_servizi_useresti"
    edit = await client.get(f"{base}/questions/{key}")
    assert 'value="doposcuola"' in edit.text
    updated = await submit(client, f"{base}/questions/{key}", {
        "key": key, "text.it": "Quali servizi ti servono?", "options[0].key": "doposcuola",
        "options[0].text.it": "Doposcuola", "options[1].key": "centro_estivo",
        "options[1].text.it": "Centro estivo", "options[2].text.it": "Nido"},
        f"{base}/questions/{key}")
    assert updated.status_code == 303
    moved = await submit(client, f"{base}/questions/{key}/move", {"direction": "up"}, base)
    assert moved.status_code == 303
    confirm = await submit(client, f"{base}/questions/{key}/delete", {}, base)
    assert confirm.status_code == 200 and "Quali servizi ti servono?" in confirm.text
    hr = await caller(people["hr_rossi"])
    definition = (await surveys_service.get_survey(hr, survey.id)).latest.definition
    assert [q.key for q in questions(definition)] == [key, "what_would_help"]
    assert [o.key for o in definition.sections[0].questions[0].options] == [
        "doposcuola", "centro_estivo", "nido"]
    deleted = await submit(client, f"{base}/questions/{key}/delete", {"confirm": "yes"}, base)
    assert deleted.status_code == 303
    definition = (await surveys_service.get_survey(hr, survey.id)).latest.definition
    assert [q.key for q in questions(definition)] == ["what_would_help"]


async def test_a_bank_question_is_added_and_keeps_its_condition_only_when_it_can(people) -> None:
    hr = await caller(people["hr_rossi"])
    survey = await new_survey(people["hr_rossi"], "empty")
    draft = await surveys_service.add_bank_question(hr, survey.id, "questions", "childcare_needs")
    assert questions(draft.definition)[-1].show_if is None
    await surveys_service.add_bank_question(hr, survey.id, "questions", "has_children_u14")
    await surveys_service.remove_question(hr, survey.id, "childcare_needs")
    draft = await surveys_service.add_bank_question(hr, survey.id, "questions", "childcare_needs")
    assert questions(draft.definition)[-1].show_if == Condition("has_children_u14", ["yes"])
    with pytest.raises(InvalidInput):
        await surveys_service.add_bank_question(hr, survey.id, "questions", "childcare_needs")


# --- Languages ---------------------------------------------------------------------------


async def test_a_missing_english_text_falls_back_to_italian(client, people) -> None:
    hr = await caller(people["hr_rossi"])
    survey = await new_survey(people["hr_rossi"], "empty")
    draft = await surveys_service.add_question(hr, survey.id, "questions",
                                               a_question("bus", "Prendi l'autobus?"))
    question = questions(draft.definition)[-1]
    assert surveys_service.render_question_text(question, "en") == "Prendi l'autobus?"
    rendered = surveys_service.render_question(question, "en")
    assert (str(rendered.text), rendered.text.lang) == ("Prendi l'autobus?", "it")
    assert [str(o.label) for o in rendered.options] == ["Sì", "No"]
    await sign_in(client, people["hr_rossi"])
    page = await client.get(f"/surveys/{survey.id}/versions/1?language=en")
    assert '<strong lang="it" dir="ltr">Prendi l&#39;autobus?</strong>' in page.text
    assert "What would help you balance work and private life better?" in page.text


async def test_an_admin_adds_romanian_which_falls_back_then_is_translated(client, people) -> None:
    survey = await new_survey(people["admin"])
    await sign_in(client, people["admin"])
    response = await send(client, "POST", f"/api/v1/surveys/{survey.id}/languages",
                          {"language": "ro"})
    assert response.status_code == 200
    assert response.json()["definition"]["languages"] == ["it", "en", "ro"]
    definition = (await surveys_service.get_survey(await caller(people["admin"]),
                                                   survey.id)).latest.definition
    rendered = surveys_service.render_survey(definition, "ro")
    assert str(rendered.sections[0].questions[1].text) == "Hai figli sotto i 14 anni?"
    form = await client.get(f"/surveys/{survey.id}/translations/ro")
    assert form.status_code == 200 and 'lang="it">Hai figli sotto i 14 anni?' in form.text
    saved = await submit(client, f"/surveys/{survey.id}/translations/ro", {
        "questions.has_children_u14.text": "Aveți copii sub 14 ani?",
        "questions.has_children_u14.options.yes": "Da"}, f"/surveys/{survey.id}/translations/ro")
    assert saved.status_code == 303
    preview = await client.get(f"/surveys/{survey.id}/versions/1?language=ro")
    assert "Aveți copii sub 14 ani?" in preview.text and "Con chi vivi?" in preview.text


async def test_only_a_program_admin_adds_a_language(client, people) -> None:
    survey = await new_survey(people["hr_rossi"])
    await sign_in(client, people["hr_rossi"])
    response = await send(client, "POST", f"/api/v1/surveys/{survey.id}/languages",
                          {"language": "pa"})
    assert response.status_code == 403
    definition = survey.latest.definition
    definition.languages.append("pa")
    response = await send(client, "PUT", f"/api/v1/surveys/{survey.id}/draft", encode(definition))
    assert response.status_code == 422 and "languages" in response.json()["errors"]


async def test_a_translation_with_a_forbidden_word_is_refused(client, people) -> None:
    survey = await new_survey(people["admin"])
    await sign_in(client, people["admin"])
    page = f"/surveys/{survey.id}/translations/en"
    response = await submit(client, page, {"questions.household.text": "Who do you vote for?"},
                            page)
    assert response.status_code == 422
    assert 'id="questions.household.text-error"' in response.text


# --- The API -----------------------------------------------------------------------------


async def test_the_api_creates_reads_and_replaces_the_draft(client, people) -> None:
    await sign_in(client, people["hr_rossi"])
    created = await api_post(client, "/api/v1/surveys", {"source": "ready"})
    assert created.status_code == 201
    survey = created.json()
    definition = survey["latest"]["definition"]
    definition["sections"][0]["questions"][0]["text"]["it"] = "Con chi abiti?"
    response = await send(client, "PUT", f"/api/v1/surveys/{survey['id']}/draft", definition)
    assert response.status_code == 200, response.text
    version = (await client.get(f"/api/v1/surveys/{survey['id']}/versions/1")).json()
    assert version["definition"]["sections"][0]["questions"][0]["text"]["it"] == "Con chi abiti?"
    bank = (await client.get("/api/v1/surveys/bank")).json()
    assert {area["key"] for area in bank} >= CONCILIATION_AREAS
    assert [s["id"] for s in (await client.get("/api/v1/surveys")).json()] == [survey["id"]]


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda d: d["sections"][0]["questions"][0].pop("key"), "sections[0].questions[0].key",
     "Obbligatorio"),
    (lambda d: d["sections"][0]["questions"][0].update(type="slider"),
     "sections[0].questions[0].type", "non ammesso"),
    (lambda d: d["sections"][0]["questions"][2].update(minimum="uno"),
     "sections[0].questions[2].minimum", "numero intero"),
    (lambda d: d["sections"][0]["questions"][1]["options"].clear(),
     "sections[0].questions[1].options", "almeno due"),
    (lambda d: d["sections"][0]["questions"][1]["text"].pop("it"),
     "sections[0].questions[1].text.it", "italiano"),
    (lambda d: d["sections"][1]["questions"][0].update(key="household"),
     "sections[1].questions[0].key", "già usata"),
    (lambda d: d["sections"][0]["questions"][2].update(minimum=20),
     "sections[0].questions[2].maximum", "più piccolo"),
    (lambda d: d["sections"][2]["questions"][0]["show_if"].update(any_of=["forse"]),
     "sections[2].questions[0].show_if", "forse"),
    (lambda d: d.update(sections=[]), "sections", "almeno una domanda"),
])
async def test_a_bad_definition_is_refused_field_by_field_in_italian(
        client, people, change, field, words) -> None:
    survey = await new_survey(people["admin"])
    await sign_in(client, people["admin"])
    definition = encode(survey.latest.definition)
    change(definition)
    response = await send(client, "PUT", f"/api/v1/surveys/{survey.id}/draft", definition)
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Controlla i dati inseriti"
    assert words in body["errors"][field], body["errors"]
    assert (await surveys_service.get_survey(await caller(people["admin"]), survey.id)
            ).latest.definition == ready_survey()
    assert await SurveyVersion.count() == 1


async def test_malformed_json_is_refused_and_changes_nothing(client, people) -> None:
    survey = await new_survey(people["admin"])
    await sign_in(client, people["admin"])
    await client.get("/api/v1/me")
    response = await client.put(f"/api/v1/surveys/{survey.id}/draft", content=b"{not json",
                                headers={"x-csrftoken": client.cookies.get("legami_csrf") or "",
                                         "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["title"] == "Controlla i dati inseriti"
    assert (await surveys_service.get_survey(await caller(people["admin"]), survey.id)
            ).latest.definition == ready_survey()


# --- Who may do what ---------------------------------------------------------------------

PAGE_GETS = ["/surveys/{id}", "/surveys/{id}/sections/about_you",
             "/surveys/{id}/sections/about_you/new?type=single",
             "/surveys/{id}/questions/household", "/surveys/{id}/translations/en",
             "/surveys/{id}/versions/1"]
PAGE_POSTS = ["/surveys/{id}/details", "/surveys/{id}/sections",
              "/surveys/{id}/sections/about_you", "/surveys/{id}/sections/about_you/move",
              "/surveys/{id}/sections/about_you/delete", "/surveys/{id}/sections/about_you/new",
              "/surveys/{id}/bank", "/surveys/{id}/questions/household",
              "/surveys/{id}/questions/household/move", "/surveys/{id}/questions/household/delete",
              "/surveys/{id}/translations/en"]
API_CALLS = [("GET", "/api/v1/surveys/{id}", None),
             ("GET", "/api/v1/surveys/{id}/versions/1", None),
             ("PUT", "/api/v1/surveys/{id}/draft", "definition")]


async def _other_companys_survey(people: dict[str, Any]) -> surveys_service.SurveyDetail:
    return await new_survey(people["hr_bianchi"])


@pytest.mark.parametrize("path", PAGE_GETS)
async def test_hr_of_another_company_gets_404_on_pages(client, people, path) -> None:
    survey = await _other_companys_survey(people)
    await sign_in(client, people["hr_rossi"])
    assert (await client.get(path.format(id=survey.id))).status_code == 404


@pytest.mark.parametrize("path", PAGE_POSTS)
async def test_hr_of_another_company_gets_404_on_page_actions(client, people, path) -> None:
    survey = await _other_companys_survey(people)
    await sign_in(client, people["hr_rossi"])
    response = await submit(client, path.format(id=survey.id), {
        "type": "single", "text.it": "Ciao", "title.it": "Ciao", "new_section": "Ciao",
        "confirm": "yes", "direction": "down", "section": "about_you", "question": "join_lab",
        "options[0].text.it": "a", "options[1].text.it": "b"}, "/surveys")
    assert response.status_code == 404
    assert await SurveyVersion.count() == 1
    unchanged = await surveys_service.get_survey(await caller(people["hr_bianchi"]), survey.id)
    assert unchanged.latest.definition == ready_survey()


@pytest.mark.parametrize(("method", "path", "body"), API_CALLS)
async def test_hr_of_another_company_gets_404_on_the_api(client, people, method, path,
                                                         body) -> None:
    survey = await _other_companys_survey(people)
    await sign_in(client, people["hr_rossi"])
    json = encode(survey.latest.definition) if body else None
    response = await send(client, method, path.format(id=survey.id), json)
    assert response.status_code == 404


async def test_hr_cannot_see_the_programs_surveys(client, people) -> None:
    survey = await new_survey(people["admin"])
    await sign_in(client, people["hr_rossi"])
    assert (await client.get(f"/surveys/{survey.id}")).status_code == 404
    assert (await client.get("/api/v1/surveys")).json() == []


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/surveys"), ("GET", "/surveys/{id}"), ("POST", "/surveys/{id}/details"),
    ("GET", "/api/v1/surveys"), ("GET", "/api/v1/surveys/{id}"),
    ("PUT", "/api/v1/surveys/{id}/draft"), ("POST", "/api/v1/surveys"),
])
async def test_an_employee_cannot_see_or_edit_surveys(client, people, method, path) -> None:
    survey = await new_survey(people["hr_rossi"])
    await sign_in(client, people["worker"])
    url = path.format(id=survey.id)
    if method == "POST" and not url.startswith("/api"):
        response = await submit(client, url, {"title.it": "Preso"}, "/")
    else:
        json = encode(survey.latest.definition) if method == "PUT" else {"source": "empty"}
        response = await send(client, method, url, json if method != "GET" else None)
    assert response.status_code in (403, 404)
    assert await SurveyVersion.count() == 1
