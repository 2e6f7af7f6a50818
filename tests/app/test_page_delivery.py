"""What every page brings along: gzip for a browser that accepts it, and a favicon."""

from __future__ import annotations

from typing import Any

from tests.factories import make_org, make_user, sign_in


async def test_pages_and_the_stylesheet_travel_gzipped(client: Any) -> None:
    for path in ("/signin", "/codice", "/static/legami.css"):
        plain = await client.get(path, headers={"accept-encoding": "identity"})
        packed = await client.get(path, headers={"accept-encoding": "gzip"})
        assert packed.headers.get("content-encoding") == "gzip", path
        assert "content-encoding" not in plain.headers, path
        assert packed.text == plain.text  # the client unpacks it
        assert int(packed.headers["content-length"]) < len(plain.content), path


async def test_a_signed_in_page_travels_uncompressed_against_breach(client: Any) -> None:
    """BREACH reads a secret (the CSRF token, the names on a staff page) from the size of
    compressed answers to requests an attacker shapes; a signed-in session's pages are
    therefore never compressed, while the stylesheet still is."""
    company = await make_org()
    user = await make_user("hr@rossi.example", company, "hr_manager")
    await sign_in(client, user)
    for path in ("/", "/me", "/signin?next=/%3Cmarker%3E"):
        page = await client.get(path, headers={"accept-encoding": "gzip"})
        assert page.status_code in (200, 303), path
        assert "content-encoding" not in page.headers, path
    sheet = await client.get("/static/legami.css", headers={"accept-encoding": "gzip"})
    assert sheet.headers.get("content-encoding") == "gzip"


async def test_every_page_layout_names_a_favicon_that_exists(client: Any) -> None:
    for path in ("/signin", "/codice"):  # the staff layout and the answer layout
        page = await client.get(path)
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
