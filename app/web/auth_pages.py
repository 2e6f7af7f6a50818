"""Identity-first sign-in, sign-out, and the language switcher.

The sign-in page asks for the e-mail address only: a company with its own identity
provider takes the person there; everyone else gets a one-time link by mail.

Form posts never redirect to a provider: `form-action 'self'` in our CSP also covers
the redirects that follow a form submission, so Chromium would block them. Those answers
are a small page that moves on by itself (a `Refresh` header) and has a link to follow.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from app.accounts import set_user_language
from app.auth import links, sessions, sso
from app.auth.links import normalize_email
from app.auth.oidc.errors import SignInFailed
from app.auth.oidc.flow import is_local_path
from app.i18n import _, current_language
from app.ratelimit import allow
from app.settings import LANGUAGES, get_settings
from app.web.context import client_ip, form_of
from app.web.errors import error_response
from app.web.middleware import LANGUAGE_COOKIE
from app.web.sso_pages import failed, session_cookie, start

SIGNIN_LIMIT_PER_IP = 20
SIGNIN_LIMIT_PER_IP_AND_ADDRESS = 5
WINDOW_SECONDS = 15 * 60


def _safe_next(target: str | None) -> str:
    return target if target and is_local_path(target) else "/"


def _signin_form(email: str, next_path: str, error: str = "", status: int = 200) -> Template:
    return Template("signin.html", status_code=status, context={
        "email": email, "next": next_path, "errors": {"email": error} if error else {}})


def _moving_on(template: str, url: str, cookies: list[Cookie]) -> Template:
    """A page that goes on to `url` by itself; see the module docstring for why."""
    return Template(template, context={"url": url}, headers={"refresh": f"0;url={url}"},
                    cookies=cookies)


async def _within_limits(request: Request[Any, Any, Any], email: str) -> bool:
    """Limits keyed on the requester: a stranger's attempts never lock a named person out.

    The mails an address receives are limited where they are sent (links.request_link).
    """
    ip = client_ip(request)
    ip_ok = await allow(f"signin:ip:{ip}", SIGNIN_LIMIT_PER_IP, WINDOW_SECONDS)
    pair_ok = await allow(f"signin:ip-email:{ip}:{email}", SIGNIN_LIMIT_PER_IP_AND_ADDRESS,
                          WINDOW_SECONDS)
    return ip_ok and pair_ok


async def _to_provider(request: Request[Any, Any, Any], email: str,
                       next_path: str) -> tuple[str, Cookie] | Response | None:
    """The provider's URL and cookie for this address, a failure page, or None (mail link)."""
    try:
        organization_id = await sso.provider_for_signin(email)
        if organization_id is None:
            return None
        return await start(request, organization_id, "signin", next_path, login_hint=email)
    except SignInFailed as failure:
        return await failed(failure)


class AuthPages(Controller):
    include_in_schema = False

    @get("/signin")
    async def signin_form(self, email: str = "", next: str = "/") -> Template:
        return _signin_form(email, _safe_next(next))

    @get("/login", media_type=MediaType.HTML)
    async def deep_link(self, request: Request[Any, Any, Any], email: str = "",
                        next: str = "/") -> Any:
        """`/login?email=…`: straight to the company's provider, else the sign-in form."""
        email, next_path = normalize_email(email), _safe_next(next)
        if "@" not in email:
            return _signin_form(email, next_path)
        if not await _within_limits(request, email):
            return error_response(request, 429)
        routed = await _to_provider(request, email, next_path)
        if routed is None:
            return _signin_form(email, next_path)  # a GET sends no mail: the person asks
        if isinstance(routed, Response):
            return routed
        url, cookie = routed
        return Redirect(url, cookies=[cookie])

    @post("/signin", media_type=MediaType.HTML)
    async def signin_request(self, request: Request[Any, Any, Any]) -> Any:
        form = await form_of(request)
        email, next_path = normalize_email(form.get("email", "")), _safe_next(form.get("next"))
        if "@" not in email:
            return _signin_form(email, next_path, status=422, error=_(
                "Enter your e-mail address, like name@example.org."))
        if not await _within_limits(request, email):
            return error_response(request, 429)
        routed = await _to_provider(request, email, next_path)
        if isinstance(routed, Response):
            return routed
        if routed is not None:
            url, cookie = routed
            return _moving_on("sso_continue.html", url, [cookie])
        await links.request_link(email, current_language(), next_path)
        return Template("signin_sent.html", context={"email": email,
                                                     "minutes": get_settings().signin_link_minutes})

    @get("/auth/link/{token:str}")
    async def link_confirm(self, token: str, next: str = "/") -> Template:
        # Mail scanners open links; only the button below (a POST) uses the link.
        return Template("signin_confirm.html", context={"token": token,
                                                        "next": _safe_next(next)})

    @post("/auth/link/{token:str}", media_type=MediaType.HTML)
    async def link_use(self, request: Request[Any, Any, Any], token: str) -> Any:
        if not await allow(f"link:ip:{client_ip(request)}", SIGNIN_LIMIT_PER_IP, WINDOW_SECONDS):
            return error_response(request, 429)
        user_id = await links.consume(token)
        if user_id is None:
            return Template("signin_invalid.html", status_code=400)
        old = request.cookies.get(sessions.COOKIE)
        if old:
            await sessions.end_session(old)
        new = await sessions.start_session(user_id)
        target = _safe_next((await form_of(request)).get("next"))
        return Redirect(target, cookies=[session_cookie(new, None)], status_code=303)

    @post("/signout", media_type=MediaType.HTML)
    async def signout(self, request: Request[Any, Any, Any]) -> Any:
        """End the session here; for a company account, at its provider too when it can."""
        token = request.cookies.get(sessions.COOKIE)
        caller = request.scope["state"].get("caller")
        if token:
            await sessions.end_session(token)
        cleared = session_cookie("", 0)
        provider_url = await sso.signout_url(caller.user_id) if caller else None
        if provider_url:
            return _moving_on("sso_signed_out.html", provider_url, [cleared])
        return Redirect("/signin?signed_out=1", cookies=[cleared], status_code=303)

    @post("/language")
    async def choose_language(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await form_of(request)
        language = form.get("language", "")
        caller = request.scope["state"].get("caller")
        if language in LANGUAGES and caller is not None:
            await set_user_language(caller.user_id, language)
        cookie = Cookie(key=LANGUAGE_COOKIE, value=language if language in LANGUAGES else "it",
                        httponly=True, samesite="lax", secure=not get_settings().is_development,
                        max_age=365 * 24 * 3600)
        return Redirect(_safe_next(form.get("next")), cookies=[cookie], status_code=303)
