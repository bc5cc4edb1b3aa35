"""Self-signed certificates and client assertions, as a team's own tooling would make them."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mockgraph.settings import DEFAULT_FIXTURES


@dataclass(frozen=True)
class Certificate:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def digest(self, algorithm: str) -> bytes:
        der = self.cert.public_bytes(serialization.Encoding.DER)
        return hashlib.new(algorithm, der).digest()

    @property
    def sha1_hex(self) -> str:
        return self.digest("sha1").hex().upper()

    def thumbprint(self, algorithm: str) -> str:
        return base64.urlsafe_b64encode(self.digest(algorithm)).rstrip(b"=").decode()

    def write(self, path: Path) -> Path:
        """Key and certificate in one PEM file, as azure-identity's certificate_path wants."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.key_pem + self.cert_pem)
        return path


def make_certificate(name: str = "presence-sync") -> Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return Certificate(key, cert)


def fixtures_with(path: Path, changes: dict[str, dict[str, Any]]) -> Path:
    """The bundled fixtures with some apps' keys changed, written to `path`."""
    document = json.loads(DEFAULT_FIXTURES.read_text())
    for user in document["users"]:
        # Photos are relative to the bundled file: keep them found from `path`'s folder.
        if isinstance(user.get("photo"), str):
            user["photo"] = str(DEFAULT_FIXTURES.resolve().parent / user["photo"])
    for app in document["apps"]:
        app.update(changes.get(app["appId"], {}))
    path.write_text(json.dumps(document))
    return path


def assertion(
    certificate: Certificate,
    client_id: str,
    audience: Any,
    now: float,
    *,
    kind: str = "x5t",
    claims: dict[str, Any] | None = None,
    lifetime: int = 600,
) -> str:
    """A client assertion: RS256 with x5t (SHA-1) or PS256 with x5t#S256 (SHA-256)."""
    body: dict[str, Any] = {
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "nbf": int(now),
        "iat": int(now),
        "exp": int(now) + lifetime,
    }
    body.update(claims or {})
    body = {k: v for k, v in body.items() if v is not None}
    if kind == "x5t":
        headers = {"x5t": certificate.thumbprint("sha1")}
        return jwt.encode(body, certificate.key, algorithm="RS256", headers=headers)
    headers = {"x5t#S256": certificate.thumbprint("sha256")}
    return jwt.encode(body, certificate.key, algorithm="PS256", headers=headers)


def padded(token: str) -> str:
    """The same JWS with `=` padding on every part, as azure-identity's aio credential sends."""

    def pad(part: str) -> str:
        return part + "=" * (-len(part) % 4)

    return ".".join(pad(p) for p in token.split("."))
