"""SCIM 2.0 provisioning: a company's identity provider keeps its roster, and only its own."""

from __future__ import annotations

import json

import pytest

from app.bootstrap import SYSTEM
from app.tables import Organization
from company_portal.roster import scim as scim_api
from company_portal.roster import service as roster
from company_portal.tables import RosterEntry
from integrations.hr.scim import ScimError, apply_patch, parse_filter, user_from_resource
from tests.company_portal.roster.test_roster import PEOPLE, csv_file, import_file
from tests.factories import make_org, make_user, sign_in

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def entra_user(user_name: str, number: str, department: str = "Produzione") -> dict:
    """A user as Microsoft Entra ID provisions it."""
    return {
        "schemas": [USER, ENTERPRISE], "externalId": f"ext-{number}", "userName": user_name,
        "active": True, "displayName": "Chiara Lanzi",
        "name": {"givenName": "Chiara", "familyName": "Lanzi"},
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "addresses": [{"type": "work", "formatted": "Stabilimento Crema"}],
        ENTERPRISE: {"employeeNumber": number, "department": department},
    }


class Scim:
    """A SCIM client holding one company's bearer token."""

    def __init__(self, client, token: str) -> None:
        self.client = client
        self.headers = {"authorization": f"Bearer {token}",
                        "content-type": "application/scim+json"}

    async def get(self, path: str, **params):
        return await self.client.get(f"/scim/v2{path}", headers=self.headers, params=params)

    async def send(self, method: str, path: str, body) -> object:
        return await self.client.request(method, f"/scim/v2{path}", headers=self.headers,
                                         content=json.dumps(body))

    async def delete(self, path: str):
        return await self.client.delete(f"/scim/v2{path}", headers=self.headers)


@pytest.fixture
async def companies(client):
    rossi = await make_org(name="Officine Rossi", domains=("rossi.example",))
    bianchi = await make_org(name="Bianchi Logistica", domains=("bianchi.example",))
    rossi_token = (await roster.create_scim_token(SYSTEM, rossi)).token
    bianchi_token = (await roster.create_scim_token(SYSTEM, bianchi)).token
    return rossi, bianchi, Scim(client, rossi_token), Scim(client, bianchi_token)


async def entry(company, ref: str) -> dict:
    return await RosterEntry.select().where(
        (RosterEntry.company == company) & (RosterEntry.employee_ref == ref)).first()


async def test_create_get_update_deactivate_and_delete_a_user(companies) -> None:
    rossi, _, scim, _ = companies
    created = await scim.send("POST", "/Users", entra_user("chiara.lanzi@rossi.example", "M-100"))
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith("application/scim+json")
    user = created.json()
    assert created.headers["location"].endswith(f"/scim/v2/Users/{user['id']}")
    assert user["userName"] == "chiara.lanzi@rossi.example" and user["active"] is True
    stored = await entry(rossi, "M-100")
    assert (stored["name"], stored["email"], stored["department"], stored["site"]) == (
        "Chiara Lanzi", "chiara.lanzi@rossi.example", "Produzione", "Stabilimento Crema")

    assert (await scim.get(f"/Users/{user['id']}")).json()["externalId"] == "ext-M-100"
    replaced = await scim.send("PUT", f"/Users/{user['id']}",
                               entra_user("chiara.lanzi@rossi.example", "M-100", "Qualità"))
    assert replaced.status_code == 200
    assert (await entry(rossi, "M-100"))["department"] == "Qualità"

    patched = await scim.send("PATCH", f"/Users/{user['id']}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Chiara Lanzi Rossi"},
            {"op": "Replace", "path": 'emails[type eq "work"].value',
             "value": "chiara.rossi@rossi.example"},
            {"op": "Add", "value": {f"{ENTERPRISE}:department": "Logistica"}},
        ]})
    assert patched.status_code == 200, patched.text
    stored = await entry(rossi, "M-100")
    assert (stored["name"], stored["email"], stored["department"]) == (
        "Chiara Lanzi Rossi", "chiara.rossi@rossi.example", "Logistica")

    # Entra ID deactivates with a string "False".
    off = await scim.send("PATCH", f"/Users/{user['id']}", {"Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]})
    assert off.status_code == 200 and off.json()["active"] is False
    stored = await entry(rossi, "M-100")
    assert stored["active"] is False and stored["deactivated_at"] is not None

    assert (await scim.delete(f"/Users/{user['id']}")).status_code == 204
    assert (await scim.get(f"/Users/{user['id']}")).status_code == 404
    assert (await entry(rossi, "M-100"))["active"] is False


async def test_list_with_filter_and_paging(companies) -> None:
    _, _, scim, _ = companies
    for number in range(1, 4):
        response = await scim.send("POST", "/Users",
                                   entra_user(f"p{number}@rossi.example", f"M-{number}"))
        assert response.status_code == 201
    everyone = (await scim.get("/Users")).json()
    assert everyone["totalResults"] == 3 and len(everyone["Resources"]) == 3
    assert everyone["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    found = (await scim.get("/Users", filter='userName eq "P2@Rossi.example"')).json()
    assert [u["userName"] for u in found["Resources"]] == ["p2@rossi.example"]
    assert (await scim.get("/Users", filter='externalId eq "ext-M-3"')).json()[
        "totalResults"] == 1
    assert (await scim.get("/Users", filter='userName eq "nobody@rossi.example"')).json()[
        "totalResults"] == 0
    page = (await scim.get("/Users", startIndex=2, count=1)).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    assert page["Resources"][0]["userName"] == "p2@rossi.example"
    bad = await scim.get("/Users", filter='name.givenName co "a"')
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidFilter"


async def test_a_userName_is_unique_and_bad_input_is_a_scim_error(companies) -> None:
    _, _, scim, _ = companies
    await scim.send("POST", "/Users", entra_user("chiara@rossi.example", "M-1"))
    again = await scim.send("POST", "/Users", entra_user("CHIARA@rossi.example", "M-2"))
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    assert again.json()["schemas"] == [ERROR]
    broken = await scim.send("POST", "/Users", "not an object")
    assert broken.status_code == 400
    no_name = await scim.send("POST", "/Users", {"schemas": [USER], "active": True})
    assert no_name.status_code == 400 and no_name.json()["scimType"] == "invalidValue"
    bad_mail = entra_user("luca@rossi.example", "M-3")
    bad_mail["emails"] = [{"value": "not-an-address", "type": "work"}]
    assert (await scim.send("POST", "/Users", bad_mail)).status_code == 400
    assert await RosterEntry.count() == 1


async def test_a_person_imported_from_csv_is_linked_not_duplicated(client, companies) -> None:
    rossi, _, scim, _ = companies
    program = await make_org(kind="program", name="FareLegami")
    await sign_in(client, await make_user("admin@farelegami.example", program, "program_admin"))
    await import_file(client, rossi, csv_file(PEOPLE))
    created = await scim.send("POST", "/Users", entra_user("anna@rossi.example", "M-002"))
    assert created.status_code == 201
    assert await RosterEntry.count().where(RosterEntry.company == rossi) == 5
    linked = await entry(rossi, "M-002")
    assert linked["scim_id"] == created.json()["id"] and linked["name"] == "Chiara Lanzi"
    # A later file without this person leaves the provider's people alone.
    await import_file(client, rossi, csv_file([p for p in PEOPLE if p[0] != "M-002"]))
    assert (await entry(rossi, "M-002"))["active"] is True


async def test_company_a_token_cannot_see_or_touch_company_b_users(companies) -> None:
    rossi, bianchi, rossi_scim, bianchi_scim = companies
    theirs = (await bianchi_scim.send("POST", "/Users",
                                      entra_user("marco@bianchi.example", "B-1"))).json()
    path = f"/Users/{theirs['id']}"
    assert (await rossi_scim.get(path)).status_code == 404
    assert (await rossi_scim.send("PUT", path, entra_user("marco@bianchi.example", "B-1",
                                                          "Hacked"))).status_code == 404
    assert (await rossi_scim.send("PATCH", path, {"Operations": [
        {"op": "replace", "path": "active", "value": False}]})).status_code == 404
    assert (await rossi_scim.delete(path)).status_code == 404
    listed = (await rossi_scim.get("/Users", filter='userName eq "marco@bianchi.example"'))
    assert listed.json()["totalResults"] == 0
    assert (await rossi_scim.get("/Users")).json()["totalResults"] == 0
    stored = await entry(bianchi, "B-1")
    assert stored["active"] is True and stored["department"] == "Produzione"
    # The same userName may exist in two companies: they are different people.
    mine = await rossi_scim.send("POST", "/Users", entra_user("marco@bianchi.example", "B-1"))
    assert mine.status_code == 201 and mine.json()["id"] != theirs["id"]


async def test_no_valid_token_no_access(client, companies) -> None:
    rossi, _, scim, _ = companies
    anonymous = await client.get("/scim/v2/Users")
    assert anonymous.status_code == 401 and anonymous.json()["schemas"] == [ERROR]
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    wrong = Scim(client, "legami_scim_not-a-real-token")
    assert (await wrong.send("POST", "/Users", entra_user("x@rossi.example", "X"))
            ).status_code == 401
    await Organization.update({Organization.status: "suspended"}).where(Organization.id == rossi)
    assert (await scim.get("/Users")).status_code == 401
    assert await RosterEntry.count() == 0


async def test_failed_attempts_are_rate_limited(client, companies, monkeypatch) -> None:
    monkeypatch.setattr(scim_api, "LIMIT_FAILURES_PER_IP", 2)
    wrong = Scim(client, "legami_scim_guess")
    statuses = [(await wrong.get("/Users")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert (await wrong.get("/Users")).json()["schemas"] == [ERROR]


async def test_service_provider_config_describes_what_is_supported(companies) -> None:
    _, _, scim, _ = companies
    config = (await scim.get("/ServiceProviderConfig")).json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False


def test_patch_paths_as_providers_send_them() -> None:
    current = {"userName": "a@rossi.example", "displayName": "A",
               "emails": [{"value": "a@rossi.example", "type": "work", "primary": True}],
               ENTERPRISE: {"department": "Produzione"}}
    patched = apply_patch(current, {"Operations": [
        {"op": "replace", "value": {f"{ENTERPRISE}:department": "Qualità", "active": False}},
        {"op": "remove", "path": 'emails[type eq "work"]'},
        {"op": "add", "path": "addresses", "value": [{"type": "work", "locality": "Crema"}]},
    ]})
    user = user_from_resource(patched)
    assert (user.department, user.active, user.email, user.site) == (
        "Qualità", False, None, "Crema")
    assert current["emails"], "the resource given is left as it was"
    assert parse_filter(r'userName eq "o\"brien@rossi.example"') == (
        "userName", 'o"brien@rossi.example')
    with pytest.raises(ScimError):
        apply_patch(current, {"Operations": [{"op": "move", "path": "userName"}]})
