"""The log's Ed25519 key and the C2SP signed notes it signs.

The key is ``JISHI_PET_LOG_KEY``: a signed-note private key,
``PRIVATE+KEY+<name>+<keyid>+<base64(0x01 ‖ seed)>`` (``manage.py pet_log_key``
makes one). Its name is the log's origin line. Outside production, without
one, a key is derived from SECRET_KEY so that a development machine signs the
same way every run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from jishi.pets.verifier import ED25519, EM_DASH, VerifierKey, key_id


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, text: str) -> str:
        """``text`` (newline-terminated) as a signed note carrying this key's signature."""
        if not text.endswith("\n") or "\n\n" in text:
            raise ValueError("a note's text ends with one newline and has no blank line")
        blob = key_id(self.name, self.verifier.public_key) + self._private.sign(text.encode())
        return f"{text}\n{EM_DASH} {self.name} {base64.b64encode(blob).decode()}\n"

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{key_id(self.name, self.verifier.public_key).hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise ValueError("not a signed-note private key (PRIVATE+KEY+name+keyid+base64)")
        raw = base64.b64decode(parts[4], validate=True)
        if len(raw) != 33 or raw[0] != ED25519:
            raise ValueError("not an Ed25519 signed-note private key")
        signer = cls(parts[2], raw[1:])
        if str(signer.verifier).split("+")[1] != parts[3].lower():
            raise ValueError("the key ID does not match the key")
        return signer

    @classmethod
    def generate(cls, name: str) -> Signer:
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, seed)


def default_origin() -> str:
    """The log's name when the key does not give one: the site's host and a path, as C2SP suggests."""
    host = urlsplit(settings.JISHI_SITE_URL).netloc or "jishi.localhost"
    return f"{host}/pet-records"


@lru_cache(maxsize=2)
def _signer(configured: str, secret: str) -> Signer:
    if configured:
        return Signer.parse(configured)
    return Signer(default_origin(), hashlib.sha256(f"jishi-pet-log:{secret}".encode()).digest())


def signer() -> Signer:
    return _signer(settings.JISHI_PET_LOG_KEY, settings.SECRET_KEY)
