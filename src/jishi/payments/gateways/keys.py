"""Keys and SHA256withRSA, the signature all three Chinese gateways use.

A key setting holds PEM text, the path of a PEM file, or (as Alipay's
console hands them out) bare base64 DER. Keys are parsed once per value and
never logged.
"""

import base64
import binascii
import functools
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured


def _pem_or_der(value: str, what: str) -> bytes:
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.encode()
    try:
        if text and "\n" not in text and Path(text).is_file():
            return Path(text).read_bytes()
    except OSError:  # too long for a file name: base64 DER
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{what}: not PEM, a readable file or base64 DER") from None


@functools.cache
def private_key(value: str, what: str = "private key") -> rsa.RSAPrivateKey:
    data = _pem_or_der(value, what)
    try:
        key = (
            serialization.load_pem_private_key(data, password=None)
            if data.startswith(b"-----BEGIN")
            else serialization.load_der_private_key(data, password=None)
        )
    except ValueError:
        raise ImproperlyConfigured(f"{what}: cannot be read") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured(f"{what}: not an RSA key")
    return key


@functools.cache
def public_key(value: str, what: str = "public key") -> rsa.RSAPublicKey:
    """An RSA public key from a public key or a certificate (PEM or DER)."""
    data = _pem_or_der(value, what)
    key: object
    try:
        if b"CERTIFICATE" in data[:40]:
            key = x509.load_pem_x509_certificate(data).public_key()
        elif data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except ValueError:
        raise ImproperlyConfigured(f"{what}: cannot be read") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ImproperlyConfigured(f"{what}: not an RSA key")
    return key


@functools.cache
def certificate(value: str, what: str = "certificate") -> x509.Certificate:
    data = _pem_or_der(value, what)
    try:
        return (
            x509.load_pem_x509_certificate(data)
            if data.startswith(b"-----BEGIN")
            else x509.load_der_x509_certificate(data)
        )
    except ValueError:
        raise ImproperlyConfigured(f"{what}: cannot be read") from None


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """SHA256withRSA (PKCS#1 v1.5) over ``message``, base64."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is SHA256withRSA over ``message`` by ``key``; never raises."""
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
