"""Every route, walked: a stranger reaches nothing and nothing answers with a crash.

The per-domain tests prove each route against a real neighbouring tenant; this walk
catches a route that forgot its guard or its scoping, whoever added it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.factories import make_org, make_user, sign_in

# Pages anybody may open: sign-in, public answer links, family links, health, static.
PUBLIC = re.compile(r"^/(signin|signout|language|sso|auth/link/|r/|codice|f/|p/|healthz|readyz|"
                    r"static|dev/|scim/|api/schema|$)")
PARAM = re.compile(r"\{(\w+):(\w+)\}")


def _routes(methods: tuple[str, ...] = ("GET",)) -> list[tuple[str, str]]:
    from legami.application import create_app

    app = create_app(run_jobs=False)
    found = set()
    for route in app.routes:
        path = route.path
        if PUBLIC.match(path) or "{" not in path:
            continue
        for method in getattr(route, "methods", set()):
            if method in methods:
                found.add((method, path))
    return sorted(found)


def _fill(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        kind = match.group(2)
        return str(uuid.uuid4()) if kind == "uuid" else "1" if kind == "int" else "x"

    return PARAM.sub(value, path)


ROUTES = _routes()
CHANGES = _routes(("POST", "PUT", "PATCH", "DELETE"))


def test_the_walk_sees_the_domains() -> None:
    paths = " ".join(path for _, path in ROUTES)
    for prefix in ("/portal/", "/api/v1/", "/waves/"):
        assert prefix in paths


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_a_signed_in_stranger_reaches_nothing(client: Any, method: str, path: str) -> None:
    other = await make_org(name="Altra Azienda", town="Casalmaggiore")
    stranger = await make_user("stranger@altra.example", other, "employee")
    await sign_in(client, stranger)
    response = await client.get(_fill(path), follow_redirects=False)
    assert response.status_code in (403, 404), (path, response.status_code)


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_an_anonymous_visitor_reaches_nothing(client: Any, method: str, path: str) -> None:
    response = await client.get(_fill(path), follow_redirects=False)
    assert response.status_code in (302, 303, 401, 403, 404), (path, response.status_code)
    assert response.status_code != 200


@pytest.mark.parametrize(("method", "path"), CHANGES)
async def test_a_signed_in_stranger_changes_nothing(client: Any, method: str, path: str) -> None:
    """With a valid CSRF token, so what answers is the guard or the scoping."""
    other = await make_org(name="Altra Azienda", town="Casalmaggiore")
    stranger = await make_user("stranger@altra.example", other, "employee")
    await sign_in(client, stranger)
    await client.get("/api/v1/me")
    token = client.cookies.get("legami_csrf") or ""
    response = await client.request(method, _fill(path), headers={"x-csrftoken": token},
                                    json={}, follow_redirects=False)
    assert response.status_code in (400, 403, 404, 405, 422), (path, response.status_code)
