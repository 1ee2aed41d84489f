"""Password hashing with Argon2id (memory-hard), and tokens stored only as digests."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # argon2-cffi's defaults: Argon2id, 64 MiB, 3 passes (RFC 9106 low-memory)
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret(prefix: str) -> str:
    """A random bearer secret; `hl_` tokens are recognisable in leaked logs and easy to grep."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    """Tokens and session ids are long random strings, so a plain SHA-256 digest is enough to store."""
    return hashlib.sha256(secret.encode()).hexdigest()
