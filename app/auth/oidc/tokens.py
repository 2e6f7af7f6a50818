"""ID token verification: algorithm, signature, then each claim, each failure with its code."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.auth.oidc.errors import (
    BAD_ALGORITHM,
    BAD_SIGNATURE,
    EXPIRED,
    INVALID_TOKEN,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    WRONG_NONCE,
    SignInFailed,
)

# Asymmetric only: never `none`, never HMAC (whose key would be the public key or our secret).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class Expected:
    issuer: str
    client_id: str
    nonce: str


KeysFor = Callable[[str | None, bool], Awaitable[KeySet]]


async def verify_id_token(token: str, keys_for: KeysFor, expected: Expected) -> dict[str, Any]:
    """The claims of a valid ID token; `keys_for(kid, refresh)` gives the provider's keys.

    A bad signature asks once for fresh keys: a key rotated under the same id would
    otherwise fail until the cache expires (the provider's client keeps the refetch limit).
    """
    header = _header(token)
    if header.get("alg") not in ALGORITHMS:
        raise SignInFailed(BAD_ALGORITHM)
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    try:
        claims = _decode(token, await keys_for(kid, False))
    except SignInFailed:
        claims = _decode(token, await keys_for(kid, True))
    check_claims(claims, expected, time.time())
    return claims


def _decode(token: str, keys: KeySet) -> dict[str, Any]:
    try:
        return dict(jwt.decode(token, keys, algorithms=list(ALGORITHMS)).claims)
    except (JoseError, ValueError, TypeError):
        raise SignInFailed(BAD_SIGNATURE) from None


def _header(token: str) -> dict[str, Any]:
    try:
        return dict(jws.extract_compact(token.encode()).protected)
    except (JoseError, ValueError, TypeError):
        raise SignInFailed(INVALID_TOKEN) from None


def check_claims(claims: dict[str, Any], expected: Expected, at: float) -> None:
    """OpenID Connect Core 3.1.3.7, for a code flow with the token from the back channel."""
    if claims.get("iss") != expected.issuer:
        raise SignInFailed(WRONG_ISSUER)
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences
    if not isinstance(audiences, list) or expected.client_id not in audiences:
        raise SignInFailed(WRONG_AUDIENCE)
    azp = claims.get("azp")
    if (azp is not None or len(audiences) > 1) and azp != expected.client_id:
        raise SignInFailed(WRONG_AUDIENCE)
    if not _number(claims.get("exp")) or claims["exp"] + LEEWAY_SECONDS < at:
        raise SignInFailed(EXPIRED)
    if not _number(claims.get("iat")) or claims["iat"] - LEEWAY_SECONDS > at:
        raise SignInFailed(EXPIRED)
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(),
                                                              expected.nonce.encode()):
        raise SignInFailed(WRONG_NONCE)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise SignInFailed(INVALID_TOKEN)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
