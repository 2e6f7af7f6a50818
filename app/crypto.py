"""Secrets at rest (identity-provider client secrets), encrypted with a key from SECRET_KEY.

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`; the key is derived with HKDF
so the same SECRET_KEY never serves two purposes as-is. Rotating SECRET_KEY means
entering the providers' secrets again.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.settings import get_settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted (SECRET_KEY changed, or the value is damaged)."""


@cache
def _fernet(secret_key: str, purpose: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"legami-secrets-at-rest",
               info=purpose).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plaintext: str, purpose: bytes = b"fernet") -> str:
    """Encrypt with the key of `purpose`: each use (provider secrets, sealed notes) has
    its own key derived from SECRET_KEY."""
    return _fernet(get_settings().secret_key, purpose).encrypt(plaintext.encode()).decode()


def decrypt(token: str, purpose: bytes = b"fernet") -> str:
    try:
        return _fernet(get_settings().secret_key, purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("stored secret cannot be decrypted with this SECRET_KEY") from None


def token_hash(token: str) -> str:
    """What is stored of a secret link or token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
