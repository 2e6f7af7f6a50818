"""SCIM 2.0 (RFC 7643, 7644): the User resource as identity providers push it, and back.

Only what a roster needs is kept: userName and externalId (how the provider names the
person), the employee number, display name, one e-mail, department and site, and
`active`. The employee number (enterprise `employeeNumber`, or `userName` when absent)
is the roster's key, so people first imported from a CSV file are recognised when the
provider starts pushing them. The site is the work address (`addresses[type eq "work"]`,
where Entra ID puts the office).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.organizations import EMAIL_RE

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
MEDIA_TYPE = "application/scim+json"
MAX_RESULTS = 200
LIMITS = {"userName": 320, "externalId": 255, "employeeNumber": 64, "displayName": 200,
          "department": 100, "site": 100}
FILTER = re.compile(r'^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)
VALUE_PATH = re.compile(r'^(\w+)\[\s*type\s+eq\s+"([^"]*)"\s*\](?:\.(\w+))?$', re.IGNORECASE)


class ScimError(Exception):
    """A request the SCIM API refuses, with the status and `scimType` RFC 7644 asks for."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


@dataclass(frozen=True)
class ScimUser:
    user_name: str
    external_id: str | None
    employee_number: str | None
    name: str
    email: str | None
    department: str
    site: str
    active: bool

    @property
    def employee_ref(self) -> str:
        return self.employee_number or self.user_name


@dataclass(frozen=True)
class ProvisionedUser:
    id: str
    user: ScimUser
    created: datetime
    last_modified: datetime


def _get(obj: Any, name: str) -> Any:
    """Attribute names are case-insensitive in SCIM."""
    if not isinstance(obj, dict):
        return None
    wanted = name.lower()
    return next((value for key, value in obj.items() if key.lower() == wanted), None)


def _string(obj: Any, name: str, limit_key: str | None = None) -> str:
    value = _get(obj, name)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ScimError(400, f"{name} must be a string", "invalidValue")
    text = " ".join(str(value).split())
    limit = LIMITS.get(limit_key or name)
    if limit and len(text) > limit:
        raise ScimError(400, f"{name} is longer than {limit} characters", "invalidValue")
    return text


def _boolean(value: Any) -> bool:
    # Entra ID has sent "True"/"False" as strings in PATCH operations.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ScimError(400, "active must be true or false", "invalidValue")


def _pick(items: Any, wanted_type: str) -> Any:
    """The primary item of a multi-valued attribute, else one of `wanted_type`, else the first."""
    if not isinstance(items, list) or not items:
        return None
    dicts = [item for item in items if isinstance(item, dict)]
    for test in (lambda i: _get(i, "primary") is True,
                 lambda i: str(_get(i, "type") or "").lower() == wanted_type):
        found = next((item for item in dicts if test(item)), None)
        if found is not None:
            return found
    return dicts[0] if dicts else None


def _name(resource: dict[str, Any]) -> str:
    display = _string(resource, "displayName")
    if display:
        return display
    name = _get(resource, "name")
    formatted = _string(name, "formatted", "displayName")
    if formatted:
        return formatted
    parts = (_string(name, "givenName", "displayName"), _string(name, "familyName", "displayName"))
    return " ".join(part for part in parts if part)[: LIMITS["displayName"]]


def _email(resource: dict[str, Any]) -> str | None:
    email = _string(_pick(_get(resource, "emails"), "work"), "value", "userName").lower()
    if email and not EMAIL_RE.match(email):
        raise ScimError(400, f"{email} is not a valid e-mail address", "invalidValue")
    return email or None


def _site(resource: dict[str, Any]) -> str:
    address = _pick(_get(resource, "addresses"), "work")
    return _string(address, "locality", "site") or _string(address, "formatted", "site")


def user_from_resource(resource: Any) -> ScimUser:
    """Read a User resource (POST, PUT, or the result of a PATCH); 400 when it cannot be."""
    if not isinstance(resource, dict):
        raise ScimError(400, "the body must be a JSON object", "invalidSyntax")
    user_name = _string(resource, "userName")
    if not user_name:
        raise ScimError(400, "userName is required", "invalidValue")
    enterprise = _get(resource, ENTERPRISE_SCHEMA)
    active = _get(resource, "active")
    return ScimUser(
        user_name=user_name,
        external_id=_string(resource, "externalId") or None,
        employee_number=_string(enterprise, "employeeNumber") or None,
        name=_name(resource),
        email=_email(resource),
        department=_string(enterprise, "department"),
        site=_site(resource),
        active=True if active is None else _boolean(active),
    )


def to_resource(provisioned: ProvisionedUser, base_url: str) -> dict[str, Any]:
    """The User resource Legami answers with."""
    user = provisioned.user
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "id": provisioned.id,
        "userName": user.user_name,
        "displayName": user.name,
        "name": {"formatted": user.name},
        "active": user.active,
        "emails": [{"value": user.email, "type": "work", "primary": True}] if user.email else [],
        "addresses": [{"type": "work", "locality": user.site}] if user.site else [],
        ENTERPRISE_SCHEMA: {"department": user.department},
        "meta": {
            "resourceType": "User",
            "created": provisioned.created.isoformat(),
            "lastModified": provisioned.last_modified.isoformat(),
            "location": f"{base_url}/scim/v2/Users/{provisioned.id}",
        },
    }
    if user.external_id:
        resource["externalId"] = user.external_id
    # Shown only when it was given: otherwise the key is the userName itself.
    if user.employee_ref != user.user_name:
        resource[ENTERPRISE_SCHEMA]["employeeNumber"] = user.employee_ref
    return resource


def list_response(total: int, start_index: int, resources: list[dict[str, Any]]
                  ) -> dict[str, Any]:
    return {"schemas": [LIST_SCHEMA], "totalResults": total, "startIndex": start_index,
            "itemsPerPage": len(resources), "Resources": resources}


def error_body(error: ScimError) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(error.status),
                            "detail": error.detail}
    if error.scim_type:
        body["scimType"] = error.scim_type
    return body


def service_provider_config() -> dict[str, Any]:
    return {
        "schemas": [CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer token",
                                   "description": "A per-company token made in Legami."}],
    }


def parse_filter(expression: str | None) -> tuple[str, str] | None:
    """`userName eq "…"` or `externalId eq "…"` as (attribute, value); None for no filter."""
    if not expression:
        return None
    match = FILTER.match(expression)
    if match is None:
        raise ScimError(400, 'only userName eq "…" and externalId eq "…" are supported',
                        "invalidFilter")
    value = re.sub(r"\\(.)", r"\1", match.group(2))
    return ("userName" if match.group(1).lower() == "username" else "externalId", value)


def apply_patch(resource: dict[str, Any], body: Any) -> dict[str, Any]:
    """Apply a PatchOp request (add, replace, remove) to a copy of `resource`."""
    operations = _get(body, "Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "a PatchOp needs a list of Operations", "invalidSyntax")
    patched = copy.deepcopy(resource)
    for operation in operations:
        op = str(_get(operation, "op") or "").lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, f"unsupported op {op!r}", "invalidSyntax")
        path, value = _get(operation, "path"), _get(operation, "value")
        if path:
            _apply(patched, op, str(path), value)
        elif op != "remove" and isinstance(value, dict):
            for key, item in value.items():
                _apply(patched, op, key, item)
        else:
            raise ScimError(400, "this operation needs a path", "noTarget")
    return patched


def _split_urn(path: str) -> tuple[list[str], str]:
    """(containers, attribute path) for a path that may start with a schema URN."""
    for schema, containers in ((ENTERPRISE_SCHEMA, [ENTERPRISE_SCHEMA]), (USER_SCHEMA, [])):
        if path.lower().startswith(schema.lower()):
            return containers, path[len(schema):].lstrip(":")
    return [], path


def _container(resource: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    current = resource
    for key in keys:
        found = next((k for k in current if k.lower() == key.lower()), key)
        if not isinstance(current.get(found), dict):
            current[found] = {}
        current = current[found]
    return current


def _set(target: dict[str, Any], op: str, attribute: str, value: Any) -> None:
    existing = next((k for k in target if k.lower() == attribute.lower()), attribute)
    if op == "remove":
        target.pop(existing, None)
    elif op == "add" and isinstance(target.get(existing), list) and isinstance(value, list):
        if any(_get(item, "primary") is True for item in value):
            # Only one value may be primary (RFC 7643, 2.4): the one added wins.
            target[existing] = [{k: v for k, v in item.items() if k.lower() != "primary"}
                                if isinstance(item, dict) else item for item in target[existing]]
        target[existing] = target[existing] + value
    else:
        target[existing] = value


def _apply(resource: dict[str, Any], op: str, path: str, value: Any) -> None:
    containers, rest = _split_urn(path)
    if not rest:
        if op == "remove" or not isinstance(value, dict):
            raise ScimError(400, f"cannot {op} {path}", "invalidPath")
        for key, item in value.items():
            _set(_container(resource, containers), op, key, item)
        return
    filtered = VALUE_PATH.match(rest)
    if filtered:
        _apply_filtered(_container(resource, containers), op, filtered, value)
        return
    if not re.fullmatch(r"\w+(\.\w+)?", rest):
        raise ScimError(400, f"unsupported path {path}", "invalidPath")
    *parents, attribute = rest.split(".")
    _set(_container(resource, containers + parents), op, attribute, value)


def _apply_filtered(target: dict[str, Any], op: str, match: re.Match[str], value: Any) -> None:
    """`emails[type eq "work"].value` and the like: one item of a multi-valued attribute."""
    attribute, wanted_type, sub = match.group(1), match.group(2).lower(), match.group(3)
    key = next((k for k in target if k.lower() == attribute.lower()), attribute)
    items = [i for i in target.get(key) or [] if isinstance(i, dict)]
    matching = [i for i in items if str(_get(i, "type") or "").lower() == wanted_type]
    if op == "remove" and not sub:
        target[key] = [i for i in items if i not in matching]
        return
    if not matching:
        matching = [{"type": wanted_type}]
        items.append(matching[0])
    for item in matching:
        if sub:
            _set(item, op, sub, value)
        elif isinstance(value, dict):
            item.update(value)
    target[key] = items
