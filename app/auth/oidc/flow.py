"""The authorization code flow with PKCE, from the first redirect to a verified identity.

State, nonce and PKCE verifier stay on the server (OIDCLoginAttempt), bound to the
browser by the hash of a random cookie, usable once and for ATTEMPT_MINUTES. Nothing
here signs anyone in: `complete` returns who the provider vouched for, and the caller
decides (app.auth.sso for "signin"; the wizard's test only records the outcome).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from app.auth.oidc.client import (
    Discovery,
    discover,
    exchange_code,
    fetch_userinfo,
    signing_keys,
)
from app.auth.oidc.errors import (
    CANCELLED,
    INVALID_STATE,
    MIX_UP,
    NO_ID_TOKEN,
    NOT_ALLOWED,
    NOT_CONFIGURED,
    PROVIDER_ERROR,
    SUSPENDED,
    USERINFO_MISMATCH,
    SignInFailed,
)
from app.auth.oidc.tokens import Expected, verify_id_token
from app.clock import now
from app.crypto import SecretUnreadable, token_hash
from app.db import transaction
from app.identity_providers import ProviderConfig, get_provider, organization_status
from app.settings import get_settings
from app.tables import OIDCLoginAttempt

ATTEMPT_MINUTES = 10
CALLBACK_PATH = "/auth/oidc/callback"
SIGNED_OUT_PATH = "/auth/oidc/signed-out"
MAX_NEXT_PATH = 500  # OIDCLoginAttempt.next_path
# An active company tests again after changing its secret or scopes.
PURPOSE_STATUSES = {
    "signin": ("configuring", "active"),
    "test": ("invited", "configuring", "active"),
}


@dataclass(frozen=True)
class Identity:
    """What the provider vouched for in a verified ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool | None
    name: str
    claims: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Completion:
    organization_id: UUID
    purpose: str
    next_path: str
    identity: Identity


def redirect_uri() -> str:
    """The redirect URI to register at the provider."""
    return f"{get_settings().base_url}{CALLBACK_PATH}"


def post_logout_redirect_uri() -> str:
    """The post-logout redirect URI to register at the provider."""
    return f"{get_settings().base_url}{SIGNED_OUT_PATH}"


def is_local_path(path: str) -> bool:
    """A path on this site: not `//host`, no backslash (`/\\host`), no control characters."""
    return (path.startswith("/") and not path.startswith("//") and len(path) <= MAX_NEXT_PATH
            and not any(char == "\\" or ord(char) < 0x21 or ord(char) == 0x7F for char in path))


async def begin(organization_id: UUID, purpose: str, next_path: str, browser_key: str,
                login_hint: str = "") -> str:
    """Start a round trip to the organization's provider; returns its authorization URL.

    `purpose` is "signin" (company configuring or active) or "test" (invited or
    configuring); `browser_key` is the random value of the caller's pre-login cookie;
    `next_path` is where the callback sends the browser. Raises SignInFailed.
    """
    if purpose not in PURPOSE_STATUSES or not is_local_path(next_path) or not browser_key:
        raise ValueError("begin: unknown purpose, non-local next_path or empty browser_key")
    try:
        config = await _usable_provider(organization_id, purpose)
        discovery = await discover(config)
    except SignInFailed as failure:
        raise _about(failure, organization_id, purpose, next_path) from None
    state, nonce, verifier = await _new_attempt(organization_id, purpose, next_path,
                                                browser_key)
    params = {
        "response_type": "code", "client_id": config.client_id, "redirect_uri": redirect_uri(),
        "scope": config.scopes, "state": state, "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    return add_params_to_uri(discovery.authorization_endpoint, params)


async def complete(params: Mapping[str, str], browser_key: str) -> Completion:
    """Finish a round trip from the callback's query parameters. Raises SignInFailed."""
    attempt = await _consume(params.get("state", ""), browser_key)
    try:
        identity = await _redeem(attempt, params)
    except SignInFailed as failure:
        raise _about(failure, attempt["organization"], attempt["purpose"],
                     attempt["next_path"]) from None
    return Completion(attempt["organization"], attempt["purpose"], attempt["next_path"],
                      identity)


async def end_session_url(organization_id: UUID) -> str | None:
    """Where to send the browser to sign out at the provider too, when it offers that."""
    config = await get_provider(organization_id)
    if config is None:
        return None
    try:
        discovery = await discover(config)
    except SignInFailed:
        return None
    if not discovery.end_session_endpoint:
        return None
    return add_params_to_uri(discovery.end_session_endpoint, {
        "client_id": config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri(),
    })


async def _new_attempt(organization_id: UUID, purpose: str, next_path: str,
                       browser_key: str) -> tuple[str, str, str]:
    """Store a fresh attempt (and forget expired ones); its state, nonce and verifier."""
    state, nonce, verifier = (secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                              secrets.token_urlsafe(64))
    async with transaction():
        await OIDCLoginAttempt.delete().where(OIDCLoginAttempt.created_at < _oldest_valid())
        await OIDCLoginAttempt(
            state_hash=token_hash(state), organization=organization_id,
            browser_hash=token_hash(browser_key), purpose=purpose, nonce=nonce,
            code_verifier=verifier, next_path=next_path,
        ).save()
    return state, nonce, verifier


def _about(failure: SignInFailed, organization_id: UUID, purpose: str,
           next_path: str) -> SignInFailed:
    failure.organization_id, failure.purpose, failure.next_path = (
        organization_id, purpose, next_path)
    return failure


def _oldest_valid() -> Any:
    return now() - timedelta(minutes=ATTEMPT_MINUTES)


async def _consume(state: str, browser_key: str) -> dict[str, Any]:
    """Mark the attempt used, in one conditional update: of two callbacks, one wins."""
    if not state or not browser_key:
        raise SignInFailed(INVALID_STATE)
    async with transaction():
        rows = await OIDCLoginAttempt.update({OIDCLoginAttempt.used_at: now()}).where(
            (OIDCLoginAttempt.state_hash == token_hash(state))
            & (OIDCLoginAttempt.browser_hash == token_hash(browser_key))
            & OIDCLoginAttempt.used_at.is_null()
            & (OIDCLoginAttempt.created_at > _oldest_valid())
        ).returning(
            OIDCLoginAttempt.organization, OIDCLoginAttempt.purpose, OIDCLoginAttempt.nonce,
            OIDCLoginAttempt.code_verifier, OIDCLoginAttempt.next_path,
        )
    if not rows:
        raise SignInFailed(INVALID_STATE)
    attempt = dict(rows[0])
    attempt["organization"] = UUID(str(attempt["organization"]))
    return attempt


async def _redeem(attempt: dict[str, Any], params: Mapping[str, str]) -> Identity:
    config = await _usable_provider(attempt["organization"], attempt["purpose"])
    discovery = await discover(config)
    _check_response_issuer(params.get("iss"), discovery)
    if params.get("error"):
        raise SignInFailed(CANCELLED if params["error"] == "access_denied" else PROVIDER_ERROR)
    if not params.get("code"):
        raise SignInFailed(PROVIDER_ERROR)
    tokens = await exchange_code(discovery, config, params["code"], attempt["code_verifier"],
                                 redirect_uri())
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise SignInFailed(NO_ID_TOKEN)
    claims = await verify_id_token(
        id_token, lambda kid, refresh: signing_keys(discovery, kid, refresh),
        Expected(issuer=config.issuer, client_id=config.client_id, nonce=attempt["nonce"]),
    )
    if _lacks_claims(claims, config):
        claims = await _with_userinfo(claims, discovery, tokens.get("access_token"))
    return _identity(config.issuer, claims)


def _lacks_claims(claims: dict[str, Any], config: ProviderConfig) -> bool:
    """Whether the ID token lacks the e-mail, or the configured HR claim."""
    return "email" not in claims or bool(config.hr_claim and config.hr_claim not in claims)


async def _with_userinfo(claims: dict[str, Any], discovery: Discovery,
                         access_token: Any) -> dict[str, Any]:
    """The ID token's claims completed from the userinfo endpoint (OpenID Connect 5.3).

    Its `sub` must be the token's (5.3.2): otherwise the answer is about someone else.
    The ID token's own claims always win.
    """
    if not discovery.userinfo_endpoint or not isinstance(access_token, str) or not access_token:
        return claims
    userinfo = await fetch_userinfo(discovery, access_token)
    if userinfo.get("sub") != claims["sub"]:
        raise SignInFailed(USERINFO_MISMATCH)
    return {**userinfo, **claims}


def _check_response_issuer(iss: str | None, discovery: Discovery) -> None:
    """RFC 9207: an answer meant for another provider's request is a mix-up attack."""
    if discovery.iss_parameter_supported and iss is None:
        raise SignInFailed(MIX_UP)
    if iss is not None and iss != discovery.issuer:
        raise SignInFailed(MIX_UP)


async def _usable_provider(organization_id: UUID, purpose: str) -> ProviderConfig:
    status = await organization_status(organization_id)
    if status == "suspended":
        raise SignInFailed(SUSPENDED)
    if status not in PURPOSE_STATUSES[purpose]:
        raise SignInFailed(NOT_ALLOWED)
    try:
        config = await get_provider(organization_id)
    except SecretUnreadable:
        config = None
    if config is None:
        raise SignInFailed(NOT_CONFIGURED)
    return config


def _identity(issuer: str, claims: dict[str, Any]) -> Identity:
    email = claims.get("email")
    verified = claims.get("email_verified")
    name = claims.get("name") or " ".join(
        str(claims[part]) for part in ("given_name", "family_name") if claims.get(part))
    return Identity(
        issuer=issuer, subject=claims["sub"],
        email=email.strip().lower() if isinstance(email, str) else "",
        email_verified=verified if isinstance(verified, bool) else None,
        name=str(name)[:200], claims=claims,
    )
