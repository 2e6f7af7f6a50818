"""Company sign-in through real OpenID Connect providers (oidc-provider under node).

Two providers on two ports stand for two companies: A (Officine Rossi, client_secret_basic)
and B (Bianchi Srl, which announces client_secret_post only). The tests drive the
providers' real login, consent, cancel and logout pages; where a provider must misbehave
(a token for another audience, expired, with a wrong nonce, unsigned), its test-only
control rewrites the next ID token it issues.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from uuid import UUID

import pytest

from app.auth.sessions import COOKIE
from app.identity_providers import save_hr_claim, save_provider
from app.tables import (
    AuditEvent,
    ExternalIdentity,
    IdentityProvider,
    Membership,
    OIDCLoginAttempt,
    Organization,
    Session,
    User,
)
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.factories import make_org, make_user, post_form, sign_in
from tests.oidc import LEGAMI, OIDCProvider, ProviderBrowser, client, running

SECRET_A = "secret-of-company-a-0123456789abcdef"
SECRET_B = "secret-of-company-b-0123456789abcdef"
SECRET_HS = "secret-of-an-hmac-client-0123456789abcdef"


@pytest.fixture(scope="module")
def provider_a() -> Iterator[OIDCProvider]:
    yield from running([client("legami-a", SECRET_A),
                        client("legami-hs", SECRET_HS, id_token_signed_response_alg="HS256")])


@pytest.fixture(scope="module")
def provider_b() -> Iterator[OIDCProvider]:
    yield from running([client("legami-b", SECRET_B, token_endpoint_auth_method=
                               "client_secret_post")], auth_methods=["client_secret_post"])


@pytest.fixture
async def op_a(provider_a: OIDCProvider) -> OIDCProvider:
    await provider_a.control("reset")
    return provider_a


@pytest.fixture
async def op_b(provider_b: OIDCProvider) -> OIDCProvider:
    await provider_b.control("reset")
    return provider_b


@pytest.fixture
async def person() -> AsyncIterator[ProviderBrowser]:
    """A person's browser at the providers (Legami's side is the `client` fixture)."""
    at_provider = ProviderBrowser()
    yield at_provider
    await at_provider.close()


@pytest.fixture
async def company_a(op_a: OIDCProvider) -> UUID:
    return await _company(op_a, "legami-a", SECRET_A, "Officine Rossi", "rossi.example")


@pytest.fixture
async def company_b(op_b: OIDCProvider) -> UUID:
    return await _company(op_b, "legami-b", SECRET_B, "Bianchi Srl", "bianchi.example")


async def _company(provider: OIDCProvider, client_id: str, secret: str, name: str,
                   domain: str, status: str = "active") -> UUID:
    org = await make_org(name=name, domains=(domain,))
    await Organization.update({Organization.status: status}).where(Organization.id == org)
    await save_provider(None, org, provider.issuer, client_id, secret)
    return org


async def _account(provider: OIDCProvider, sub: str, email: str, **claims: Any) -> None:
    await provider.control("accounts", {sub: {"email": email, "email_verified": True,
                                              "name": sub.title(), **claims}})


def _continue_url(response: Any) -> str:
    """Where a page that "moves on by itself" goes: its Refresh header, and its link."""
    assert response.status_code == 200, response.text
    url = response.headers["refresh"].split("url=", 1)[1]
    assert f'href="{url.replace("&", "&amp;")}"' in response.text
    return url


async def _authorization_url(client: Any, email: str) -> str:
    return _continue_url(await post_form(client, "/signin", {"email": email}))


def _local(url: str) -> str:
    assert url.startswith(LEGAMI), url
    return url[len(LEGAMI):]


async def _callback(client: Any, url: str, **extra: str) -> Any:
    path = _local(url) + ("&" + urlencode(extra) if extra else "")
    return await client.get(path, follow_redirects=False)


async def _sign_in(client: Any, person: ProviderBrowser, email: str, login: str) -> Any:
    """The whole round trip: Legami's form, the provider's pages, Legami's callback."""
    back = await person.sign_in(await _authorization_url(client, email), login)
    return await _callback(client, back)


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _without(url: str, *names: str) -> str:
    parts = urlsplit(url)
    kept = {k: v for k, v in _query(url).items() if k not in names}
    return urlunsplit(parts._replace(query=urlencode(kept)))


async def _failures() -> list[str]:
    rows = await AuditEvent.select(AuditEvent.detail).where(AuditEvent.action == "sso.failed")
    return [(row["detail"] if isinstance(row["detail"], dict) else _json(row["detail"]))
            ["reason"] for row in rows]


def _json(text: str) -> dict[str, Any]:
    import json

    return json.loads(text)


def _assert_failure_page(response: Any, italian: str) -> None:
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "L&#39;accesso non è riuscito" in response.text or "L'accesso non è riuscito" in \
        response.text
    assert italian in response.text.replace("&#39;", "'")
    assert "Traceback" not in response.text
    assert COOKIE not in response.cookies


async def _signed_in_email(client: Any) -> str | None:
    me = await client.get("/api/v1/me")
    return me.json()["email"] if me.status_code == 200 else None


# Routing and the authorization request


async def test_sign_in_form_takes_a_company_domain_to_its_provider_with_pkce(
        client, op_a, company_a) -> None:
    url = await _authorization_url(client, "Mario.Rossi@Rossi.example")
    assert url.startswith(f"{op_a.issuer}/auth?")
    params = _query(url)
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["client_id"] == "legami-a"
    assert params["redirect_uri"] == f"{LEGAMI}/auth/oidc/callback"
    assert params["login_hint"] == "mario.rossi@rossi.example"
    assert params["state"] and params["nonce"] and params["scope"] == "openid email profile"
    attempt = await OIDCLoginAttempt.objects().first()
    assert attempt.state_hash == hashlib.sha256(params["state"].encode()).hexdigest()
    assert params["state"] not in (attempt.code_verifier, attempt.browser_hash)


async def test_an_address_without_a_provider_still_gets_a_mail_link(client, company_a) -> None:
    school = await make_org(kind="school", name="IC Crema Uno", domains=("ic1.example",))
    await make_user("coordinatrice@ic1.example", school, "school_coordinator")
    response = await post_form(client, "/signin", {"email": "coordinatrice@ic1.example"})
    assert response.status_code == 200 and "refresh" not in response.headers
    assert "coordinatrice@ic1.example" in response.text


async def test_the_provider_enforces_pkce(client, op_a, company_a, person) -> None:
    url = _without(await _authorization_url(client, "mario@rossi.example"),
                   "code_challenge", "code_challenge_method")
    back = await person.sign_in(url, "mario")
    assert _query(back)["error"] == "invalid_request"
    assert "PKCE" in _query(back)["error_description"]


async def test_a_deep_link_goes_straight_to_the_provider_and_back_to_next(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    response = await client.get("/login", params={"email": "mario@rossi.example",
                                                   "next": "/surveys"}, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith(f"{op_a.issuer}/auth?")
    back = await person.sign_in(response.headers["location"], "mario")
    done = await _callback(client, back)
    assert (done.status_code, done.headers["location"]) == (303, "/surveys")


async def test_a_deep_link_without_a_provider_shows_the_form_and_sends_nothing(client) -> None:
    response = await client.get("/login", params={"email": "someone@nowhere.example"})
    assert response.status_code == 200
    assert 'value="someone@nowhere.example"' in response.text


# Accounts


async def test_first_sign_in_creates_an_employee_keyed_on_issuer_and_subject(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    client.cookies.set(COOKIE, "planted-before-sign-in", domain="testserver.local")
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert response.cookies[COOKIE] != "planted-before-sign-in"
    assert await _signed_in_email(client) == "mario@rossi.example"
    identity = await ExternalIdentity.objects().first()
    key = hashlib.sha256(f"{company_a}|{op_a.issuer}|mario".encode()).hexdigest()
    assert (identity.identity_key, identity.subject, identity.issuer) == (key, "mario",
                                                                           op_a.issuer)
    membership = await Membership.objects().where(Membership.user == identity.user).first()
    assert (membership.organization, membership.role) == (company_a, "employee")


async def test_company_b_signs_in_with_client_secret_post(client, op_b, company_b,
                                                          person) -> None:
    await _account(op_b, "bice", "bice@bianchi.example")
    response = await _sign_in(client, person, "bice@bianchi.example", "bice")
    assert response.status_code == 303
    assert await _signed_in_email(client) == "bice@bianchi.example"


async def test_an_address_outside_the_verified_domains_gets_no_account(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario.rossi@gmail.example")
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    _assert_failure_page(response, "domini verificati")
    assert await User.count() == 0 and await ExternalIdentity.count() == 0
    assert await _failures() == ["unknown_domain"]


async def test_an_unverified_address_gets_no_account(client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example", email_verified=False)
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    _assert_failure_page(response, "non è verificato")
    assert await User.count() == 0


async def test_a_changed_email_at_the_provider_keeps_the_same_account(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    await _sign_in(client, person, "mario@rossi.example", "mario")
    await _account(op_a, "mario", "mario.rossi@rossi.example")
    client.cookies.clear()
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    assert response.status_code == 303
    assert await _signed_in_email(client) == "mario.rossi@rossi.example"
    assert await User.count() == 1 and await ExternalIdentity.count() == 1


async def test_the_same_address_at_another_subject_is_another_account(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    await _sign_in(client, person, "mario@rossi.example", "mario")
    await _account(op_a, "impostor", "mario@rossi.example")
    other = ProviderBrowser()
    try:
        back = await other.sign_in(await _authorization_url(client, "mario@rossi.example"),
                                   "impostor")
    finally:
        await other.close()
    await _callback(client, back)
    users = await User.select(User.email).order_by(User.created_at)
    assert [row["email"] for row in users] == ["mario@rossi.example", None]


async def test_an_invited_hr_manager_is_linked_by_the_invitation(
        client, op_a, company_a, person) -> None:
    invited = await make_user("hr@rossi.example", company_a, "hr_manager", "Anna")
    await _account(op_a, "anna", "hr@rossi.example")
    await _sign_in(client, person, "hr@rossi.example", "anna")
    identity = await ExternalIdentity.objects().first()
    assert identity.user == invited
    roles = await Membership.select(Membership.role).where(Membership.user == invited)
    assert [row["role"] for row in roles] == ["hr_manager"]


async def test_hr_manager_comes_from_the_configured_group_claim(
        client, op_a, company_a, person) -> None:
    await save_hr_claim(None, company_a, "groups", "legami-hr")
    await IdentityProvider.update({IdentityProvider.scopes: "openid email profile groups"}
                                  ).where(IdentityProvider.organization == company_a)
    await _account(op_a, "anna", "anna@rossi.example", groups=["staff", "legami-hr"])
    await _account(op_a, "bruno", "bruno@rossi.example", groups=["staff"])
    await _sign_in(client, person, "anna@rossi.example", "anna")
    other = ProviderBrowser()
    try:
        back = await other.sign_in(await _authorization_url(client, "bruno@rossi.example"),
                                   "bruno")
    finally:
        await other.close()
    await _callback(client, back)
    rows = await Membership.select(Membership.user.email, Membership.role)
    assert {row["user.email"]: row["role"] for row in rows} == {
        "anna@rossi.example": "hr_manager", "bruno@rossi.example": "employee"}


# State, browser binding, mix-up


async def test_a_replayed_state_fails(client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    back = await person.sign_in(await _authorization_url(client, "mario@rossi.example"),
                                "mario")
    assert (await _callback(client, back)).status_code == 303
    client.cookies.delete(COOKIE)
    replay = await _callback(client, back)
    _assert_failure_page(replay, "non è più valido")
    assert await Session.count() == 1
    assert await _failures() == ["invalid_state"]


async def test_an_unknown_state_fails(client, op_a, company_a) -> None:
    await _authorization_url(client, "mario@rossi.example")  # the browser has its cookie
    response = await client.get("/auth/oidc/callback", params={
        "code": "x", "state": "made-up", "iss": op_a.issuer})
    _assert_failure_page(response, "non è più valido")


async def test_a_state_from_another_browser_fails(client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    back = await person.sign_in(await _authorization_url(client, "mario@rossi.example"),
                                "mario")
    client.cookies.delete("legami_oidc")
    client.cookies.set("legami_oidc", "another-browser", domain="testserver.local")
    _assert_failure_page(await _callback(client, back), "in un altro browser")
    assert await Session.count() == 0


async def test_an_attempt_older_than_ten_minutes_fails(client, op_a, company_a,
                                                       person) -> None:
    from datetime import timedelta

    from app.clock import now

    await _account(op_a, "mario", "mario@rossi.example")
    back = await person.sign_in(await _authorization_url(client, "mario@rossi.example"),
                                "mario")
    await OIDCLoginAttempt.update({OIDCLoginAttempt.created_at: now() - timedelta(minutes=11)}
                                  ).where(OIDCLoginAttempt.used_at.is_null())
    _assert_failure_page(await _callback(client, back), "non è più valido")


async def test_an_answer_from_company_a_cannot_complete_company_b_sign_in(
        client, op_a, op_b, company_a, company_b, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    state_b = _query(await _authorization_url(client, "bice@bianchi.example"))["state"]
    back_a = await person.sign_in(await _authorization_url(client, "mario@rossi.example"),
                                  "mario")
    answer_a = _query(back_a)
    mixed = await client.get("/auth/oidc/callback", params={
        "code": answer_a["code"], "state": state_b, "iss": answer_a["iss"]})
    _assert_failure_page(mixed, "provider di identità diverso")
    state_b = _query(await _authorization_url(client, "bice@bianchi.example"))["state"]
    stripped = await client.get("/auth/oidc/callback", params={
        "code": answer_a["code"], "state": state_b})  # B announces `iss`: it must be there
    _assert_failure_page(stripped, "provider di identità diverso")
    assert await Session.count() == 0 and await User.count() == 0
    assert await _failures() == ["mix_up", "mix_up"]


# The ID token


@pytest.mark.parametrize(("tamper", "code", "italian"), [
    ({"claims": {"aud": "another-client"}}, "wrong_audience", "per un'altra applicazione"),
    ({"claims": {"aud": ["legami-a", "another-client"]}}, "wrong_audience",
     "per un'altra applicazione"),
    ({"claims": {"azp": "another-client"}}, "wrong_audience", "per un'altra applicazione"),
    ({"claims": {"iss": "https://evil.example"}}, "wrong_issuer", "da un provider diverso"),
    ({"claims": {"nonce": "another-attempt"}}, "wrong_nonce", "a un altro tentativo"),
    ({"alg": "none"}, "bad_algorithm", "algoritmo accettato"),
    ({"foreign_key": True}, "bad_signature", "verificare la firma"),
    ({"drop_id_token": True}, "no_id_token", "non ha inviato un token di identità"),
], ids=["audience", "second-audience", "azp", "issuer", "nonce", "alg-none",
        "unpublished-key", "no-id-token"])
async def test_a_bad_id_token_fails(client, op_a, company_a, person, tamper, code,
                                    italian) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    await op_a.control("tamper", tamper)
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    _assert_failure_page(response, italian)
    assert await _failures() == [code]
    assert await Session.count() == 0 and await User.count() == 0


@pytest.mark.parametrize(("expired_seconds_ago", "signed_in"), [(120, False), (30, True)],
                         ids=["beyond-leeway", "within-leeway"])
async def test_an_expired_id_token_fails_beyond_a_minute_of_leeway(
        client, op_a, company_a, person, expired_seconds_ago, signed_in) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    moment = int(time.time())
    await op_a.control("tamper", {"claims": {"iat": moment - 600,
                                             "exp": moment - expired_seconds_ago}})
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    assert (response.status_code == 303) is signed_in
    if not signed_in:
        _assert_failure_page(response, "è scaduto")


async def test_an_hmac_signed_id_token_fails(client, op_a, company_a, person) -> None:
    await save_provider(None, company_a, op_a.issuer, "legami-hs", SECRET_HS)
    await _account(op_a, "mario", "mario@rossi.example")
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    _assert_failure_page(response, "algoritmo accettato")
    assert await _failures() == ["bad_algorithm"]


async def test_a_wrong_issuer_in_the_settings_fails(client, op_a, company_a) -> None:
    await save_provider(None, company_a, op_a.issuer + "/", "legami-a", SECRET_A,
                        discovery_url=op_a.discovery_url)
    response = await post_form(client, "/signin", {"email": "mario@rossi.example"})
    _assert_failure_page(response, "non corrisponde all'issuer")
    assert await _failures() == ["issuer_mismatch"]


# Keys and secrets


async def test_key_rotation_at_the_provider_keeps_sign_in_working(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    fetches = (await op_a.control("stats"))["jwks_fetches"]
    await op_a.control("rotate-keys")
    client.cookies.clear()
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    assert (await op_a.control("stats"))["jwks_fetches"] == fetches + 1


async def test_a_key_rotated_under_the_same_key_id_keeps_sign_in_working(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    fetches = (await op_a.control("stats"))["jwks_fetches"]
    await op_a.control("rotate-keys", {"same_kid": True})
    client.cookies.clear()
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    assert (await op_a.control("stats"))["jwks_fetches"] == fetches + 1


async def test_unknown_key_ids_refetch_the_keys_at_most_five_times_a_minute(
        client, op_a, company_a, person, monkeypatch) -> None:
    from app.clock import now

    moment = now()  # one minute's window for the whole test, however slow the machine
    monkeypatch.setattr("app.ratelimit.now", lambda: moment)
    await _account(op_a, "mario", "mario@rossi.example")
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    fetches = (await op_a.control("stats"))["jwks_fetches"]
    for attempt in range(7):
        await op_a.control("tamper", {"foreign_key": True, "kid": f"forged-{attempt}"})
        # Another address each time, for the sign-in form's limit of 5 per address.
        response = await _sign_in(client, person, f"m{attempt}@rossi.example", "mario")
        assert response.status_code == 400
    assert (await op_a.control("stats"))["jwks_fetches"] == fetches + 5


async def test_a_secret_rotation_takes_effect_at_once(client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    rotated = "rotated-secret-of-company-a-0123456789"
    await op_a.control("client", {"client_id": "legami-a", "client_secret": rotated})
    _assert_failure_page(await _sign_in(client, person, "mario@rossi.example", "mario"),
                         "non ha accettato il client id o il secret")
    await save_provider(None, company_a, op_a.issuer, "legami-a", rotated)
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    assert await _failures() == ["client_rejected"]


# Cancel, suspension, sign-out


async def test_cancelling_at_the_provider_explains_in_italian_or_english(
        client, op_a, company_a, person) -> None:
    back = await person.cancel(await _authorization_url(client, "mario@rossi.example"))
    assert _query(back)["error"] == "access_denied"
    italian = await _callback(client, back)
    _assert_failure_page(italian, "annullato")
    back = await person.cancel(await _authorization_url(client, "mario@rossi.example"))
    english = await _callback(client, back, lang="en")
    assert "Sign-in was cancelled at your company" in english.text.replace("&#39;", "'")
    assert await _failures() == ["cancelled", "cancelled"]
    details = await AuditEvent.select(AuditEvent.detail).where(
        AuditEvent.action == "sso.failed")
    assert all("code" not in str(row["detail"]) and "state" not in str(row["detail"])
               for row in details)


async def test_a_suspended_company_cannot_sign_in(client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    url = await _authorization_url(client, "mario@rossi.example")
    await Organization.update({Organization.status: "suspended"}).where(
        Organization.id == company_a)
    _assert_failure_page(await _callback(client, await person.sign_in(url, "mario")),
                         "è sospeso")
    _assert_failure_page(await post_form(client, "/signin", {"email": "mario@rossi.example"}),
                         "è sospeso")
    assert await Session.count() == 0
    assert await _failures() == ["suspended", "suspended"]


async def test_a_company_being_configured_is_routed_only_after_a_successful_test(
        client, op_a) -> None:
    org = await _company(op_a, "legami-a", SECRET_A, "Officine Rossi", "rossi.example",
                         status="configuring")
    response = await post_form(client, "/signin", {"email": "mario@rossi.example"})
    assert response.status_code == 200 and "refresh" not in response.headers
    await IdentityProvider.update({IdentityProvider.last_test_ok: True}).where(
        IdentityProvider.organization == org)
    assert (await _authorization_url(client, "mario@rossi.example")).startswith(op_a.issuer)


async def test_sign_out_ends_the_session_and_then_the_provider_session(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    token = (await _sign_in(client, person, "mario@rossi.example", "mario")).cookies[COOKIE]
    response = await post_form(client, "/signout", {}, page="/")
    end_session = _continue_url(response)
    assert end_session.startswith(f"{op_a.issuer}/session/end?")
    assert _query(end_session) == {"client_id": "legami-a",
                                   "post_logout_redirect_uri": f"{LEGAMI}/auth/oidc/signed-out"}
    assert await Session.count() == 0
    client.cookies.set(COOKIE, token, domain="testserver.local")
    assert (await client.get("/api/v1/me")).status_code == 401

    back = await person.sign_out(end_session)
    landing = await client.get(_local(back), follow_redirects=False)
    assert landing.headers["location"] == "/signin?signed_out=1"
    again = await person.http.get(await _authorization_url(client, "mario@rossi.example"),
                                  follow_redirects=True)
    assert 'name="login"' in again.text  # the provider asks for the password again


async def test_sign_out_of_a_mail_link_account_goes_straight_to_the_sign_in_page(
        client) -> None:
    org = await make_org(kind="school", name="IC Crema Uno")
    await sign_in(client, await make_user("coordinatrice@ic1.example", org,
                                          "school_coordinator"))
    response = await post_form(client, "/signout", {}, page="/")
    assert (response.status_code, response.headers["location"]) == (303,
                                                                    "/signin?signed_out=1")


# The wizard's connection test


async def _hr_of(client: Any, org: UUID) -> UUID:
    user = await make_user("hr@rossi.example", org, "hr_manager")
    await sign_in(client, user)
    return user


async def test_the_connection_test_records_success_and_signs_no_one_in(
        client, op_a, person) -> None:
    org = await _company(op_a, "legami-a", SECRET_A, "Officine Rossi", "rossi.example",
                         status="invited")
    await _hr_of(client, org)
    await _account(op_a, "it-admin", "it@rossi.example")
    start = await client.get(f"/auth/oidc/test/{org}", params={"next": "/portal/setup/3"},
                             follow_redirects=False)
    assert start.headers["location"].startswith(f"{op_a.issuer}/auth?")
    done = await _callback(client, await person.sign_in(start.headers["location"], "it-admin"))
    assert (done.status_code, done.headers["location"]) == (303, "/portal/setup/3")
    assert COOKIE not in done.cookies
    provider = await IdentityProvider.objects().first()
    assert provider.last_test_ok and "La connessione funziona" in provider.last_test_message
    assert await User.count() == 1 and await ExternalIdentity.count() == 0
    assert await _signed_in_email(client) == "hr@rossi.example"


async def test_a_failed_connection_test_is_recorded_in_plain_words(
        client, op_a, person) -> None:
    org = await _company(op_a, "legami-a", SECRET_A, "Officine Rossi", "rossi.example",
                         status="configuring")
    await _hr_of(client, org)
    await _account(op_a, "it-admin", "it@rossi.example")
    await op_a.control("tamper", {"claims": {"aud": "another-client"}})
    start = await client.get(f"/auth/oidc/test/{org}", params={"next": "/portal"},
                             follow_redirects=False)
    done = await _callback(client, await person.sign_in(start.headers["location"], "it-admin"))
    assert (done.status_code, done.headers["location"]) == (303, "/portal")
    provider = await IdentityProvider.objects().first()
    assert not provider.last_test_ok
    assert "per un'altra applicazione" in provider.last_test_message
    assert "client id" in provider.last_test_message
    assert await _failures() == ["wrong_audience"]


async def test_a_connection_test_with_a_wrong_issuer_is_recorded(client, op_a) -> None:
    org = await _company(op_a, "legami-a", SECRET_A, "Officine Rossi", "rossi.example",
                         status="configuring")
    await save_provider(None, org, op_a.issuer + "/realms/other", "legami-a", SECRET_A,
                        discovery_url=op_a.discovery_url)
    await _hr_of(client, org)
    start = await client.get(f"/auth/oidc/test/{org}", params={"next": "/portal"},
                             follow_redirects=False)
    assert start.headers["location"] == "/portal"
    provider = await IdentityProvider.objects().first()
    assert not provider.last_test_ok and "issuer" in provider.last_test_message


async def test_only_program_staff_and_the_companys_hr_may_start_a_test(
        client, op_a, company_a, company_b) -> None:
    await Organization.update({Organization.status: "configuring"}).where(
        Organization.id.is_in([company_a, company_b]))
    outsider = await make_user("hr@bianchi.example", company_b, "hr_manager")
    employee = await make_user("mario@rossi.example", company_a, "employee")
    program = await make_org(kind="program", name="FareLegami")
    staff = await make_user("staff@farelegami.example", program, "community_maker")
    for user, status in ((outsider, 404), (employee, 404), (staff, 302)):
        await sign_in(client, user)
        response = await client.get(f"/auth/oidc/test/{company_a}", follow_redirects=False)
        assert response.status_code == status, user


def test_every_failure_code_has_its_own_explanation() -> None:
    from app.auth.oidc import errors
    from app.web.sso_pages import explain

    codes = {value for name, value in vars(errors).items()
             if name.isupper() and isinstance(value, str)}
    assert len(codes) == 24
    fallback = explain(errors.PROVIDER_ERROR)
    assert all(explain(code) != fallback for code in codes - {errors.PROVIDER_ERROR})

# In a real browser: our CSP says `form-action 'self'`, which Chromium also applies to the
# redirects after a form post; the sign-in and sign-out answers must still reach the provider.


async def test_chromium_signs_in_and_out_through_the_provider(
        live_server: LiveServer, browser: Any, op_a, company_a) -> None:  # noqa: F811
    await _account(op_a, "mario", "mario@rossi.example", name="Mario Rossi")
    ctx = await browser.new_context(locale="it-IT")
    ctx.set_default_timeout(10_000)
    back_to_legami: list[str] = []

    async def configured_base(route: Any) -> None:
        # Legami's configured address is https://testserver.local; the server under test
        # listens on http://127.0.0.1: the test carries the browser there by hand.
        back_to_legami.append(route.request.url)
        await route.fulfill(status=200, content_type="text/plain", body="intercepted")

    await ctx.route(f"{LEGAMI}/**", configured_base)
    await ctx.route("https://fonts.googleapis.com/**", lambda route: route.abort())  # offline
    try:
        page = await ctx.new_page()
        await page.goto(f"{live_server.url}/signin")
        await page.locator("#email").fill("mario@rossi.example")
        await page.locator("main form button[type=submit]").click()
        await page.locator("input[name=login]").wait_for()
        assert page.url.startswith(f"{op_a.issuer}/interaction/")
        assert await page.locator("input[name=login]").input_value() == "mario@rossi.example"
        await page.locator("input[name=login]").fill("mario")  # the hint, replaced by the id
        await page.locator("input[name=password]").fill("any")
        await page.locator("button[type=submit]").click()
        await page.locator("button[type=submit]").click()  # consent
        await page.wait_for_function("() => document.body.innerText === 'intercepted'")
        await page.goto(live_server.local(back_to_legami.pop()))
        assert page.url == f"{live_server.url}/", await page.locator("main").inner_text()
        assert "Mario Rossi" in await page.locator("main").inner_text()

        await page.locator("header form[action='/signout'] button").click()
        await page.locator("button[name=logout]").wait_for()
        assert page.url.startswith(f"{op_a.issuer}/session/end")
        await page.locator("button[name=logout]").click()
        await page.wait_for_function("() => document.body.innerText === 'intercepted'")
        assert back_to_legami.pop() == f"{LEGAMI}/auth/oidc/signed-out"
        assert not [c for c in await ctx.cookies(live_server.url) if c["name"] == COOKIE]
    finally:
        await ctx.close()
