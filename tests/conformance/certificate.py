"""The encryption certificate the rich-notification examples stand in for
`{encryption certificate}`: made once per run, self-signed, as a subscriber's own tooling would."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@cache
def private_key() -> rsa.RSAPrivateKey:
    """The subscriber's key, made on first use and kept for the run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def certificate_text() -> str:
    """A self-signed certificate for `private_key()`, base64 DER as Graph takes it."""
    key = private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mockgraph conformance")])
    start = datetime(2000, 1, 1, tzinfo=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 50))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
