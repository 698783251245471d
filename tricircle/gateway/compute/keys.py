"""Key material: fingerprints of imported keys and new key pairs, as Nova makes them."""

from __future__ import annotations

import base64
import hashlib

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class InvalidKey(ValueError):
    pass


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def fingerprint(public_key: str, key_type: str) -> str:
    try:
        if key_type == "x509":
            certificate = x509.load_pem_x509_certificate(public_key.encode())
            return _colon_hex(certificate.fingerprint(hashes.SHA1()))
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(public_key.split()[1])
    # a PEM certificate given as an ssh key is an "unsupported algorithm" to cryptography
    except (ValueError, IndexError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKey(str(exc)) from None
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def generate() -> tuple[str, str]:
    """A new RSA key pair: (OpenSSH public key, PEM private key)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return public.decode() + " Generated-by-Tricircle", pem.decode()
