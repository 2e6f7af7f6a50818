"""Errors as pages in the user's language (JSON under /api); never a stack trace."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from urllib.parse import quote

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template

from app.errors import InvalidInput
from app.i18n import _
from app.startup import database_problem

log = logging.getLogger("legami.web")


class Problem(msgspec.Struct, omit_defaults=True):
    """An API error (the OpenAPI document's `Problem`, legami/openapi.py)."""

    status: int
    title: str
    detail: str
    errors: dict[str, str] = msgspec.field(default_factory=dict)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        401: (_("Please sign in"), _("This page is for signed-in users.")),
        403: (_("Not allowed"), _("Your role does not allow this. If you think it should, "
                                  "ask the program staff.")),
        404: (_("Page not found"), _("The page does not exist, or you cannot see it. "
                                     "Check the address or go back to the home page.")),
        405: (_("Not allowed"), _("This action is not available here.")),
        422: (_("Check what you entered"), _("Some values are not valid. Correct them and "
                                             "try again.")),
        413: (_("The file is too large"), _("The file is too large (at most 5 MB). Choose a "
                                            "smaller file and try again.")),
        429: (_("Too many attempts"), _("Please wait a few minutes and try again.")),
        500: (_("Something went wrong"), _("It is not your fault. Try again in a few "
                                           "minutes; if it happens again, tell the program "
                                           "staff.")),
        503: (_("Temporarily unavailable"), _("Try again in a few minutes.")),
    }


def answers(*statuses: int) -> dict[int, ResponseSpec]:
    """Error statuses a handler answers beyond those its route implies (a role checked by
    the service, say): for its `responses=`; legami/openapi.py gives them the error body."""
    return {status: ResponseSpec(data_container=None, description=HTTPStatus(status).phrase)
            for status in statuses}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, errors: dict[str, str] | None = None
                   ) -> Response:
    title, detail = _messages().get(status, _messages()[500 if status >= 500 else 404])
    if _is_api(request):
        return Response(Problem(status, title, detail, errors or {}), status_code=status,
                        media_type=MediaType.JSON)
    return Template("error.html", context={"status": status, "title": title, "detail": detail,
                                           "errors": errors or {}}, status_code=status)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status == 401 and not _is_api(request):
        return Redirect(f"/signin?next={quote(request.url.path)}")
    if isinstance(exc, ValidationException) or status == 400:
        return error_response(request, 422, _validation_errors(exc))
    if status == 403 and "csrf" in str(exc.detail).lower():
        return error_response(request, 403, {"csrf": _(
            "The form has expired or did not come from Legami. Reload the page and try again."
        )})
    return error_response(request, status)


def invalid_input_handler(request: Request, exc: InvalidInput) -> Response:
    return error_response(request, 422, exc.errors)


def malformed_body_handler(request: Request, exc: Exception) -> Response:
    """A body that is not UTF-8, or JSON nested deeper than the decoder goes: the sender's
    mistake, not ours."""
    return error_response(request, 422, {"body": _(
        "The request body is not valid JSON: it must be UTF-8 text, and not nested too "
        "deeply.")})


def value_error_handler(request: Request, exc: ValueError) -> Response:
    """A NUL in the path (`/static/legami.css%00.py`) makes the file system refuse the
    name: no such page. Any other ValueError is ours."""
    if "\x00" in request.url.path:
        return error_response(request, 404)
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    problem = database_problem(exc)
    if problem is not None:  # an outage, not a bug: one line, and "try again" for the user
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                    problem)
        return error_response(request, 503)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500)


# The bounds the OpenAPI document states (msgspec's words), said in the reader's language.
_BOUND = re.compile(r"Expected `(\w+)`(?: of length)? (>=|<=) (\d+)")


def _field_message(message: str) -> str:
    bound = _BOUND.search(message)
    if bound is None:
        return _("Missing or not valid.")
    kind, sign, number = bound.groups()
    if kind == "str":
        text = _("At least {n} characters.") if sign == ">=" else _("At most {n} characters.")
    elif kind == "array":
        if sign == ">=" and number == "1":
            return _("Give at least one.")
        text = _("At least {n} items.") if sign == ">=" else _("At most {n} items.")
    else:
        text = _("At least {n}.") if sign == ">=" else _("At most {n}.")
    return text.format(n=number)


def _validation_errors(exc: HTTPException) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or "body")
            errors[key] = _field_message(str(item.get("message") or ""))
    return errors or {"body": _("The request is not valid JSON of the expected shape.")}


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    InvalidInput: invalid_input_handler,
    UnicodeDecodeError: malformed_body_handler,
    RecursionError: malformed_body_handler,
    ValueError: value_error_handler,
    Exception: internal_error_handler,
}
