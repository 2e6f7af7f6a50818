"""Health, error pages, security headers and the development mailbox's absence in production."""

from __future__ import annotations

import dataclasses

import pytest
from litestar.testing import AsyncTestClient

from legami.application import create_app
from tests.factories import BASE_URL


async def test_health_and_readiness(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "broker": "ok"}


async def test_not_found_is_an_italian_page_and_json_under_api(client) -> None:
    page = await client.get("/nessuna-pagina")
    assert page.status_code == 404 and "Pagina non trovata" in page.text
    assert "Traceback" not in page.text
    api = await client.get("/api/v1/nothing-here")
    assert api.status_code in (401, 404)


async def test_every_answer_carries_security_headers_and_no_store(client) -> None:
    response = await client.get("/signin")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_openapi_schema_describes_the_api(client) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    assert "/api/v1/organizations" in schema["paths"]
    assert "/api/v1/organizations/{organization_id}/members" in schema["paths"]


async def test_the_development_mailbox_does_not_exist_in_production(monkeypatch) -> None:
    import app.settings as settings_module
    import legami.application as web

    production = dataclasses.replace(settings_module.get_settings(), environment="production")
    monkeypatch.setattr(web, "get_settings", lambda: production)
    app = web.create_app(run_jobs=False)
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        assert (await client.get("/dev/mail")).status_code == 404
        assert (await client.get("/dev/mail.json")).status_code == 404


SECURITY = ("content-security-policy", "x-frame-options", "x-content-type-options")


@pytest.mark.parametrize(("method", "path"), [("GET", "/nessuna-pagina"),
                                              ("GET", "/api/v1/nothing-here"),
                                              ("DELETE", "/signin"), ("PUT", "/healthz")])
async def test_not_found_and_not_allowed_carry_the_security_headers(client, method,
                                                                    path) -> None:
    response = await client.request(method, path)
    assert response.status_code in (401, 404, 405)
    assert all(name in response.headers for name in SECURITY), response.headers
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # development and tests


async def test_production_adds_hsts(monkeypatch) -> None:
    import app.settings as settings_module
    import app.web.middleware as middleware

    production = dataclasses.replace(settings_module.get_settings(), environment="production")
    monkeypatch.setattr(middleware, "get_settings", lambda: production)
    async with AsyncTestClient(app=create_app(run_jobs=False), base_url=BASE_URL) as client:
        for path in ("/signin", "/nessuna-pagina"):
            assert (await client.get(path)).headers["strict-transport-security"].startswith(
                "max-age=31536000")


async def test_malformed_requests_get_a_clear_4xx(client) -> None:
    from tests.factories import make_org, make_user, sign_in

    program = await make_org(kind="program", name="FareLegami")
    await sign_in(client, await make_user("staff@farelegami.example", program,
                                          "community_maker"))
    await client.get("/api/v1/me")
    csrf = {"x-csrftoken": client.cookies.get("legami_csrf") or "",
            "content-type": "application/json"}
    bad_utf8 = await client.post("/api/v1/surveys", content=b'{"title": "\xff\xfe"}',
                                 headers=csrf)
    deep = await client.post("/api/v1/surveys", content=b"[" * 1000 + b"]" * 1000,
                             headers=csrf)
    for response in (bad_utf8, deep):
        assert response.status_code in (400, 422), response.text
        assert response.json()["detail"]
    static = await client.get("/static/legami.css%00.py")
    assert static.status_code in (400, 404)
    assert "Traceback" not in static.text
async def test_a_database_outage_answers_503_try_again_and_logs_no_link(client, caplog) -> None:
    import asyncpg
    import pytest

    from tests.conftest import PG_ADMIN_URL, PG_DB_NAME, TEST_DB
    from tests.factories import make_org, make_user, sign_in

    if TEST_DB != "postgres":
        pytest.skip("an outage needs a database server: run with LEGAMI_TEST_DB=postgres")
    program = await make_org(kind="program", name="FareLegami", town="Cremona")
    await sign_in(client, await make_user("admin@farelegami.example", program, "program_admin"))
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{PG_DB_NAME}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = $1 AND pid <> pg_backend_pid()", PG_DB_NAME)
        page = await client.get("/r/Zk3_9aQ-Tok3nFamily22/1")
        api = await client.get("/api/v1/me")
    finally:
        await admin.execute(f'ALTER DATABASE "{PG_DB_NAME}" ALLOW_CONNECTIONS true')
        await admin.close()

    assert page.status_code == 503 and "Riprova tra qualche minuto" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert api.status_code == 503 and api.json()["title"] == "Temporaneamente non disponibile"
    assert "Zk3_9aQ" not in caplog.text and "/r/…" in caplog.text and "/r/…/1" not in caplog.text
    ours = [r for r in caplog.records if r.name.startswith("legami")]
    assert ours and all(r.exc_info is None for r in ours)  # an outage, not a bug to trace


async def test_a_file_between_5_and_10_mb_is_refused_with_the_413_page(client) -> None:
    """Before: the limit was Litestar's 10 MB while the page says 5 MB."""
    response = await client.post("/signin", content=b"x" * (6 * 1024 * 1024),
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413 and "massimo 5 MB" in response.text


async def test_an_upload_over_the_limit_answers_413_the_file_is_too_large(client) -> None:
    response = await client.post("/signin", content=b"x" * (11 * 1024 * 1024),
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "Pagina non trovata" not in response.text and "massimo 5 MB" in response.text
