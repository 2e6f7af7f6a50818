"""Small builders for test data, and a browser-like client."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient

from app.auth.sessions import COOKIE, start_session
from app.tables import Membership, Organization, OrganizationDomain, User

BASE_URL = "https://testserver.local"


async def make_org(kind: str = "company", name: str = "Officine Rossi", town: str = "Crema",
                   domains: tuple[str, ...] = ()) -> UUID:
    org = Organization(kind=kind, name=name, town=town)
    await org.save()
    for domain in domains:
        await OrganizationDomain(organization=org.id, domain=domain).save()
    return org.id


async def make_user(email: str, organization: UUID | None = None, role: str = "employee",
                    name: str = "") -> UUID:
    user = User(email=email, name=name)
    await user.save()
    if organization is not None:
        await Membership(user=user.id, organization=organization, role=role).save()
    return user.id


async def sign_in(client: AsyncTestClient, user_id: UUID) -> str:
    token = await start_session(user_id)
    client.cookies.set(COOKIE, token, domain="testserver.local")
    return token


async def csrf_token(client: AsyncTestClient, path: str = "/signin") -> str:
    """Open a page as a browser would; return the CSRF token its forms carry."""
    response = await client.get(path)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def post_form(client: AsyncTestClient, path: str, data: dict[str, Any],
                    page: str = "/signin") -> Any:
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


async def api_post(client: AsyncTestClient, path: str, json: Any) -> Any:
    await client.get("/api/v1/me")
    token = client.cookies.get("legami_csrf") or ""
    return await client.post(path, json=json, headers={"x-csrftoken": token})
