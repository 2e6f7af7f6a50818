"""Company sign-in pages: the provider's callback, the wizard's connection test, sign-out.

The browser is bound to its sign-in attempts by a random cookie (BROWSER_COOKIE); the
attempt stores its hash.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from app.auth import sessions, sso
from app.auth.guards import signed_in
from app.auth.oidc import flow
from app.auth.oidc.errors import SignInFailed
from app.i18n import _
from app.identity_providers import record_test
from app.ratelimit import allow
from app.roles import HR_MANAGER
from app.settings import get_settings
from app.tenancy import ensure_reachable
from app.web.context import caller_of, client_ip
from app.web.errors import error_response

BROWSER_COOKIE = "legami_oidc"
CALLBACK_LIMIT_PER_IP = 30
WINDOW_SECONDS = 15 * 60


def session_cookie(value: str, max_age: int | None) -> Cookie:
    return Cookie(key=sessions.COOKIE, value=value, httponly=True, samesite="lax",
                  secure=not get_settings().is_development, path="/", max_age=max_age)


def browser_key(request: Request[Any, Any, Any]) -> str:
    """The browser's pre-login key: kept while it lives, so two tabs can sign in at once."""
    return request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(32)


def browser_cookie(key: str) -> Cookie:
    # Lax: the provider sends the browser back with a top-level GET, which carries it.
    return Cookie(key=BROWSER_COOKIE, value=key, httponly=True, samesite="lax",
                  secure=not get_settings().is_development, path="/",
                  max_age=flow.ATTEMPT_MINUTES * 60)


async def start(request: Request[Any, Any, Any], organization_id: UUID, purpose: str,
                next_path: str, login_hint: str = "") -> tuple[str, Cookie]:
    """Begin a round trip for this browser: the provider's URL and the cookie to set."""
    key = browser_key(request)
    url = await flow.begin(organization_id, purpose, next_path, key, login_hint=login_hint)
    return url, browser_cookie(key)


def _explanations() -> dict[str, tuple[str, str]]:
    """What happened and what to do, for each failure code."""
    ask_hr = _("If it happens again, tell your company's HR office.")
    check_settings = _("Check the identity provider settings in the company portal, then "
                       "test the connection again.")
    return {
        "cancelled": (_("Sign-in was cancelled at your company's sign-in page."),
                      _("To use Legami, sign in again and accept at your company's page.")),
        "provider_error": (_("Your company's sign-in page reported an error."),
                           _("Try again in a few minutes.") + " " + ask_hr),
        "invalid_state": (_("This sign-in attempt is no longer valid: it was already used, "
                            "it took more than 10 minutes, or it was started in another "
                            "browser."),
                          _("Start again from the sign-in page, in this browser.")),
        "mix_up": (_("The answer came from a different identity provider than the one "
                     "this sign-in was sent to, so Legami refused it."),
                   _("Start again from the sign-in page.") + " " + ask_hr),
        "not_configured": (_("Your company has not finished setting up its sign-in."),
                           check_settings),
        "not_allowed": (_("Your company's account in Legami does not allow this step yet."),
                        _("Ask the program staff about your company's onboarding.")),
        "suspended": (_("Your company's access to Legami is suspended."),
                      _("Ask your company's HR office or the program staff.")),
        "unreachable": (_("Legami could not reach your company's identity provider, or it "
                          "answered in a way Legami does not understand."),
                        _("Try again in a few minutes.") + " " + check_settings),
        "issuer_mismatch": (_("The identity provider's address does not match the issuer "
                              "it announces."),
                            _("Enter the issuer exactly as the provider announces it in "
                              "its discovery document.") + " " + check_settings),
        "client_rejected": (_("The identity provider did not accept Legami's client id or "
                              "secret."),
                            _("Copy the client id and a current secret from the provider "
                              "into the company portal.")),
        "token_refused": (_("The identity provider refused to complete the sign-in."),
                          _("Start again from the sign-in page.") + " " + ask_hr),
        "no_id_token": (_("The identity provider did not send an identity token."),
                        _("Check that the scope includes openid.") + " " + check_settings),
        "bad_algorithm": (_("The identity token is not signed with an accepted algorithm."),
                          _("Configure the provider to sign tokens with RS256, PS256 or "
                            "ES256.") + " " + check_settings),
        "bad_signature": (_("The identity token's signature could not be verified."),
                          _("Start again from the sign-in page.") + " " + ask_hr),
        "invalid_token": (_("The identity token is not valid."),
                          _("Start again from the sign-in page.") + " " + ask_hr),
        "wrong_issuer": (_("The identity token was issued by a different provider."),
                         check_settings),
        "wrong_audience": (_("The identity token was issued for another application."),
                           _("Check the client id in the company portal.") + " "
                           + check_settings),
        "expired": (_("The identity token has expired, or the clocks of Legami and your "
                      "identity provider disagree."),
                    _("Start again from the sign-in page.") + " " + ask_hr),
        "wrong_nonce": (_("The identity token belongs to another sign-in attempt."),
                        _("Start again from the sign-in page, in this browser.")),
        "userinfo_mismatch": (_("Your identity provider described a different person at "
                                "its userinfo endpoint than in the identity token, so Legami "
                                "refused the sign-in."),
                              _("Start again from the sign-in page.") + " " + ask_hr),
        "unknown_domain": (_("Your e-mail address is not in one of your company's verified "
                             "domains, so Legami cannot create an account for you."),
                           _("Ask your company's HR office to invite you, or to add your "
                             "domain.")),
        "foreign_email": (_("Your company's identity provider now gives your e-mail address "
                            "in a domain your company has not verified in Legami, so Legami "
                            "refused this sign-in and kept the address it knows."),
                          _("Ask your company's IT office to correct your address at the "
                            "identity provider, or the program staff to verify the domain.")),
        "email_unverified": (_("Your identity provider says your e-mail address is not "
                               "verified."),
                             _("Verify your address at your company, then sign in again.")),
        "account_disabled": (_("Your account in Legami is not active."),
                             _("Ask your company's HR office.")),
    }


def explain(code: str) -> tuple[str, str]:
    return _explanations().get(code, _explanations()["provider_error"])


def failure_page(failure: SignInFailed) -> Template:
    what, todo = explain(failure.code)
    return Template("sso_error.html", status_code=400,
                    context={"what": what, "todo": todo, "code": failure.code})


async def failed(failure: SignInFailed) -> Response:
    """Audit a failure; a connection test records it and goes back to the wizard."""
    await sso.record_failure(failure)
    if failure.purpose == "test" and failure.organization_id is not None:
        what, todo = explain(failure.code)
        await record_test(failure.organization_id, False, f"{what} {todo}")
        return Redirect(failure.next_path, status_code=303)
    return failure_page(failure)


class SSOPages(Controller):
    include_in_schema = False

    @get("/auth/oidc/callback")
    async def callback(self, request: Request[Any, Any, Any]) -> Response:
        if not await allow(f"oidc:callback:{client_ip(request)}", CALLBACK_LIMIT_PER_IP,
                           WINDOW_SECONDS):
            return error_response(request, 429)
        try:
            done = await flow.complete(dict(request.query_params),
                                       request.cookies.get(BROWSER_COOKIE, ""))
            if done.purpose == "test":
                await record_test(done.organization_id, True, _(
                    "The connection works: the identity provider signed a person in and "
                    "Legami verified its answer."))
                return Redirect(done.next_path, status_code=303)
            user_id = await sso.link_account(done)
        except SignInFailed as failure:
            return await failed(failure)
        old = request.cookies.get(sessions.COOKIE)
        if old:
            await sessions.end_session(old)
        token = await sessions.start_session(user_id, done.organization_id)
        return Redirect(done.next_path, status_code=303, cookies=[session_cookie(token, None)])

    @get("/auth/oidc/test/{organization_id:uuid}", guards=[signed_in])
    async def test_connection(self, request: Request[Any, Any, Any], organization_id: UUID,
                              next: str = "/") -> Response:
        ensure_reachable(caller_of(request), organization_id, HR_MANAGER)
        next_path = next if flow.is_local_path(next) else "/"
        try:
            url, cookie = await start(request, organization_id, "test", next_path)
        except SignInFailed as failure:
            return await failed(failure)
        return Redirect(url, cookies=[cookie])

    @get(flow.SIGNED_OUT_PATH)
    async def signed_out(self) -> Redirect:
        return Redirect("/signin?signed_out=1", status_code=303)
