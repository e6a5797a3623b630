"""Encryption at rest for connection credentials (R3.5).

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``. ``FIELD_ENCRYPTION_KEY``
may hold several comma-separated keys: the first encrypts, all of them decrypt, so a
key can be rotated by putting the new one first and re-saving the connections.

Without the setting (laptop, tests) a key is derived from ``SECRET_KEY``;
production settings require the variable, so a leaked database dump plus a
guessable SECRET_KEY is never enough.
"""

import base64
import hashlib
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived_key(secret_key: str) -> bytes:
    digest = hashlib.sha256(f"flexcommunity.field-encryption:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet(keys: str, secret_key: str) -> MultiFernet:
    raw = [key.strip() for key in keys.split(",") if key.strip()]
    if not raw:
        raw = [_derived_key(secret_key).decode()]
    return MultiFernet([Fernet(key.encode()) for key in raw])


def fernet() -> MultiFernet:
    return _fernet(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "", settings.SECRET_KEY)


def encrypt_json(value: dict) -> str:
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


class UndecryptableCredentials(Exception):
    """The stored credentials were encrypted with a key this process does not have."""


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise UndecryptableCredentials(
            "Credentials cannot be decrypted: FIELD_ENCRYPTION_KEY changed?"
        ) from exc
