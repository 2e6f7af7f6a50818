"""The family's page behind the mail link: the pact in their language, readable on a
360 px phone, with one button to accept. No session, no script."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, MediaType, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template

from app.auth.guards import signed_in
from app.errors import InvalidInput
from app.i18n import LANGUAGE_NAMES, current_language, set_language
from app.ratelimit import allow
from app.web.context import caller_of, client_ip
from app.web.downloads import download
from app.web.errors import error_response
from pacts.consents.service import legal_basis
from pacts.family import service
from pacts.family.docx import pact_docx

# The family's link is a key to their pact: the kernel's scrubber (app/web/log_scrub.py)
# writes it `/p/…`.
LOG_PATTERNS = [r"(/p/)[^/?\s\"']+"]
WINDOW_SECONDS = 15 * 60
MISS_LIMIT = 50  # unknown links per address and window; a token has 128 random bits

Req = Request[Any, Any, Any]


class PrintPages(Controller):
    path = "/pacts/{pact_id:uuid}"
    guards = [signed_in]
    include_in_schema = False

    @get("/pact.docx")
    async def printable(self, request: Req, pact_id: UUID) -> Response[bytes]:
        return download(*await pact_docx(caller_of(request), pact_id))


class PactLinkPages(Controller):
    path = "/p"
    include_in_schema = False

    @get("/{token:str}", media_type=MediaType.HTML)
    async def pact_page(self, request: Req, token: str, lang: str | None = None,
                        done: str = "") -> Response[Any]:
        return await _page(request, token, lang, {}, done)

    @post("/{token:str}/accept", media_type=MediaType.HTML)
    async def accept(self, request: Req, token: str, lang: str | None = None) -> Response[Any]:
        try:
            await service.accept(token)
        except NotFoundException:
            return await unknown_link(request)
        except InvalidInput as invalid:
            return await _page(request, token, lang, invalid.errors)
        query = "?done=accepted" + (f"&lang={quote(lang)}" if lang else "")
        return Redirect(f"{service.LINK_PREFIX}{quote(token)}{query}", status_code=303)


async def _page(request: Req, token: str, lang: str | None, errors: dict[str, str],
                done: str = "") -> Response[Any]:
    try:
        view = await service.family_view(token, lang)
    except NotFoundException:
        return await unknown_link(request)
    set_language(view.language)
    path = f"{service.LINK_PREFIX}{quote(token)}"
    return Template("pacts/family.html", status_code=422 if errors else 200, context={
        "view": view, "errors": errors, "done": done, "base": path, "ui_lang": view.language,
        "legal_basis": legal_basis(),
        "languages": [{"code": code, "name": name, "current": code == view.language,
                       "href": f"{path}?lang={code}"} for code, name in LANGUAGE_NAMES.items()]})


async def unknown_link(request: Req) -> Response[Any]:
    """A link that opens nothing: 404, and a limit on misses per address."""
    # Counters are kept in the database: keep the address itself out of it.
    address = hashlib.sha256(client_ip(request).encode()).hexdigest()[:20]
    if not await allow(f"pact-link:miss:{address}", MISS_LIMIT, WINDOW_SECONDS):
        return error_response(request, 429)
    return Template("pacts/family_invalid.html", status_code=404,
                    context={"languages": [], "ui_lang": current_language()})
