"""What every page brings along: gzip for a browser that accepts it, and a favicon."""

from __future__ import annotations

from typing import Any


async def test_pages_and_the_stylesheet_travel_gzipped(client: Any) -> None:
    for path in ("/signin", "/codice", "/static/legami.css"):
        plain = await client.get(path, headers={"accept-encoding": "identity"})
        packed = await client.get(path, headers={"accept-encoding": "gzip"})
        assert packed.headers.get("content-encoding") == "gzip", path
        assert "content-encoding" not in plain.headers, path
        assert packed.text == plain.text  # the client unpacks it
        assert int(packed.headers["content-length"]) < len(plain.content), path


async def test_every_page_layout_names_a_favicon_that_exists(client: Any) -> None:
    for path in ("/signin", "/codice"):  # the staff layout and the answer layout
        page = await client.get(path)
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
