"""Values as raw queries hand them back: on SQLite a UUID column comes back as text,
and JSON columns come back as text from raw queries and RETURNING on both databases.
One helper each, for every domain."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID


def as_uuid(value: Any) -> UUID:
    """A UUID, whether the driver gave a UUID or its text."""
    return value if isinstance(value, UUID) else UUID(str(value))


def json_value(value: Any) -> Any:
    """A JSON column's value, whether the driver decoded it or gave its text."""
    return json.loads(value) if isinstance(value, str) else value
