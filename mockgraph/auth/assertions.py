"""Reading and verifying the JWS a client signs itself (a private_key_jwt client assertion).

Parsed by hand rather than by a JOSE library, because azure-identity's async credentials send
base64url *with* `=` padding (azure-identity's `_internal/aad_client_base.py`), which strict
libraries refuse.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

# Entra takes RS256 (with x5t) and PS256 (with x5t#S256): the 2023 and 2025 versions of
# https://learn.microsoft.com/entra/identity-platform/certificate-credentials; docs/fidelity.md,
# 'Device code, certificate credentials, on-behalf-of'.
ALGORITHMS = ("RS256", "PS256")
MAX_ASSERTION_CHARS = 16 * 1024


class MalformedJws(ValueError):
    """Not a compact JWS with JSON header and claims."""


@dataclass(frozen=True)
class Jws:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _decode(part: str) -> bytes:
    stripped = part.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError):
        raise MalformedJws("a part is not base64url") from None


def _object(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_decode(part))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MalformedJws(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedJws(f"the {what} is not a JSON object")
    return value


def read_jws(token: str) -> Jws:
    """The parts of a compact JWS, padding tolerated; MalformedJws says what is wrong."""
    if len(token) > MAX_ASSERTION_CHARS:
        raise MalformedJws("it is too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedJws("it does not have three parts")
    header, claims = _object(parts[0], "header"), _object(parts[1], "payload")
    return Jws(header, claims, f"{parts[0]}.{parts[1]}".encode(), _decode(parts[2]))


def signature_valid(jws: Jws, key: CertificatePublicKeyTypes) -> bool:
    """Whether `key` made the signature, by the JWS's own RS256 or PS256."""
    alg = jws.header.get("alg")
    if alg not in ALGORITHMS or not isinstance(key, rsa.RSAPublicKey):
        return False
    scheme: padding.AsymmetricPadding = (
        padding.PKCS1v15()
        if alg == "RS256"
        else padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    )
    try:
        key.verify(jws.signature, jws.signing_input, scheme, hashes.SHA256())
    except InvalidSignature:
        return False
    return True
