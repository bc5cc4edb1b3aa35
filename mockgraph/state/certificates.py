"""The certificates fixture apps register for client assertions (private_key_jwt): each one's
key and the thumbprints an assertion's header names it by. State layer, no HTTP."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes


@dataclass(frozen=True, slots=True)
class AppCertificate:
    """A registered certificate: its key and the thumbprints (base64url) assertions name it by."""

    x5t: str  # SHA-1 of the DER certificate
    x5t_s256: str  # SHA-256 of the DER certificate
    public_key: CertificatePublicKeyTypes


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_certificate(entry: str, base: Path | None) -> AppCertificate:
    """A certificate from inline PEM or a file (the first certificate in it); ValueError says
    what is wrong."""
    if entry.lstrip().startswith("-----BEGIN"):
        data = entry.encode()
    else:
        path = (base / entry) if base is not None else Path(entry)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read the certificate file {path}: {exc.strerror}") from None
    try:
        certificate = x509.load_pem_x509_certificates(data)[0]
    except ValueError:
        raise ValueError("not a PEM certificate (-----BEGIN CERTIFICATE-----)") from None
    der = certificate.public_bytes(serialization.Encoding.DER)
    return AppCertificate(
        _b64url(hashlib.sha1(der).digest()),
        _b64url(hashlib.sha256(der).digest()),
        certificate.public_key(),
    )


def load_certificates(entries: list[str], base: Path | None) -> tuple[AppCertificate, ...]:
    """Every entry loaded; a ValueError starting `[n]: ` names the first that cannot be."""
    loaded = []
    for position, entry in enumerate(entries):
        try:
            loaded.append(load_certificate(entry, base))
        except ValueError as exc:
            raise ValueError(f"[{position}]: {exc}") from None
    return tuple(loaded)
