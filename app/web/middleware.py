"""Per-request context: the caller from the session cookie, the language, security headers."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.sessions import COOKIE, resolve
from app.i18n import negotiate, set_language
from app.settings import get_settings

LANGUAGE_COOKIE = "legami_lang"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            pairs = (part.strip().split("=", 1) for part in value.decode("latin-1").split(";"))
            return {p[0]: p[1] for p in pairs if len(p) == 2}
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


def _query_lang(scope: Scope) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang")
    return values[0] if values else None


def _uncompressed(scope: Scope) -> None:
    """BREACH: a compressed page's size can leak a secret it carries (the CSRF token, the
    names on a staff page) to someone who can add text to it and watch the sizes go by.
    Pages for a signed-in session therefore travel uncompressed, as if the browser had not
    offered gzip; the pages opened by a link (answers, families) and static files still
    travel compressed: a stranger cannot make a browser load them without the link
    (docs/privacy.md, "Compression")."""
    scope["headers"] = [(name, value) for name, value in scope.get("headers", [])
                        if name != b"accept-encoding"]
    ScopeState.from_scope(scope).headers = Empty


class RequestContextMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_path_pattern = ("^/static/", "^/healthz$")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        cookies = _cookies(scope)
        token = cookies.get(COOKIE)
        if token:
            _uncompressed(scope)
        caller = await resolve(token) if token else None
        language = negotiate(
            caller.language if caller else None,
            _query_lang(scope),
            cookies.get(LANGUAGE_COOKIE),
            _header(scope, b"accept-language"),
            get_settings().language,
        )
        set_language(language)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["caller"] = caller
        state["language"] = language
        await next_app(scope, receive, send)


HSTS = "max-age=31536000; includeSubDomains"


async def security_headers(message: Message, scope: Scope) -> None:
    """Every answer carries the security headers, 404 and 405 from routing included (a
    `before_send` hook sees them, a middleware does not); only static files may be cached;
    production, always on HTTPS, adds HSTS."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    if not scope.get("path", "").startswith("/static/"):
        headers["cache-control"] = "no-store"
    if get_settings().is_production:
        headers["strict-transport-security"] = HSTS
