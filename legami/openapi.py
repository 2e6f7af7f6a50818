"""The API document keeps the component names its clients know.

Litestar names a schema component after its class, and after its module too when two
classes share a name; moving a module into a feature sub-package renamed three. The
names below are the ones the document gave before the move, restored once the document
is built (`keep_names`, called by `create_app`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Litestar
from litestar.openapi.spec import Reference

# The name Litestar gives today -> the name the document has always given.
KEPT_NAMES = {
    "civic_families_schemas_ConsentOut": "civic_family_schemas_ConsentOut",
    "civic_families_schemas_ImportProblem": "civic_family_schemas_ImportProblem",
    "company_portal_roster_service_ImportProblem": "company_portal_roster_ImportProblem",
}
PREFIX = "#/components/schemas/"


def keep_names(app: Litestar) -> None:
    """Build the app's API document now and give its components their kept names."""
    components = app.openapi_schema.components
    schemas = components.schemas or {}
    renamed = {KEPT_NAMES.get(name, name): schema for name, schema in schemas.items()}
    components.schemas = dict(sorted(renamed.items()))
    _point_references(app.openapi_schema)


def _point_references(node: Any) -> None:
    if isinstance(node, Reference):
        name = node.ref.removeprefix(PREFIX)
        if node.ref.startswith(PREFIX) and name in KEPT_NAMES:
            node.ref = PREFIX + KEPT_NAMES[name]
    elif isinstance(node, dict):
        for value in node.values():
            _point_references(value)
    elif isinstance(node, list | tuple):
        for value in node:
            _point_references(value)
    elif dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            _point_references(getattr(node, field.name))
