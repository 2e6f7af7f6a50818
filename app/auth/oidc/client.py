"""Talking to a provider over HTTP: discovery, signing keys and the token endpoint.

Discovery documents and key sets are cached in the process, keyed by what names them
(issuer, discovery URL and settings version; the JWKS address), never by or with a
secret: a changed setting or secret takes effect at the next request. A token signed by
an unknown key, or failing the check with a known one, makes us fetch the keys again,
at most KEY_REFETCH_LIMIT times a minute per key set across all processes, so forged
`kid`s cannot make us hammer the provider.
"""

from __future__ import annotations

import hashlib
import time
from base64 import b64encode
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, KeySet

from app.auth.oidc.errors import (
    CLIENT_REJECTED,
    ISSUER_MISMATCH,
    TOKEN_REFUSED,
    UNREACHABLE,
    SignInFailed,
)
from app.identity_providers import ProviderConfig
from app.ratelimit import allow

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
CACHE_SECONDS = 3600
KEY_REFETCH_LIMIT = 5
KEY_REFETCH_WINDOW = 60
ASYMMETRIC_KEY_TYPES = ("RSA", "EC", "OKP")


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    end_session_endpoint: str
    iss_parameter_supported: bool
    auth_methods: tuple[str, ...]


_discoveries: dict[tuple[str, str, int], tuple[float, Discovery]] = {}
_key_sets: dict[str, tuple[float, KeySet]] = {}


async def discover(config: ProviderConfig) -> Discovery:
    """The provider's discovery document; its issuer must be exactly the configured one."""
    cache_key = (config.issuer, config.discovery_url, config.version)
    cached = _discoveries.get(cache_key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    document = await _get_json(config.discovery_url)
    if document.get("issuer") != config.issuer:
        raise SignInFailed(ISSUER_MISMATCH)
    discovery = _parse_discovery(document)
    _discoveries[cache_key] = (time.monotonic() + CACHE_SECONDS, discovery)
    return discovery


def _parse_discovery(document: dict[str, Any]) -> Discovery:
    try:
        return Discovery(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            userinfo_endpoint=document.get("userinfo_endpoint") or "",
            end_session_endpoint=document.get("end_session_endpoint") or "",
            iss_parameter_supported=document.get(
                "authorization_response_iss_parameter_supported") is True,
            # RFC 8414: when absent, client_secret_basic is the default.
            auth_methods=tuple(document.get("token_endpoint_auth_methods_supported")
                               or ("client_secret_basic",)),
        )
    except (KeyError, TypeError):
        raise SignInFailed(UNREACHABLE) from None


async def signing_keys(discovery: Discovery, kid: str | None, refresh: bool = False) -> KeySet:
    """The provider's public signing keys, fetched again when `kid` is not among them, or
    when `refresh` says a known key failed (a key rotated under the same id)."""
    cached = _key_sets.get(discovery.jwks_uri)
    if cached and cached[0] > time.monotonic():
        known = not refresh and (kid is None or _has_kid(cached[1], kid))
        if known or not await _may_refetch(discovery):
            return cached[1]
    keys = _parse_keys(await _get_json(discovery.jwks_uri))
    _key_sets[discovery.jwks_uri] = (time.monotonic() + CACHE_SECONDS, keys)
    return keys


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)


async def _may_refetch(discovery: Discovery) -> bool:
    digest = hashlib.sha256(discovery.jwks_uri.encode()).hexdigest()[:32]
    return await allow(f"oidc:jwks:{digest}", KEY_REFETCH_LIMIT, KEY_REFETCH_WINDOW)


def _parse_keys(document: dict[str, Any]) -> KeySet:
    """Only asymmetric signing keys: a symmetric key published here could forge tokens."""
    keys = []
    for data in document.get("keys") or []:
        if not isinstance(data, dict) or data.get("kty") not in ASYMMETRIC_KEY_TYPES:
            continue
        if data.get("use", "sig") != "sig":
            continue
        try:
            keys.append(JWKRegistry.import_key(data))
        except (JoseError, ValueError, TypeError):
            continue  # a key type we cannot use must not hide the others
    return KeySet(keys)  # type: ignore[arg-type]


async def exchange_code(discovery: Discovery, config: ProviderConfig, code: str,
                        code_verifier: str, redirect_uri: str) -> dict[str, Any]:
    """Redeem the authorization code at the token endpoint; the token response as a dict."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier}
    headers = {"accept": "application/json"}
    if _uses_basic(discovery):
        headers["authorization"] = _basic(config.client_id, config.client_secret)
    else:
        form |= {"client_id": config.client_id, "client_secret": config.client_secret}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            response = await http.post(discovery.token_endpoint, data=form, headers=headers)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        raise SignInFailed(UNREACHABLE) from None
    if not isinstance(body, dict):
        raise SignInFailed(UNREACHABLE)
    if response.status_code != 200:
        raise SignInFailed(CLIENT_REJECTED if body.get("error") == "invalid_client"
                           else TOKEN_REFUSED)
    return body


async def fetch_userinfo(discovery: Discovery, access_token: str) -> dict[str, Any]:
    """The claims the provider gives at its userinfo endpoint (a JSON answer)."""
    return await _get_json(discovery.userinfo_endpoint,
                           {"authorization": f"Bearer {access_token}"})


def _uses_basic(discovery: Discovery) -> bool:
    return ("client_secret_basic" in discovery.auth_methods
            or "client_secret_post" not in discovery.auth_methods)


def _basic(client_id: str, client_secret: str) -> str:
    # RFC 6749 2.3.1: both parts are form-urlencoded before they are joined.
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    return "Basic " + b64encode(pair.encode()).decode()


async def _get_json(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            response = await http.get(url, headers={"accept": "application/json",
                                                    **(headers or {})})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError):
        raise SignInFailed(UNREACHABLE) from None
    if not isinstance(document, dict):
        raise SignInFailed(UNREACHABLE)
    return document
