"""Encryption at rest for consumer secrets, with keys from FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    """Encrypt plaintext with the first configured key; return a Fernet token."""
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token made by encrypt().

    Raises SecretDecryptionError when no configured key opens it, which means
    FIELD_ENCRYPTION_KEY changed without keeping the old key in the list.
    """
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise SecretDecryptionError(
            "A consumer secret cannot be decrypted: keep the previous key in FIELD_ENCRYPTION_KEY."
        ) from None
