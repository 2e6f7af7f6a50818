"""Secrets that open a survey: short links and printed access codes. Only hashes are kept."""

from __future__ import annotations

import secrets

# Crockford's base32 without I, L, O, U: nothing to misread on a printed sheet.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
LINK_PREFIX = "/r/"


def new_link_token() -> str:
    """22 URL-safe characters (128 bits): the link path `/r/<token>` stays under 40."""
    return secrets.token_urlsafe(16)


def new_access_code() -> str:
    """A 10-character code (50 bits) printed as XXXXX-XXXXX, typed on a public page."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """What people type: any case, spaces or dashes, O for 0 and I/L for 1."""
    cleaned = typed.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans("OIL", "011"))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"
