"""The OpenAPI document says what the API answers, all in one place.

Litestar documents each handler's success answer and its own 400 for bad parameters. The
API answers more, and differently: every error is a `Problem` (app/web/errors.py) with the
status that `error_response` gives, 422 and never 400 for invalid input. Rather than
decorating every handler, `describe_api` finishes the document once, when the app is
built, from what each route is: signed in or not, guarded by a role, taking a path, query
parameters or a body.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from http import HTTPMethod, HTTPStatus
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

from app.auth.guards import signed_in

API = "/api/v1/"
PROBLEM = "Problem"
UNSAFE = {HTTPMethod.POST, HTTPMethod.PUT, HTTPMethod.PATCH, HTTPMethod.DELETE}
MEANINGS = {
    401: "Not signed in.",
    403: "The caller's role does not allow this, or a change came without its CSRF token.",
    404: "Out of the caller's reach, or no such record.",
    413: "The body is larger than the largest upload (5 MB).",
    422: "Invalid input: `errors` names each invalid field.",
    503: "The database did not answer: try again in a few minutes.",
}

# Components named after their module, because two types share a class name. The names are
# the ones the document gave them before the layout moved (issue 15): a client generated
# from the document keeps working. Keyed on (domain, class name), which a move inside a
# domain does not change.
STABLE_NAMES = {
    ("civic", "ConsentOut"): "civic_family_schemas_ConsentOut",
    ("civic", "ImportProblem"): "civic_family_schemas_ImportProblem",
    ("company_portal", "ImportProblem"): "company_portal_roster_ImportProblem",
    ("pacts", "ConsentOut"): "pacts_pacts_schemas_ConsentOut",
}


class StrictStructs(OpenAPISchemaPlugin):
    """Litestar's schema of a msgspec struct, saying `additionalProperties: false` when the
    struct forbids unknown fields: a body with one field more is refused, so the document
    must not call it valid."""

    def __init__(self) -> None:
        self._structs = StructSchemaPlugin()

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return self._structs.is_plugin_supported_field(field_definition)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any
                          ) -> Schema:
        schema = self._structs.to_openapi_schema(field_definition, schema_creator)
        if field_definition.type_.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        _state_item_constraints(field_definition.type_, schema)
        return schema


def _state_item_constraints(struct: type, schema: Schema) -> None:
    """Litestar states a field's msgspec constraints, not those of a list's items
    (`list[RowId]`): state them too."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        kind = field.type
        if isinstance(kind, msgspec.inspect.UnionType):  # optional: the list, or null
            kind = next((t for t in kind.types if isinstance(t, msgspec.inspect.ListType)), kind)
        if not isinstance(kind, msgspec.inspect.ListType):
            continue
        item = kind.item_type
        prop = (schema.properties or {}).get(field.encode_name)
        for array in [prop, *(getattr(prop, "one_of", None) or [])]:
            items = array.items if isinstance(array, Schema) else None
            if not isinstance(items, Schema):
                continue
            if isinstance(item, msgspec.inspect.IntType):
                items.minimum, items.maximum = item.ge, item.le
            elif isinstance(item, msgspec.inspect.StrType):
                items.max_length, items.pattern = item.max_length, item.pattern


def describe_api(app: Litestar) -> None:
    """Finish the app's OpenAPI document: every error answer of every /api/v1 operation,
    with the error body, and the component names kept stable."""
    openapi = app.openapi_schema
    openapi.components.schemas[PROBLEM] = _problem_schema()
    paths = openapi.paths or {}
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_format.startswith(API):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    operation = getattr(paths[route.path_format], method.lower())
                    if operation is None:  # not in the document (OPTIONS, HEAD)
                        continue
                    _describe_errors(operation, HTTPMethod(method),
                                     handler.resolve_guards(), dict(handler.responses or {}))
    _rename_components(openapi)


def _problem_schema() -> Schema:
    """app.web.errors.Problem, as JSON Schema."""
    text = Schema(type=OpenAPIType.STRING)
    return Schema(
        type=OpenAPIType.OBJECT, required=["status", "title", "detail"],
        properties={"status": Schema(type=OpenAPIType.INTEGER), "title": text, "detail": text,
                    "errors": Schema(type=OpenAPIType.OBJECT, additional_properties=text,
                                     description="A message for each invalid field.")},
        description="An error: its status, a title and a detail in the caller's language.")


def _describe_errors(operation: Operation, method: HTTPMethod, guards: list[Any],
                     declared: dict[int, Any]) -> None:
    """The answers the route implies, and those its handler declares (`app.web.errors.
    answers`), each with the error body."""
    responses = operation.responses if operation.responses is not None else {}
    responses.pop("400", None)  # Litestar's own: the API answers invalid input with 422
    implied = _error_statuses(operation, method, guards)
    for status in sorted(set(implied) | {code for code in declared if code >= 400}):
        described = responses.get(str(status))
        if isinstance(described, OpenAPIResponse) and described.content:
            continue
        responses[str(status)] = OpenAPIResponse(
            description=MEANINGS.get(status) or HTTPStatus(status).phrase,
            content={"application/json": OpenAPIMediaType(
                schema=Reference(ref=f"#/components/schemas/{PROBLEM}"))})
    operation.responses = responses


def _error_statuses(operation: Operation, method: HTTPMethod, guards: list[Any]) -> list[int]:
    """401 for everyone not signed in; 403 for a role the route refuses, or a change
    without its CSRF token; 404 for a record out of reach (named in the path, the query
    or the body); 413 for a body over the limit; 422 for invalid input; 503 when the
    database does not answer."""
    parameters = [p for p in operation.parameters or [] if isinstance(p, Parameter)]
    located = {p.param_in for p in parameters}
    names_a_record = any(p.param_in == "query" and isinstance(p.schema, Schema)
                         and _is_uuid(p.schema) for p in parameters)
    has_body = operation.request_body is not None
    statuses = [401]
    if method in UNSAFE or any(getattr(guard, "func", guard) is not signed_in for guard in guards):
        statuses.append(403)
    if "path" in located or has_body or names_a_record:
        statuses.append(404)
    if has_body:
        statuses.append(413)
    if method in UNSAFE or "query" in located:
        statuses.append(422)
    statuses.append(503)
    return statuses


def _is_uuid(schema: Schema) -> bool:
    options = schema.one_of or [schema]
    return any(isinstance(option, Schema) and option.format == "uuid" for option in options)


def _rename_components(openapi: OpenAPI) -> None:
    schemas = openapi.components.schemas
    renamed: dict[str, str] = {}
    for name in list(schemas):
        for (domain, type_name), stable in STABLE_NAMES.items():
            if name != stable and name.startswith(f"{domain}_") and name.endswith(
                    f"_{type_name}"):
                schemas[stable] = schemas.pop(name)
                renamed[f"#/components/schemas/{name}"] = f"#/components/schemas/{stable}"
    if renamed:
        _rewrite_references(openapi, renamed)


def _rewrite_references(node: Any, renamed: dict[str, str]) -> None:
    """Point every `$ref` at a component's new name, wherever it sits in the document."""
    if isinstance(node, Reference):
        node.ref = renamed.get(node.ref, node.ref)
    elif isinstance(node, dict):
        for value in node.values():
            _rewrite_references(value, renamed)
    elif isinstance(node, list | tuple):
        for value in node:
            _rewrite_references(value, renamed)
    elif is_dataclass(node) and not isinstance(node, type):
        for field in fields(node):
            _rewrite_references(getattr(node, field.name), renamed)
