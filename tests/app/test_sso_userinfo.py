"""A provider that gives e-mail and groups at its userinfo endpoint only.

OpenID Connect allows an ID token with only sub, nonce, aud, exp, iat and iss; many
providers do that by default. Legami then asks the userinfo endpoint, and checks that
the answer is about the token's subject.
"""

# ruff: noqa: F811 (the fixtures imported from test_sso are test parameters here)

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from app.identity_providers import save_hr_claim
from app.tables import IdentityProvider, Membership, User
from tests.app.test_sso import (  # noqa: F401 (fixtures)
    _account,
    _assert_failure_page,
    _company,
    _failures,
    _sign_in,
    _signed_in_email,
    person,
)
from tests.oidc import OIDCProvider, client, running

SECRET_U = "secret-of-a-userinfo-company-0123456789"


@pytest.fixture(scope="module")
def provider_u() -> Iterator[OIDCProvider]:
    yield from running([client("legami-u", SECRET_U)], userinfo_only=True)


@pytest.fixture
async def op_u(provider_u: OIDCProvider) -> OIDCProvider:
    await provider_u.control("reset")
    return provider_u


@pytest.fixture
async def company_u(op_u: OIDCProvider) -> UUID:
    return await _company(op_u, "legami-u", SECRET_U, "Officine Rossi", "rossi.example")


async def test_the_email_from_userinfo_signs_a_person_in(client, op_u, company_u,
                                                          person) -> None:
    await _account(op_u, "mario", "mario@rossi.example")
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    assert response.status_code == 303, response.text
    assert await _signed_in_email(client) == "mario@rossi.example"
    assert (await User.objects().first()).name == "Mario"


async def test_the_hr_group_from_userinfo_makes_an_hr_manager(client, op_u, company_u,
                                                              person) -> None:
    await save_hr_claim(None, company_u, "groups", "legami-hr")
    await IdentityProvider.update({IdentityProvider.scopes: "openid email profile groups"}
                                  ).where(IdentityProvider.organization == company_u)
    await _account(op_u, "anna", "anna@rossi.example", groups=["legami-hr"])
    assert (await _sign_in(client, person, "anna@rossi.example", "anna")).status_code == 303
    roles = await Membership.select(Membership.role)
    assert [row["role"] for row in roles] == ["hr_manager"]


async def test_a_userinfo_answer_about_another_subject_is_refused(client, op_u, company_u,
                                                                  person) -> None:
    await _account(op_u, "mario", "mario@rossi.example")
    await op_u.control("tamper-userinfo", {"sub": "anna", "email": "anna@rossi.example"})
    response = await _sign_in(client, person, "mario@rossi.example", "mario")
    _assert_failure_page(response, "una persona diversa")
    assert await _failures() == ["userinfo_mismatch"]
    assert await User.count() == 0
