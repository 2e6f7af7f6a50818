"""Sign-in by one-time link, sessions and sign-out, as a browser sees them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx

from app.auth.sessions import COOKIE
from app.clock import now
from app.crypto import token_hash
from app.tables import DevMail, OutboxJob, Session, SignInToken
from tests.factories import BASE_URL, make_org, make_user, post_form
from worker.runner import run_job


async def _deliver_jobs() -> None:
    for row in await OutboxJob.select(OutboxJob.id).where(OutboxJob.status == "pending"):
        await run_job(row["id"])


async def _link_for(client, email: str) -> str:
    response = await post_form(client, "/signin", {"email": email})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    await _deliver_jobs()
    mail = await DevMail.objects().where(DevMail.to_address == email).first()
    assert mail is not None, "no sign-in mail was sent"
    match = re.search(r"https://testserver\.local(/auth/link/[\w-]+)", mail.text)
    assert match, mail.text
    return match.group(1)


async def _use(client, path: str):
    """Press the button on the link's page, sending its hidden fields as a browser would."""
    page = (await client.get(path)).text
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page))
    fields.update(re.findall(r'name="(_csrf_token)" value="([^"]+)"', page))
    action = re.search(r'<form method="post" action="([^"]+)"', page.split("<main")[1])
    return await client.post(action.group(1), data=fields, follow_redirects=False)


async def test_sign_in_link_signs_in_once_with_a_new_session(client) -> None:
    org = await make_org(kind="school", name="IC Crema Uno")
    await make_user("coordinatrice@ic1.example", org, "school_coordinator", "Giulia")
    client.cookies.set(COOKIE, "a-session-id-planted-before-sign-in", domain="testserver.local")
    link = await _link_for(client, "coordinatrice@ic1.example")

    first = await _use(client, link)
    assert first.status_code in (302, 303)
    session_token = first.cookies.get(COOKIE)
    assert session_token and session_token != "a-session-id-planted-before-sign-in"
    assert "Giulia" in (await client.get("/")).text

    client.cookies.clear()
    second = await _use(client, link)
    assert second.status_code == 400
    assert "non funziona più" in second.text
    assert await Session.count() == 1


async def test_sign_in_cookie_is_httponly_lax_and_secure(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    link = await _link_for(client, "hr@rossi.example")
    response = await _use(client, link)
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "secure" in header


async def test_sign_in_link_expires_after_fifteen_minutes(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    link = await _link_for(client, "hr@rossi.example")
    await SignInToken.update({SignInToken.expires_at: now() - timedelta(seconds=1)}).where(
        SignInToken.id.is_not_null()
    )
    response = await _use(client, link)
    assert response.status_code == 400
    assert COOKIE not in response.cookies
    stored = await SignInToken.select(SignInToken.token_hash)
    assert [len(row["token_hash"]) for row in stored] == [64]
    assert link.rsplit("/", 1)[1] not in stored[0]["token_hash"]  # only the hash is kept


async def test_link_signs_in_only_the_person_it_was_sent_to(client) -> None:
    org = await make_org()
    await make_user("anna@rossi.example", org, "hr_manager", "Anna")
    await make_user("bruno@rossi.example", org, "employee", "Bruno")
    link = await _link_for(client, "anna@rossi.example")
    await _use(client, link)
    me = (await client.get("/api/v1/me")).json()
    assert me["email"] == "anna@rossi.example"
    assert not await DevMail.exists().where(DevMail.to_address == "bruno@rossi.example")


async def test_unknown_address_gets_the_same_answer_and_no_mail(client) -> None:
    response = await post_form(client, "/signin", {"email": "nobody@nowhere.example"})
    assert response.status_code == 200
    assert "nobody@nowhere.example" in response.text
    assert await OutboxJob.count() == 0


async def test_sign_in_form_without_an_address_explains_in_italian(client) -> None:
    response = await post_form(client, "/signin", {"email": "not an address"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Inserisci il tuo indirizzo e-mail" in response.text
    assert 'aria-invalid="true"' in response.text


async def test_sign_out_ends_the_session_on_the_server(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    link = await _link_for(client, "hr@rossi.example")
    token = (await _use(client, link)).cookies[COOKIE]
    response = await post_form(client, "/signout", {}, page="/")
    assert response.status_code in (302, 303)
    assert await Session.count() == 0

    client.cookies.set(COOKIE, token, domain="testserver.local")  # the old cookie, replayed
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_idle_and_old_sessions_are_refused(client) -> None:
    org = await make_org()
    user = await make_user("hr@rossi.example", org, "hr_manager")
    from app.auth.sessions import start_session

    idle = await start_session(user)
    old = await start_session(user)
    await Session.update({Session.last_seen_at: now() - timedelta(hours=2)}).where(
        Session.id != "x"
    )
    await Session.update({Session.created_at: now() - timedelta(hours=13),
                          Session.last_seen_at: now()}).where(Session.id == _hash(old))
    for token in (idle, old):
        client.cookies.set(COOKIE, token, domain="testserver.local")
        assert (await client.get("/api/v1/me")).status_code == 401
    assert await Session.count() == 0


def _hash(token: str) -> str:

    return token_hash(token)


async def test_sign_in_requests_are_rate_limited_per_requester_and_address(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    statuses = [
        (await post_form(client, "/signin", {"email": "hr@rossi.example"})).status_code
        for _ in range(7)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[-1] == 429
    assert await OutboxJob.count() == 5


@asynccontextmanager
async def _from(client, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, on another network address, at the same application."""
    transport = httpx.ASGITransport(app=client.app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as other:
        yield other


async def test_a_stranger_cannot_lock_a_named_person_out(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    async with _from(client, "203.0.113.7") as stranger:
        for _ in range(6):
            await stranger.get("/login", params={"email": "hr@rossi.example"})
        assert (await post_form(stranger, "/signin", {"email": "hr@rossi.example"})
                ).status_code == 429
    async with _from(client, "198.51.100.20") as victim:
        assert (await post_form(victim, "/signin", {"email": "hr@rossi.example"})
                ).status_code == 200
    assert await OutboxJob.count() == 1  # the victim's: the stranger's GETs mailed nothing


async def test_one_person_gets_at_most_five_links_whoever_asks(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    for number in range(7):
        async with _from(client, f"203.0.113.{number}") as someone:
            answer = await post_form(someone, "/signin", {"email": "hr@rossi.example"})
            assert answer.status_code == 200  # the same page: the links sent still work
    assert await OutboxJob.count() == 5


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(client, monkeypatch) -> None:
    from app.settings import get_settings

    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")

    async def statuses(peer: str, forwarded: str) -> list[int]:
        async with _from(client, peer) as browser:
            return [(await browser.get("/login", params={"email": "hr@rossi.example"},
                                       headers={"x-forwarded-for": forwarded})).status_code
                    for _ in range(6)]

    # Untrusted by default: a client that rotates the header is still one requester.
    assert (await statuses("127.0.0.1", "198.51.100.1"))[-1] == 429
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    get_settings.cache_clear()
    try:
        for number in range(2):  # behind the proxy, two clients: each with its own count
            assert await statuses("10.0.0.2", f"1.2.3.4, 198.51.100.{50 + number}") == [
                200] * 5 + [429]
    finally:
        monkeypatch.delenv("TRUSTED_PROXIES")
        get_settings.cache_clear()


async def test_the_link_leads_back_to_the_page_that_asked_for_sign_in(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    response = await post_form(client, "/signin", {"email": "hr@rossi.example",
                                                   "next": f"/portal/{org}/onboarding"})
    assert response.status_code == 200
    await _deliver_jobs()
    mail = await DevMail.objects().first()
    match = re.search(r"https://testserver\.local(/auth/link/[\w-]+\?next=[^\s]+)", mail.text)
    assert match, mail.text
    used = await _use(client, match.group(1))
    assert used.headers["location"] == f"/portal/{org}/onboarding"


async def test_a_link_never_leads_off_site(client) -> None:
    org = await make_org()
    await make_user("hr@rossi.example", org, "hr_manager")
    await post_form(client, "/signin", {"email": "hr@rossi.example",
                                        "next": "//evil.example/phish"})
    await _deliver_jobs()
    mail = await DevMail.objects().first()
    assert "evil.example" not in mail.text
