"""Field encryption for personal data (ID numbers, phone numbers).

Values are sealed with AES-256-GCM (authenticated: a tampered ciphertext
fails to open) under a key derived with HKDF from ``JISHI_FIELD_KEY``. For
equality look-ups (has this ID number been used? log in by phone) a keyed
HMAC-SHA256 "blind index" is stored beside the ciphertext; it is derived
from the same secret with a different HKDF label, so it reveals nothing
without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import overload

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = "v1"


@lru_cache(maxsize=4)
def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jishi-field-key", info=label).derive(secret.encode())


def _keys() -> tuple[bytes, bytes]:
    secret = settings.JISHI_FIELD_KEY
    return _derive(secret, b"seal"), _derive(secret, b"blind-index")


def seal(plaintext: str, *, context: str) -> str:
    """Encrypt ``plaintext``; ``context`` (e.g. ``"kyc.id_number"``) is bound as associated data."""
    key, _ = _keys()
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + ciphertext).decode()}"


def unseal(token: str, *, context: str) -> str:
    """Decrypt a value made by :func:`seal`; raises ValueError if it was tampered with."""
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown sealed-value version")
    raw = base64.urlsafe_b64decode(body.encode())
    key, _ = _keys()
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except Exception as exc:  # cryptography raises InvalidTag
        raise ValueError("sealed value failed authentication") from exc


def blind_index(value: str, *, context: str) -> str:
    """Keyed hash of ``value`` for equality look-ups without decrypting."""
    _, key = _keys()
    return hmac.new(key, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()


def token_digest(token: str) -> str:
    """Digest of a high-entropy secret (API tokens) for storage: plain SHA-256 is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


class SealedText:
    """A model attribute kept sealed in the text column ``column`` (empty stays empty, so it can be optional).

    ``address = SealedText("address_sealed", context="merchants.return_address")`` reads and writes
    plain text on the instance; queries and ``update()`` use the column.
    """

    def __init__(self, column: str, *, context: str) -> None:
        self.column, self.context = column, context

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> SealedText: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> str: ...
    def __get__(self, instance: object, owner: type | None = None) -> SealedText | str:
        if instance is None:
            return self
        sealed = getattr(instance, self.column)
        return unseal(sealed, context=self.context) if sealed else ""

    def __set__(self, instance: object, value: str) -> None:
        setattr(instance, self.column, seal(value, context=self.context) if value else "")
