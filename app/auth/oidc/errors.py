"""Why a sign-in round trip failed: one short code per cause, never a token."""

# ruff: noqa: S105 (failure codes that name tokens, not passwords)

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

# The codes, as audited (`sso.failed`, reason=...) and explained on the error page.
CANCELLED = "cancelled"  # the person stopped at the provider (error=access_denied)
PROVIDER_ERROR = "provider_error"  # the provider answered with another error
INVALID_STATE = "invalid_state"  # unknown, replayed, expired or from another browser
MIX_UP = "mix_up"  # the answer comes from another provider (RFC 9207 `iss`)
NOT_CONFIGURED = "not_configured"  # the organization has no identity provider
NOT_ALLOWED = "not_allowed"  # the organization's state does not allow this purpose
SUSPENDED = "suspended"  # the organization is suspended
UNREACHABLE = "unreachable"  # discovery, keys or token endpoint did not answer properly
ISSUER_MISMATCH = "issuer_mismatch"  # discovery names another issuer than configured
CLIENT_REJECTED = "client_rejected"  # the token endpoint refused our client id or secret
TOKEN_REFUSED = "token_refused"  # the token endpoint refused the code
NO_ID_TOKEN = "no_id_token"  # the token response carries no ID token
BAD_ALGORITHM = "bad_algorithm"  # `none`, HMAC or an algorithm outside the pinned list
BAD_SIGNATURE = "bad_signature"  # signature invalid, or signed by an unknown key
INVALID_TOKEN = "invalid_token"  # not a JWT, or without a subject
WRONG_ISSUER = "wrong_issuer"
WRONG_AUDIENCE = "wrong_audience"
EXPIRED = "expired"  # expired, or issued in the future beyond the leeway
WRONG_NONCE = "wrong_nonce"
USERINFO_MISMATCH = "userinfo_mismatch"  # the userinfo answer is about another subject
UNKNOWN_DOMAIN = "unknown_domain"  # first sign-in with an address outside verified domains
FOREIGN_EMAIL = "foreign_email"  # a returning person's address is outside verified domains
EMAIL_UNVERIFIED = "email_unverified"  # the provider says the address is not verified
ACCOUNT_DISABLED = "account_disabled"


@dataclass(eq=False)
class SignInFailed(Exception):
    """A sign-in that cannot complete. The attempt's fields are set once the state is known."""

    code: str
    organization_id: UUID | None = None
    purpose: str = ""
    next_path: str = "/"

    def __str__(self) -> str:
        return self.code
