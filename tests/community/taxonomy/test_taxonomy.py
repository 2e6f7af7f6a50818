"""The needs taxonomy: need areas → initiative types → welfare categories, kept as data
that program staff edit (pages and API); nobody else can change it."""

from __future__ import annotations

import pytest

from app.auth.caller import load_caller
from app.tables import AuditEvent
from community.initiatives.schemas import InitiativeCreate
from community.initiatives.service import create_initiative
from community.tables import InitiativeType, WelfareCategory
from community.taxonomy import service as taxonomy
from tests.factories import api_post, make_org, make_user, post_form, sign_in


async def test_defaults_link_areas_to_types_and_are_added_once() -> None:
    await taxonomy.ensure_defaults()
    await taxonomy.ensure_defaults()
    assert await InitiativeType.count() == len(taxonomy.DEFAULT_TYPES)
    assert await WelfareCategory.count() == len(taxonomy.DEFAULT_CATEGORIES)
    found = await taxonomy.types_for_areas(["children", "elder_care", "commuting"], "en")
    assert {t.key for t in found["children"]} >= {"summer_camp", "after_school"}
    assert "eldercare_desk" in {t.key for t in found["elder_care"]}
    assert "shared_transport" in {t.key for t in found["commuting"]}
    camp = next(t for t in found["children"] if t.key == "summer_camp")
    assert camp.label == "Summer camp" and camp.welfare_plan
    gas = (await taxonomy.types_by_key("it"))["solidarity_purchasing"]
    assert gas.label == "Gruppo di acquisto solidale (GAS)" and not gas.welfare_plan
    assert taxonomy.area_labels("en")["children"] == "Childcare"


async def test_defaults_never_overwrite_what_staff_edited() -> None:
    await taxonomy.ensure_defaults()
    await WelfareCategory.update({WelfareCategory.welfare_plan: False}).where(
        WelfareCategory.key == "education_childcare")
    await taxonomy.ensure_defaults()
    camp = (await taxonomy.types_by_key("en"))["summer_camp"]
    assert not camp.welfare_plan  # the category changed, so the type follows


async def test_program_staff_edit_types_and_categories_on_pages(client) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("maker@farelegami.example", program, "community_maker")
    await taxonomy.ensure_defaults()
    await sign_in(client, staff)
    page = await client.get("/community/taxonomy?lang=en")
    assert page.status_code == 200 and "Summer camp" in page.text

    response = await post_form(client, "/community/taxonomy/types", {
        "key": "grandparents_network", "label_it": "Rete dei nonni",
        "label_en": "Grandparents' network", "areas": ["children", "social_ties"],
        "welfare_category": "", "position": "5"}, page="/community/taxonomy/types/new")
    assert response.status_code == 303
    found = await taxonomy.types_for_areas(["social_ties"], "en")
    assert "grandparents_network" in {t.key for t in found["social_ties"]}

    response = await post_form(client, "/community/taxonomy/categories/fringe_benefits/edit", {
        "label_it": "Fringe benefit", "label_en": "Fringe benefits", "welfare_plan": "",
        "reference": "TUIR art. 51 c. 3 (2026)", "position": "40"},
        page="/community/taxonomy/categories/fringe_benefits/edit")
    assert response.status_code == 303
    category = (await taxonomy.categories_by_key("en"))["fringe_benefits"]
    assert not category.welfare_plan and category.reference == "TUIR art. 51 c. 3 (2026)"
    assert not (await taxonomy.types_by_key("en"))["time_saving"].welfare_plan
    assert await AuditEvent.count().where(AuditEvent.action == "taxonomy.category_updated") == 1


async def test_bad_type_input_is_explained(client) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    await taxonomy.ensure_defaults()
    await sign_in(client, staff)
    response = await post_form(client, "/community/taxonomy/types?lang=en", {
        "key": "Summer Camp!", "label_it": "", "label_en": "x" * 201, "areas": ["moon"],
        "welfare_category": "nope", "position": "1"}, page="/community/taxonomy/types/new")
    assert response.status_code == 422
    for message in ("A short code of lowercase letters", "Write the name.",
                    "At most 200 characters.", "Choose need areas from the list.",
                    "Choose a welfare category from the list."):
        assert message in response.text
    response = await api_post(client, "/api/v1/taxonomy/types?lang=en", {
        "key": "summer_camp", "label_it": "Campo", "label_en": "Camp", "areas": []})
    assert response.status_code == 422
    assert response.json()["errors"] == {"areas": "Choose at least one need area.",
                                         "key": "This code is already used."}


async def test_a_type_in_use_cannot_be_removed(client) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    await taxonomy.ensure_defaults()
    await create_initiative(await load_caller(staff), InitiativeCreate(
        title="Centro estivo", type_key="summer_camp", towns=["Crema"], capacity=10,
        provider_name="Coop Il Germoglio"))
    await sign_in(client, staff)
    response = await post_form(client, "/community/taxonomy/types/summer_camp/delete?lang=en",
                               {}, page="/community/taxonomy")
    assert response.status_code == 422 and "Initiatives of this type exist" in response.text
    response = await post_form(client, "/community/taxonomy/types/housing_desk/delete", {},
                               page="/community/taxonomy")
    assert response.status_code == 303
    assert not await InitiativeType.exists().where(InitiativeType.key == "housing_desk")


@pytest.mark.parametrize("role", ["hr_manager", "employee", "civic_center_operator"])
async def test_only_program_staff_change_the_taxonomy(client, role: str) -> None:
    kind = "civic_center" if role == "civic_center_operator" else "company"
    org = await make_org(kind, "Officine Rossi", "Crema")
    user = await make_user("someone@rossi.example", org, role)
    await taxonomy.ensure_defaults()
    await sign_in(client, user)
    for path in ("/community/taxonomy", "/community/taxonomy/types/new",
                 "/community/taxonomy/types/summer_camp/edit",
                 "/community/taxonomy/categories/new",
                 "/community/taxonomy/categories/not_welfare/edit"):
        assert (await client.get(path)).status_code == 403, path
    # The API reads the taxonomy for everyone signed in, and refuses every change.
    assert (await client.get("/api/v1/taxonomy")).status_code == 200
    body = {"key": "x_type", "label_it": "X", "label_en": "X", "areas": ["children"]}
    assert (await api_post(client, "/api/v1/taxonomy/types", body)).status_code == 403
    token = client.cookies.get("legami_csrf") or ""
    headers = {"x-csrftoken": token}
    response = await client.put("/api/v1/taxonomy/types/summer_camp", headers=headers, json={
        "label_it": "X", "label_en": "X", "areas": ["children"]})
    assert response.status_code == 403
    assert (await client.delete("/api/v1/taxonomy/categories/not_welfare",
                                headers=headers)).status_code == 403
    response = await api_post(client, "/api/v1/taxonomy/categories", {
        "key": "x_cat", "label_it": "X", "label_en": "X"})
    assert response.status_code == 403
    assert (await taxonomy.types_by_key("en"))["summer_camp"].label == "Summer camp"
    assert await InitiativeType.count() == len(taxonomy.DEFAULT_TYPES)


async def test_program_staff_edit_the_taxonomy_through_the_api(client) -> None:
    program = await make_org("program", "FareLegami", "Cremona")
    staff = await make_user("admin@farelegami.example", program, "program_admin")
    await taxonomy.ensure_defaults()
    await sign_in(client, staff)
    response = await api_post(client, "/api/v1/taxonomy/categories", {
        "key": "pension_plans", "label_it": "Previdenza complementare",
        "label_en": "Supplementary pensions", "welfare_plan": True,
        "reference": "TUIR art. 51 c. 2 lett. h"})
    assert response.status_code == 201 and response.json()["welfare_plan"]
    headers = {"x-csrftoken": client.cookies.get("legami_csrf") or ""}
    response = await client.put("/api/v1/taxonomy/types/housing_desk?lang=en", headers=headers,
                                json={"label_it": "Sportello casa", "label_en": "Housing desk",
                                      "areas": ["housing", "finances"],
                                      "welfare_category": "pension_plans"})
    assert response.status_code == 200
    assert response.json()["areas"] == ["housing", "finances"] and response.json()["welfare_plan"]
    body = (await client.get("/api/v1/taxonomy?lang=en")).json()
    assert {"key": "children", "label": "Childcare"} in body["areas"]
    assert (await client.delete("/api/v1/taxonomy/types/housing_desk",
                                headers=headers)).status_code == 204
    assert (await client.delete("/api/v1/taxonomy/types/housing_desk",
                                headers=headers)).status_code == 404
