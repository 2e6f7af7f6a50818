"""Each member reaches only their own organization; what is out of reach answers 404."""

from __future__ import annotations

import pytest

from tests.factories import api_post, make_org, make_user, post_form, sign_in


@pytest.fixture
async def two_companies():
    rossi = await make_org(name="Officine Rossi", domains=("rossi.example",))
    bianchi = await make_org(name="Bianchi Logistica", town="Cremona", domains=("bianchi.example",))
    hr = await make_user("hr@rossi.example", rossi, "hr_manager")
    return rossi, bianchi, hr


ENDPOINTS = ["/api/v1/organizations/{id}", "/api/v1/organizations/{id}/members"]


@pytest.mark.parametrize("template", ENDPOINTS)
async def test_hr_manager_gets_404_on_another_company(client, two_companies, template) -> None:
    rossi, bianchi, hr = two_companies
    await sign_in(client, hr)
    assert (await client.get(template.format(id=rossi))).status_code == 200
    response = await client.get(template.format(id=bianchi))
    assert response.status_code == 404
    assert "Bianchi" not in response.text


async def test_hr_manager_lists_only_their_company(client, two_companies) -> None:
    rossi, _, hr = two_companies
    await sign_in(client, hr)
    names = [org["name"] for org in (await client.get("/api/v1/organizations")).json()]
    assert names == ["Officine Rossi"]


async def test_program_pages_and_actions_are_refused_to_an_hr_manager(client, two_companies
                                                                      ) -> None:
    rossi, bianchi, hr = two_companies
    await sign_in(client, hr)
    assert (await client.get("/admin/organizations")).status_code == 403
    assert (await client.get(f"/admin/organizations/{bianchi}")).status_code == 403
    response = await api_post(client, "/api/v1/organizations",
                              {"kind": "company", "name": "Nuova"})
    assert response.status_code == 403
    invite = await api_post(client, f"/api/v1/organizations/{rossi}/members",
                            {"email": "x@rossi.example", "role": "hr_manager"})
    assert invite.status_code == 403


async def test_anonymous_visitors_are_sent_to_sign_in_or_get_401(client, two_companies) -> None:
    rossi, _, _ = two_companies
    page = await client.get("/admin/organizations", follow_redirects=False)
    assert page.status_code in (302, 303)
    assert page.headers["location"].startswith("/signin?next=")
    assert (await client.get(f"/api/v1/organizations/{rossi}")).status_code == 401


async def test_a_forged_post_without_csrf_token_is_refused(client, two_companies) -> None:
    admin_org = await make_org(kind="program", name="FareLegami")
    admin = await make_user("admin@farelegami.example", admin_org, "program_admin")
    await sign_in(client, admin)
    await client.get("/admin/organizations")
    forged = await client.post("/admin/organizations", data={"kind": "company", "name": "X"})
    assert forged.status_code == 403
    api = await client.post("/api/v1/organizations", json={"kind": "company", "name": "X"})
    assert api.status_code == 403
    accepted = await post_form(client, "/admin/organizations",
                               {"kind": "company", "name": "Cascina Verde", "town": "Crema"},
                               page="/admin/organizations")
    assert accepted.status_code in (302, 303)


async def test_an_employee_sees_their_company_but_not_its_members(client, two_companies
                                                                  ) -> None:
    rossi, _, _ = two_companies
    await sign_in(client, await make_user("mario@rossi.example", rossi, "employee"))
    assert (await client.get(f"/api/v1/organizations/{rossi}")).status_code == 200
    members = await client.get(f"/api/v1/organizations/{rossi}/members")
    assert members.status_code == 404
    assert "hr@rossi.example" not in members.text


async def test_a_path_merely_containing_an_exempt_name_still_needs_the_csrf_token(
        client) -> None:
    path = "/community/taxonomy/types/static_support/delete"
    admin_org = await make_org(kind="program", name="FareLegami")
    await sign_in(client, await make_user("admin@farelegami.example", admin_org,
                                          "program_admin"))
    await client.get("/admin/organizations")
    forged = await client.post(path, data={"confirm": "1"}, follow_redirects=False)
    assert forged.status_code == 403
