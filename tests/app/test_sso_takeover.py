"""Identities that can't be borrowed: the takeovers of issue 12, played end to end.

A company's provider vouches for addresses in that company's verified domains only, and
a session it opens carries that company's roles only. The attacker either controls a
person's claims at company A's provider or, as A's HR manager, points A at a provider
they run; the prize is an address another company or the program will later invite.
"""

# ruff: noqa: F811 (the fixtures imported from test_sso are test parameters here)

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest

from app.auth.sessions import COOKIE
from app.bootstrap import create_admin
from app.tables import AuditEvent, ExternalIdentity, Membership, Session, User
from tests.app.test_sso import (  # noqa: F401 (fixtures)
    SECRET_B,
    _account,
    _assert_failure_page,
    _callback,
    _failures,
    _sign_in,
    company_a,
    company_b,
    op_a,
    op_b,
    person,
    provider_a,
    provider_b,
)
from tests.factories import api_post, make_org, make_user, sign_in
from tests.oidc import OIDCProvider, ProviderBrowser

# What a provider might say to borrow another mailbox, for company A (rossi.example).
FOREIGN_ADDRESSES = [
    "someone@bianchi.example",
    "Someone@BIANCHI.Example",
    "someone@bianchi.example.",
    "someone+hr@bianchi.example",
    "someone@bianchi.example@rossi.example",
    '"someone@bianchi.example"@rossi.example',
    "someone%bianchi.example@rossi.example",
    "someone@sub.rossi.example",
    "someone@rossi.example.bianchi.example",
    "someone@rossi.example.",
    "someone@r\u043essi.example",  # Cyrillic o
    "someone@\uff52ossi.example",  # fullwidth r
    "someone@rossi.example\u200b",  # zero-width space
    "new.staff@farelegami.example",
    "New.Staff+x@FareLegami.Example.",
]


async def _roles(client: Any) -> set[tuple[str, str]]:
    me = await client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    return {(grant["organization"], grant["role"]) for grant in me.json()["memberships"]}


async def _email_changes() -> list[dict[str, Any]]:
    rows = await AuditEvent.select(AuditEvent.detail).where(
        AuditEvent.action == "sso.email_changed")
    return [row["detail"] if isinstance(row["detail"], dict) else json.loads(row["detail"])
            for row in rows]


@pytest.mark.parametrize("claimed", FOREIGN_ADDRESSES)
async def test_a_returning_persons_address_outside_the_verified_domains_is_refused_and_kept(
        client, op_a, company_a, person, claimed) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    await _account(op_a, "mario", claimed)
    client.cookies.clear()
    refused = await _sign_in(client, person, "mario@rossi.example", "mario")
    _assert_failure_page(refused, "non ha verificato")
    users = await User.select(User.email)
    assert [row["email"] for row in users] == ["mario@rossi.example"]
    assert await _failures() == ["foreign_email"]
    assert await Session.count() == 1 and await _email_changes() == []


@pytest.mark.parametrize("claimed", FOREIGN_ADDRESSES)
async def test_a_first_sign_in_with_a_borrowed_address_gets_no_account(
        client, op_a, company_a, person, claimed) -> None:
    await _account(op_a, "mario", claimed)
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    _assert_failure_page(response, "domini verificati")
    assert await User.count() == 0 and await ExternalIdentity.count() == 0


async def test_an_address_change_inside_the_company_is_followed_and_audited(
        client, op_a, company_a, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    await _sign_in(client, person, "mario@rossi.example", "mario")
    await _account(op_a, "mario", " Mario.Rossi@Rossi.Example ")
    client.cookies.clear()
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    assert (await client.get("/api/v1/me")).json()["email"] == "mario.rossi@rossi.example"
    assert await _email_changes() == [{"previous": "mario@rossi.example",
                                       "new": "mario.rossi@rossi.example"}]


async def _program_admin(client: Any) -> UUID:
    program = await make_org(kind="program", name="FareLegami",
                             domains=("farelegami.example",))
    await sign_in(client, await make_user("direzione@farelegami.example", program,
                                          "program_admin"))
    return program


async def test_an_address_of_another_company_cannot_be_taken_before_its_invitation(
        client, op_a, op_b, company_a, company_b, person) -> None:
    await _account(op_a, "mario", "mario@rossi.example")
    await _sign_in(client, person, "mario@rossi.example", "mario")
    await _account(op_a, "mario", "hr@bianchi.example")
    client.cookies.clear()
    _assert_failure_page(await _sign_in(client, person, "mario@rossi.example", "mario"),
                         "non ha verificato")

    await _program_admin(client)
    invited = await api_post(client, f"/api/v1/organizations/{company_b}/members",
                             {"email": "hr@bianchi.example", "name": "Bice",
                              "role": "hr_manager"})
    assert invited.status_code == 201, invited.text

    await _account(op_a, "mario", "mario@rossi.example")
    client.cookies.clear()
    assert (await _sign_in(client, person, "mario@rossi.example", "mario")).status_code == 303
    assert await _roles(client) == {("Officine Rossi", "employee")}

    await _account(op_b, "bice", "hr@bianchi.example")
    client.cookies.clear()
    real_hr = ProviderBrowser()
    try:
        assert (await _sign_in(client, real_hr, "hr@bianchi.example", "bice")
                ).status_code == 303
    finally:
        await real_hr.close()
    assert await _roles(client) == {("Bianchi Srl", "hr_manager")}
    assert (await client.get("/api/v1/me")).json()["user_id"] == invited.json()["user_id"]


async def _point_company_at(client: Any, company: UUID, provider: OIDCProvider) -> None:
    """As the company's HR manager: their own provider in the wizard, and its test."""
    await client.get("/api/v1/me")
    saved = await client.put(
        f"/api/v1/companies/{company}/identity-provider",
        json={"issuer": provider.issuer, "client_id": "legami-b", "client_secret": SECRET_B},
        headers={"x-csrftoken": client.cookies.get("legami_csrf") or ""})
    assert saved.status_code == 200, saved.text
    await _account(provider, "it", "it@rossi.example")
    start = await client.get(f"/auth/oidc/test/{company}", params={"next": "/portal"},
                             follow_redirects=False)
    it_office = ProviderBrowser()
    try:
        done = await _callback(client, await it_office.sign_in(start.headers["location"], "it"))
    finally:
        await it_office.close()
    assert done.headers["location"] == "/portal"


async def test_an_hr_manager_running_their_companys_provider_cannot_become_program_admin(
        client, op_a, op_b, company_a, person) -> None:
    await sign_in(client, await make_user("hr@rossi.example", company_a, "hr_manager"))
    await _point_company_at(client, company_a, op_b)
    client.cookies.clear()
    await _account(op_b, "evil", "evil@rossi.example")
    assert (await _sign_in(client, person, "evil@rossi.example", "evil")).status_code == 303

    await _account(op_b, "evil", "new.staff@farelegami.example")
    client.cookies.clear()
    _assert_failure_page(await _sign_in(client, person, "evil@rossi.example", "evil"),
                         "non ha verificato")
    admin = await create_admin("new.staff@farelegami.example", "Nuovo Staff")
    evil = await ExternalIdentity.select(ExternalIdentity.user).where(
        ExternalIdentity.subject == "evil").first()
    assert evil["user"] != admin

    await _account(op_b, "evil", "evil@rossi.example")
    client.cookies.clear()
    assert (await _sign_in(client, person, "evil@rossi.example", "evil")).status_code == 303
    assert await _roles(client) == {("Officine Rossi", "employee")}


async def test_program_roles_never_come_through_a_companys_provider(
        client, op_a, op_b, company_a, person) -> None:
    """Even for an address in the company's own domain, made program admin later."""
    await sign_in(client, await make_user("hr@rossi.example", company_a, "hr_manager"))
    await _point_company_at(client, company_a, op_b)
    boss = await make_user("boss@rossi.example", company_a, "employee")
    await create_admin("boss@rossi.example")

    await _account(op_b, "evil", "boss@rossi.example")
    client.cookies.clear()
    assert (await _sign_in(client, person, "boss@rossi.example", "evil")).status_code == 303
    assert await _roles(client) == {("Officine Rossi", "employee")}
    created = await client.post("/api/v1/organizations", json={
        "kind": "company", "name": "Evil", "town": "", "domains": []},
        headers={"x-csrftoken": client.cookies.get("legami_csrf") or ""})
    assert created.status_code == 403
    assert await Membership.count().where(Membership.role == "program_admin") == 1

    client.cookies.clear()
    await sign_in(client, boss)  # a mail link proves the mailbox: the role is there
    assert ("FareLegami", "program_admin") in await _roles(client)
    assert COOKIE in client.cookies
