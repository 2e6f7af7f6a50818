"""Pages and the stylesheet travel gzipped to a browser that accepts it."""

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
