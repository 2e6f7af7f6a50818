"""Sealing answers with a key kept outside the database: drafts and the ballot box.

Whoever holds only the database (a dump, a backup, a superuser) reads no answer: drafts,
sealed responses and the running tallies of open waves (`surveys.results.tally`) are
AES-256-GCM boxes under keys derived (HKDF-SHA256) from `BALLOT_KEY`, a setting, never a
table. `BALLOT_KEY` lists keys separated by commas: the first seals, every one opens, so
a key is rotated by putting a new one first and removing the old one once every box it
sealed has gone (a wave's close empties the ballot box and deletes its drafts, its
release deletes its tallies; a tally no key opens is set aside, and the wave counted
from its answers). Outside production, without `BALLOT_KEY`, the key is derived from
SECRET_KEY. Each box is bound to its purpose and, for a draft, to its
invitation and the person's resume secret (the authenticated data and the key's
derivation), so a box copied to another row or read with another secret opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.settings import get_settings

VERSION = "v1"
NONCE_BYTES = 12


@lru_cache(maxsize=4)
def _masters(secret_key: str, ballot_key: tuple[bytes, ...]) -> tuple[bytes, ...]:
    if ballot_key:
        return ballot_key
    return (_derive(secret_key.encode(), b"legami.ballot-key"),)


def _keys() -> tuple[bytes, ...]:
    settings = get_settings()
    return _masters(settings.secret_key, settings.ballot_keys)


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def _key_id(master: bytes) -> str:
    return hashlib.sha256(b"legami.key-id:" + master).hexdigest()[:8]


def seal(value: Any, purpose: str, bound_to: bytes = b"") -> str:
    """The JSON of `value` in a box only `unseal` with the same purpose and binding opens."""
    return seal_bytes(json.dumps(value).encode(), purpose, bound_to)


def unseal(text: str, purpose: str, bound_to: bytes = b"") -> Any:
    """What `seal` boxed; None when no key (or not this binding) opens it."""
    plain = unseal_bytes(text, purpose, bound_to)
    return None if plain is None else json.loads(plain)


def seal_bytes(plain: bytes, purpose: str, bound_to: bytes = b"") -> str:
    """`plain` in a box only `unseal_bytes` with the same purpose and binding opens."""
    master = _keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    key = _derive(master, purpose.encode() + b"\0" + bound_to)
    box = AESGCM(key).encrypt(nonce, plain, purpose.encode())
    return f"{VERSION}.{_key_id(master)}.{base64.urlsafe_b64encode(nonce + box).decode()}"


def unseal_bytes(text: str, purpose: str, bound_to: bytes = b"") -> bytes | None:
    """What `seal_bytes` boxed; None when no key (or not this binding) opens it."""
    try:
        version, key_id, data = text.split(".", 2)
        raw = base64.urlsafe_b64decode(data)
    except (ValueError, AttributeError):
        return None
    master = next((m for m in _keys() if _key_id(m) == key_id), None)
    if version != VERSION or master is None:
        return None
    key = _derive(master, purpose.encode() + b"\0" + bound_to)
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
    except InvalidTag:
        return None
