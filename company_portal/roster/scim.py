"""SCIM 2.0 provisioning, `/scim/v2/Users`: a company's identity provider keeps its roster.

Each request carries a company's bearer token and reaches only that company's users;
anything else is "not found". Answers and errors are SCIM JSON (RFC 7644), never pages.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.exceptions import HTTPException

from app.ratelimit import allow
from app.settings import get_settings
from company_portal.roster import service as roster
from integrations.hr.scim import (
    MAX_RESULTS,
    MEDIA_TYPE,
    ProvisionedUser,
    ScimError,
    error_body,
    list_response,
    parse_filter,
    service_provider_config,
    to_resource,
    user_from_resource,
)

LIMIT_PER_COMPANY = 600
LIMIT_FAILURES_PER_IP = 30
WINDOW_SECONDS = 60


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _scim_error(_: Request[Any, Any, Any], error: ScimError) -> Response:
    headers = {"www-authenticate": 'Bearer realm="scim"'} if error.status == 401 else None
    return _answer(error_body(error), error.status, headers)


def _http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response:
    return _answer(error_body(ScimError(error.status_code, str(error.detail))), error.status_code)


async def _company(request: Request[Any, Any, Any]) -> UUID:
    """The company of the request's bearer token; rate-limited per company, and per address
    for requests without a valid token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    company = await roster.scim_company(token) if scheme.lower() == "bearer" and token else None
    if company is None:
        address = request.client.host if request.client else "unknown"
        allowed = await allow(f"scim:ip:{address}", LIMIT_FAILURES_PER_IP, WINDOW_SECONDS)
    else:
        allowed = await allow(f"scim:company:{company}", LIMIT_PER_COMPANY, WINDOW_SECONDS)
    if not allowed:
        raise ScimError(429, "too many requests; slow down")
    if company is None:
        raise ScimError(401, "a valid bearer token is required")
    return company


async def _json(request: Request[Any, Any, Any]) -> Any:
    try:
        return msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        raise ScimError(400, "the body is not valid JSON", "invalidSyntax") from None


def _index(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ScimError(400, f"{name} must be a whole number", "invalidValue") from None


def _user(provisioned: ProvisionedUser, status: int = 200) -> Response:
    resource = to_resource(provisioned, get_settings().base_url)
    headers = {"location": resource["meta"]["location"]} if status == 201 else None
    return _answer(resource, status, headers)


class ScimController(Controller):
    path = "/scim/v2"
    include_in_schema = False
    exception_handlers = {ScimError: _scim_error, HTTPException: _http_error}

    @get("/ServiceProviderConfig")
    async def config(self, request: Request[Any, Any, Any]) -> Response:
        await _company(request)
        return _answer(service_provider_config())

    @get("/Users")
    async def list_users(self, request: Request[Any, Any, Any]) -> Response:
        company = await _company(request)
        query = request.query_params
        start = max(_index(query.get("startIndex"), 1, "startIndex"), 1)
        count = min(max(_index(query.get("count"), 100, "count"), 0), MAX_RESULTS)
        total, users = await roster.scim_list(company, parse_filter(query.get("filter")),
                                              start, count)
        base_url = get_settings().base_url
        return _answer(list_response(total, start, [to_resource(u, base_url) for u in users]))

    @post("/Users")
    async def create_user(self, request: Request[Any, Any, Any]) -> Response:
        company = await _company(request)
        user = user_from_resource(await _json(request))
        return _user(await roster.scim_create(company, user), 201)

    @get("/Users/{scim_id:str}")
    async def get_user(self, request: Request[Any, Any, Any], scim_id: str) -> Response:
        company = await _company(request)
        return _user(await roster.scim_get(company, scim_id))

    @put("/Users/{scim_id:str}")
    async def replace_user(self, request: Request[Any, Any, Any], scim_id: str) -> Response:
        company = await _company(request)
        user = user_from_resource(await _json(request))
        return _user(await roster.scim_replace(company, scim_id, user))

    @patch("/Users/{scim_id:str}")
    async def patch_user(self, request: Request[Any, Any, Any], scim_id: str) -> Response:
        company = await _company(request)
        return _user(await roster.scim_patch(company, scim_id, await _json(request)))

    @delete("/Users/{scim_id:str}", status_code=204)
    async def delete_user(self, request: Request[Any, Any, Any], scim_id: str) -> None:
        company = await _company(request)
        await roster.scim_delete(company, scim_id)
