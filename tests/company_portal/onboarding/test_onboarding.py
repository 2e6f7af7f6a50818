"""Company onboarding: invitation, the six-step wizard, activation, suspension, the CLI."""

from __future__ import annotations

import asyncio
import json
from html import unescape
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner

from app.identity_providers import get_provider, record_test
from app.tables import (
    AuditEvent,
    DevMail,
    IdentityProvider,
    Membership,
    Organization,
    OutboxJob,
    User,
)
from company_portal.tables import RosterEntry
from legami.cli import main
from legami.jobs import load_all
from tests.factories import BASE_URL, api_post, make_org, make_user, post_form, sign_in
from worker.runner import run_job

SECRET = "s3cr3t-Ov7Qe-client-secret"
ISSUER = "https://idp.rossi.example/realms/rossi"
STEP_SLUGS = ("details", "provider", "test", "hr-claim", "roster", "activation")
FORMS = {
    "details": {"name": "Officine Rossi S.p.A.", "town": "Crema"},
    "provider": {"issuer": ISSUER, "client_id": "legami", "client_secret": SECRET},
    "signin-links": {},
    "hr-claim": {"claim": "groups", "value": "legami-hr", "scope": "groups"},
    "activation": {},
}
API_BODIES = {
    "details": {"name": "Officine Rossi S.p.A.", "town": "Crema"},
    "identity-provider": {"issuer": ISSUER, "client_id": "legami", "client_secret": SECRET},
    "hr-claim": {"claim": "groups", "value": "legami-hr"},
}


async def api_put(client: Any, path: str, json_body: Any) -> Any:
    await client.get("/api/v1/me")
    token = client.cookies.get("legami_csrf") or ""
    return await client.put(path, json=json_body, headers={"x-csrftoken": token})


async def status_of(org: UUID) -> str:
    row = await Organization.select(Organization.status).where(Organization.id == org).first()
    return row["status"]


async def transitions(org: UUID) -> list[tuple[str, str]]:
    rows = await AuditEvent.select(AuditEvent.detail).where(
        (AuditEvent.organization_id == org) & (AuditEvent.action == "company.status")
    ).order_by(AuditEvent.id)
    details = [json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]
               for r in rows]
    return [(d["previous"], d["status"]) for d in details]


async def add_roster_entry(org: UUID, ref: str = "E001") -> None:
    await RosterEntry(company=org, employee_ref=ref, name="Mario Bianchi",
                      roster_key=f"{org}:{ref}").save()


async def make_admin() -> UUID:
    program = await make_org(kind="program", name="FareLegami", town="Cremona")
    return await make_user("admin@farelegami.example", program, "program_admin", "Paola")


async def make_company(name: str, domain: str, status: str = "configuring") -> tuple[UUID, UUID]:
    """A company and its HR manager."""
    org = await make_org(name=name, domains=(domain,))
    await Organization.update({Organization.status: status}).where(Organization.id == org)
    hr = await make_user(f"hr@{domain}", org, "hr_manager", "Laura")
    return org, hr


async def invite_through_page(client: Any) -> UUID:
    response = await post_form(client, "/admin/companies/new", {
        "name": "Officine Rossi", "town": "Crema", "domains": "rossi.example, rossi-group.example",
        "hr_email": "Laura.Verdi@Rossi.example", "hr_name": "Laura Verdi",
    }, page="/admin/companies/new")
    assert response.status_code == 303, response.text
    return UUID(response.headers["location"].split("/")[3].split("?")[0])


async def every_page(client: Any, org: UUID) -> list[str]:
    paths = ["/portal", f"/portal/{org}", f"/portal/{org}/onboarding",
             *[f"/portal/{org}/onboarding/{slug}" for slug in STEP_SLUGS],
             "/api/v1/companies", f"/api/v1/companies/{org}"]
    return [(await client.get(path)).text for path in paths]


# The whole journey --------------------------------------------------------------------


async def test_a_company_goes_from_invitation_to_active_through_the_pages(client) -> None:
    admin = await make_admin()
    await sign_in(client, admin)
    org = await invite_through_page(client)
    assert await status_of(org) == "invited"
    hr = await User.objects().where(User.email == "laura.verdi@rossi.example").first()
    assert await Membership.exists().where(
        (Membership.user == hr.id) & (Membership.organization == org)
        & (Membership.role == "hr_manager"))

    [job] = await OutboxJob.select().where(OutboxJob.actor == "mail.send")
    load_all()
    await run_job(job["id"])
    [mail] = await DevMail.select()
    assert mail["to_address"] == "laura.verdi@rossi.example"
    assert "Officine Rossi" in mail["subject"]
    assert f"{BASE_URL}/portal/{org}/onboarding" in mail["text"]
    assert f"{BASE_URL}/portal/{org}/onboarding" in mail["html"]

    await sign_in(client, hr.id)
    assert "Officine Rossi" in (await client.get("/portal")).text
    overview = await client.get(f"/portal/{org}/onboarding")
    assert overview.status_code == 200 and "Invitata" in overview.text

    for step in ("details", "provider", "hr-claim"):
        response = await post_form(client, f"/portal/{org}/onboarding/{step}", FORMS[step],
                                   page=f"/portal/{org}/onboarding/{step}")
        assert response.status_code == 303, response.text
    assert await status_of(org) == "configuring"
    provider = await get_provider(org)
    assert provider and provider.client_secret == SECRET and provider.hr_claim == "groups"
    assert provider.scopes == "openid email profile groups"

    refused = await post_form(client, f"/portal/{org}/onboarding/activation", {},
                              page=f"/portal/{org}/onboarding/activation")
    assert refused.status_code == 422
    assert "Prova la connessione" in refused.text and "(passo 5)" in refused.text
    assert await status_of(org) == "configuring"

    await record_test(org, False, "Il provider ha rifiutato il client ID: controllalo.")
    failed = await client.get(f"/portal/{org}/onboarding/test")
    assert "non è riuscita" in failed.text and "rifiutato il client ID" in failed.text
    assert f"/auth/oidc/test/{org}?next=%2Fportal%2F{org}%2Fonboarding%2Ftest" in failed.text
    await record_test(org, True, "Accesso riuscito.")
    await add_roster_entry(org)
    activated = await post_form(client, f"/portal/{org}/onboarding/activation", {},
                                page=f"/portal/{org}/onboarding/activation")
    assert activated.status_code == 303
    assert await status_of(org) == "active"
    assert await transitions(org) == [("invited", "configuring"), ("configuring", "active")]
    assert await AuditEvent.exists().where(AuditEvent.action == "company.invited")
    assert await AuditEvent.exists().where(AuditEvent.action == "sso.configured")


async def test_the_client_secret_is_stored_encrypted_and_never_shown_again(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example")
    await sign_in(client, hr)
    await post_form(client, f"/portal/{org}/onboarding/provider", FORMS["provider"],
                    page=f"/portal/{org}/onboarding/provider")
    [row] = await IdentityProvider.select(IdentityProvider.client_secret_encrypted)
    stored = row["client_secret_encrypted"]
    assert stored and SECRET not in stored
    for page in await every_page(client, org):
        assert SECRET not in page and stored not in page
    provider_page = (await client.get(f"/portal/{org}/onboarding/provider")).text
    assert "memorizzato il" in provider_page and 'value=""' in provider_page

    kept = await post_form(client, f"/portal/{org}/onboarding/provider",
                           {**FORMS["provider"], "client_secret": ""},
                           page=f"/portal/{org}/onboarding/provider")
    assert kept.status_code == 303
    assert (await get_provider(org)).client_secret == SECRET
    api = await api_put(client, f"/api/v1/companies/{org}/identity-provider",
                        {**API_BODIES["identity-provider"], "client_secret": "n3w-" + SECRET})
    assert api.status_code == 200 and SECRET not in api.text
    assert api.json()["provider"]["secret_stored"] is True
    assert (await get_provider(org)).client_secret == "n3w-" + SECRET


async def test_a_secret_unreadable_after_a_key_change_can_be_replaced(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example")
    await IdentityProvider(organization=org, issuer=ISSUER, client_id="legami",
                           client_secret_encrypted="gAAAA-made-with-an-old-key").save()
    await sign_in(client, hr)
    assert (await client.get(f"/portal/{org}/onboarding/provider")).status_code == 200
    replaced = await api_put(client, f"/api/v1/companies/{org}/identity-provider",
                             API_BODIES["identity-provider"])
    assert replaced.status_code == 200
    assert (await get_provider(org)).client_secret == SECRET


async def test_a_bad_provider_form_never_echoes_the_secret(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example")
    await sign_in(client, hr)
    response = await post_form(client, f"/portal/{org}/onboarding/provider",
                               {**FORMS["provider"], "issuer": "ftp://idp.rossi.example"},
                               page=f"/portal/{org}/onboarding/provider")
    assert response.status_code == 422
    assert "https://" in response.text and SECRET not in response.text
    assert await IdentityProvider.count() == 0


async def test_activation_needs_a_passed_test_and_a_roster_through_the_api(client) -> None:
    admin = await make_admin()
    await sign_in(client, admin)
    invited = await api_post(client, "/api/v1/companies", {
        "name": "Latteria Soresina Demo", "town": "Soresina", "domains": ["latteria.example"],
        "hr_email": "hr@latteria.example"})
    assert invited.status_code == 201 and invited.json()["status"] == "invited"
    org = invited.json()["id"]
    hr = await User.objects().where(User.email == "hr@latteria.example").first()
    await sign_in(client, hr.id)
    for step, body in API_BODIES.items():
        response = await api_put(client, f"/api/v1/companies/{org}/{step}", body)
        assert response.status_code == 200, response.text
        assert SECRET not in response.text
    refused = await api_post(client, f"/api/v1/companies/{org}/activate", {})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"test", "roster"}
    await record_test(UUID(org), True, "")
    await add_roster_entry(UUID(org))
    state = (await client.get(f"/api/v1/companies/{org}")).json()
    assert [s["state"] for s in state["steps"]] == ["done"] * 5 + ["todo"]
    assert state["redirect_uri"] == f"{BASE_URL}/auth/oidc/callback"
    activated = await api_post(client, f"/api/v1/companies/{org}/activate", {})
    assert activated.status_code == 200 and activated.json()["company"]["status"] == "active"


async def test_a_company_may_sign_in_with_links_instead_of_a_provider(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example")
    await sign_in(client, hr)
    await api_put(client, f"/api/v1/companies/{org}/identity-provider",
                  API_BODIES["identity-provider"])
    chosen = await api_post(client, f"/api/v1/companies/{org}/signin-links", {})
    assert chosen.status_code == 200 and chosen.json()["signin_method"] == "links"
    assert chosen.json()["provider"] is None
    assert await IdentityProvider.count() == 0
    assert await AuditEvent.exists().where(AuditEvent.action == "sso.removed")
    steps = {s["key"]: s["state"] for s in chosen.json()["steps"]}
    assert steps["test"] == steps["hr_claim"] == "not_needed"
    await add_roster_entry(org)
    activated = await api_post(client, f"/api/v1/companies/{org}/activate", {})
    assert activated.status_code == 200 and await status_of(org) == "active"


async def test_a_provider_change_asks_for_a_new_test(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example")
    await sign_in(client, hr)
    await api_put(client, f"/api/v1/companies/{org}/identity-provider",
                  API_BODIES["identity-provider"])
    await record_test(org, True, "")
    await api_put(client, f"/api/v1/companies/{org}/identity-provider",
                  {**API_BODIES["identity-provider"], "client_id": "legami-2"})
    state = (await client.get(f"/api/v1/companies/{org}")).json()
    assert state["provider"]["test_result"] == "stale" and "test" in state["missing"]
    page = await client.get(f"/portal/{org}/onboarding/test")
    assert "cambiate dopo l'ultima prova" in unescape(page.text)


# Suspension ---------------------------------------------------------------------------


async def test_suspension_shuts_the_members_out_and_reactivation_lets_them_back(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example", status="active")
    admin = await make_admin()
    await sign_in(client, admin)
    response = await post_form(client, f"/admin/companies/{org}/suspend", {},
                               page=f"/admin/companies/{org}")
    assert response.status_code == 303 and await status_of(org) == "suspended"

    await sign_in(client, hr)
    assert (await client.get(f"/portal/{org}/onboarding")).status_code == 403
    assert (await client.get(f"/api/v1/companies/{org}")).status_code == 404

    await sign_in(client, admin)
    await post_form(client, f"/admin/companies/{org}/reactivate", {},
                    page=f"/admin/companies/{org}")
    assert await status_of(org) == "active"
    assert await transitions(org) == [("active", "suspended"), ("suspended", "active")]
    await sign_in(client, hr)
    assert (await client.get(f"/portal/{org}/onboarding")).status_code == 200


async def test_only_program_staff_suspend_or_invite(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example", status="active")
    await sign_in(client, hr)
    assert (await api_post(client, f"/api/v1/companies/{org}/suspend", {})).status_code == 403
    invite = await api_post(client, "/api/v1/companies", {
        "name": "Altra", "domains": ["altra.example"], "hr_email": "x@altra.example"})
    assert invite.status_code == 403
    assert await status_of(org) == "active" and await Organization.count() == 1


# Tenancy ------------------------------------------------------------------------------

PAGE_GETS = ["/portal/{b}", "/portal/{b}/onboarding",
             *[f"/portal/{{b}}/onboarding/{slug}" for slug in STEP_SLUGS]]
PAGE_POSTS = [f"/portal/{{b}}/onboarding/{step}" for step in FORMS]
API_GETS = ["/api/v1/companies/{b}"]
API_PUTS = [f"/api/v1/companies/{{b}}/{step}" for step in API_BODIES]
API_POSTS = ["/api/v1/companies/{b}/signin-links", "/api/v1/companies/{b}/activate"]
STAFF_ONLY = [("post_page", "/admin/companies/{b}/suspend"),
              ("post_page", "/admin/companies/{b}/reactivate"), ("get", "/admin/companies/{b}"),
              ("post_api", "/api/v1/companies/{b}/suspend"),
              ("post_api", "/api/v1/companies/{b}/reactivate")]
ROUTES = ([("get", p, 404) for p in PAGE_GETS + API_GETS]
          + [("post_page", p, 404) for p in PAGE_POSTS]
          + [("put_api", p, 404) for p in API_PUTS]
          + [("post_api", p, 404) for p in API_POSTS]
          + [(method, p, 403) for method, p in STAFF_ONLY])


async def _request(client: Any, method: str, path: str) -> Any:
    step = path.rsplit("/", 1)[-1]
    if method == "get":
        return await client.get(path)
    if method == "post_page":
        return await post_form(client, path, FORMS.get(step, {}), page="/portal")
    if method == "put_api":
        return await api_put(client, path, API_BODIES[step])
    return await api_post(client, path, {})


@pytest.mark.parametrize(("method", "path", "expected"), ROUTES)
async def test_another_companys_hr_manager_finds_nothing(client, method: str, path: str,
                                                          expected: int) -> None:
    _a, hr_a = await make_company("Officine Rossi", "rossi.example")
    b, _hr_b = await make_company("Latteria Demo", "latteria.example")
    await sign_in(client, hr_a)
    response = await _request(client, method, path.format(b=b))
    assert response.status_code == expected
    assert await status_of(b) == "configuring" and await IdentityProvider.count() == 0
    assert "Latteria" not in response.text


@pytest.mark.parametrize("path", ["/portal", "/portal/{a}", "/portal/{a}/onboarding",
                                  "/portal/{a}/onboarding/provider", "/admin/companies/new"])
async def test_an_employee_cannot_open_the_portal(client, path: str) -> None:
    a, _hr = await make_company("Officine Rossi", "rossi.example")
    employee = await make_user("mario@rossi.example", a, "employee")
    await sign_in(client, employee)
    assert (await client.get(path.format(a=a))).status_code == 403


async def test_an_employee_gets_404_from_the_api(client) -> None:
    a, _hr = await make_company("Officine Rossi", "rossi.example")
    employee = await make_user("mario@rossi.example", a, "employee")
    await sign_in(client, employee)
    assert (await client.get(f"/api/v1/companies/{a}")).status_code == 404
    response = await api_put(client, f"/api/v1/companies/{a}/details", API_BODIES["details"])
    assert response.status_code == 404
    assert (await client.get("/api/v1/companies")).json() == []


# Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(("step", "form", "field", "words"), [
    ("details", {"name": "  ", "town": "Crema"}, "name", "Inserisci un nome"),
    ("provider", {**FORMS["provider"], "issuer": "http://idp.rossi.example"}, "issuer",
     "https://"),
    ("provider", {**FORMS["provider"], "issuer": ""}, "issuer", "Inserisci l'issuer"),
    ("provider", {**FORMS["provider"], "issuer": "https://idp.example/?x=1"}, "issuer",
     "non è un indirizzo"),
    ("provider", {**FORMS["provider"], "client_id": ""}, "client_id", "client ID"),
    ("provider", {**FORMS["provider"], "client_secret": ""}, "client_secret",
     "client secret"),
    ("hr-claim", {"claim": "", "value": "legami-hr"}, "claim", "Inserisci il claim"),
    ("hr-claim", {"claim": "groups", "value": ""}, "value", "legami-hr"),
    ("hr-claim", {"claim": "gr oups", "value": "x"}, "claim", "claim"),
])
async def test_bad_step_input_is_explained_in_italian_and_changes_nothing(
        client, step: str, form: dict[str, str], field: str, words: str) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example", status="invited")
    if step == "hr-claim":
        await IdentityProvider(organization=org, issuer=ISSUER, client_id="legami").save()
    await sign_in(client, hr)
    before = await IdentityProvider.select().order_by(IdentityProvider.id)
    response = await post_form(client, f"/portal/{org}/onboarding/{step}", form,
                               page=f"/portal/{org}/onboarding/{step}")
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and words in unescape(response.text)
    assert await status_of(org) == "invited"
    assert await IdentityProvider.select().order_by(IdentityProvider.id) == before
    assert not await AuditEvent.exists()


async def test_a_loopback_issuer_is_accepted_outside_production(client) -> None:
    org, hr = await make_company("Officine Rossi", "rossi.example")
    await sign_in(client, hr)
    response = await api_put(client, f"/api/v1/companies/{org}/identity-provider", {
        **API_BODIES["identity-provider"],
        "issuer": "http://127.0.0.1:9010/.well-known/openid-configuration"})
    assert response.status_code == 200
    provider = response.json()["provider"]
    assert provider["issuer"] == "http://127.0.0.1:9010"
    assert provider["discovery_url"].endswith("/.well-known/openid-configuration")


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"hr_email": "not-an-address"}, "hr_email", "indirizzo e-mail"),
    ({"domains": ""}, "domains", "almeno un dominio"),
    ({"domains": "not a domain"}, "domains", "non valido"),
    ({"name": ""}, "name", "Inserisci un nome"),
    ({"domains": "taken.example"}, "domains", "taken.example"),
])
async def test_a_bad_invitation_is_explained_and_creates_nothing(
        client, form: dict[str, str], field: str, words: str) -> None:
    await make_org(name="Già presente", domains=("taken.example",))
    await sign_in(client, await make_admin())
    organizations, users = await Organization.count(), await User.count()
    response = await post_form(client, "/admin/companies/new", {
        "name": "Officine Rossi", "town": "Crema", "domains": "rossi.example",
        "hr_email": "hr@rossi.example", **form}, page="/admin/companies/new")
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and words in unescape(response.text)
    assert await Organization.count() == organizations and await User.count() == users
    assert await OutboxJob.count() == 0


# The CLI ------------------------------------------------------------------------------


def cli(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, ["company", *args], input=stdin)


def run(awaitable: Any) -> Any:
    async def wait() -> Any:
        return await awaitable

    return asyncio.run(wait())


def test_the_cli_takes_a_company_from_invitation_to_suspension() -> None:
    added = cli("add", "--name", "Officine Rossi", "--town", "Crema", "--domain",
                "rossi.example", "--hr-email", "hr@rossi.example", "--hr-name", "Laura")
    assert added.exit_code == 0, added.output
    org = run(Organization.select(Organization.id).first())["id"]
    assert run(status_of(org)) == "invited"
    assert run(OutboxJob.count().where(OutboxJob.actor == "mail.send")) == 1

    sso = cli("sso", str(org), "--issuer", ISSUER, "--client-id", "legami",
              "--client-secret-stdin", "--hr-claim", "groups", "--hr-claim-value", "legami-hr",
              stdin=SECRET + "\n")
    assert sso.exit_code == 0, sso.output
    assert SECRET not in sso.output and "/auth/oidc/callback" in sso.output
    provider = run(get_provider(org))
    assert provider.client_secret == SECRET and provider.hr_claim_value == "legami-hr"

    refused = cli("activate", str(org))
    assert refused.exit_code == 2
    assert "details:" in refused.output and "test:" in refused.output
    assert "roster:" in refused.output

    confirmed = cli("details", str(org), "--town", "Crema centro")
    assert confirmed.exit_code == 0 and "configuring" in confirmed.output
    run(record_test(org, True, ""))
    run(add_roster_entry(org))
    assert cli("activate", str(org)).exit_code == 0
    assert run(status_of(org)) == "active"
    assert cli("suspend", str(org)).exit_code == 0
    assert "suspended" in cli("list").output
    assert cli("reactivate", str(org)).exit_code == 0
    assert run(status_of(org)) == "active"


def test_the_cli_chooses_sign_in_links_and_refuses_bad_input() -> None:
    org = run(make_org(name="Officine Rossi", domains=("rossi.example",)))
    assert cli("sso", str(org), "--signin-links").exit_code == 0
    bad = cli("sso", str(org), "--issuer", "http://idp.rossi.example", "--client-id", "x",
              "--client-secret", "y")
    assert bad.exit_code == 2 and "issuer:" in bad.output
    assert run(IdentityProvider.count()) == 0
    unknown = cli("activate", "00000000-0000-0000-0000-000000000001")
    assert unknown.exit_code == 2 and "organization_id:" in unknown.output
    invalid = cli("add", "--name", "X", "--hr-email", "nope")
    assert invalid.exit_code == 2 and "hr_email:" in invalid.output
    assert run(Organization.count()) == 1
