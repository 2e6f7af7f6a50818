"""The request class of the app: JSON bodies without NUL characters.

JSON may carry `\\u0000` in a string, and the OpenAPI document cannot sensibly exclude it
from every text field; PostgreSQL refuses it in a text column (a 500 on POST
/api/v1/companies, found by schemathesis, issue 12) where SQLite stores it. A NUL means
nothing in text people write, so it is dropped before any handler sees the body: the same
on both databases, and a schema-valid body is not refused.
"""

from __future__ import annotations

from typing import Any

from litestar import Request


def without_nul(value: Any) -> Any:
    """`value` with every NUL character removed from its strings, keys included."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


class LegamiRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        return without_nul(await super().json())
