"""Sign-in by one-time link, sign-out, and the language switcher."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from app.accounts import set_user_language
from app.auth import links, sessions
from app.auth.links import normalize_email
from app.i18n import _, current_language
from app.ratelimit import allow
from app.settings import LANGUAGES, get_settings
from app.web.context import client_ip, form_of
from app.web.errors import error_response
from app.web.middleware import LANGUAGE_COOKIE

SIGNIN_LIMIT_PER_IP = 20
SIGNIN_LIMIT_PER_ADDRESS = 5
WINDOW_SECONDS = 15 * 60


def _session_cookie(value: str, max_age: int | None) -> Cookie:
    settings = get_settings()
    return Cookie(key=sessions.COOKIE, value=value, httponly=True, samesite="lax",
                  secure=not settings.is_development, path="/", max_age=max_age)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


class AuthPages(Controller):
    include_in_schema = False

    @get("/signin")
    async def signin_form(self, email: str = "", next: str = "/") -> Template:
        return Template("signin.html", context={"email": email, "next": _safe_next(next),
                                                "errors": {}})

    @post("/signin", media_type=MediaType.HTML)
    async def signin_request(self, request: Request[Any, Any, Any]) -> Any:
        form = await form_of(request)
        email = normalize_email(form.get("email", ""))
        if "@" not in email:
            return Template("signin.html", status_code=422, context={
                "email": email, "next": "/",
                "errors": {"email": _("Enter your e-mail address, like name@example.org.")}})
        ip_ok = await allow(f"signin:ip:{client_ip(request)}", SIGNIN_LIMIT_PER_IP,
                            WINDOW_SECONDS)
        address_ok = await allow(f"signin:email:{email}", SIGNIN_LIMIT_PER_ADDRESS,
                                 WINDOW_SECONDS)
        if not (ip_ok and address_ok):
            return error_response(request, 429)
        await links.request_link(email, current_language())
        return Template("signin_sent.html", context={"email": email,
                                                     "minutes": get_settings().signin_link_minutes})

    @get("/auth/link/{token:str}")
    async def link_confirm(self, token: str) -> Template:
        # Mail scanners open links; only the button below (a POST) uses the link.
        return Template("signin_confirm.html", context={"token": token})

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
        return Redirect("/", cookies=[_session_cookie(new, None)], status_code=303)

    @post("/signout")
    async def signout(self, request: Request[Any, Any, Any]) -> Redirect:
        token = request.cookies.get(sessions.COOKIE)
        if token:
            await sessions.end_session(token)
        return Redirect("/signin?signed_out=1", cookies=[_session_cookie("", 0)], status_code=303)

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
