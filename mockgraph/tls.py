"""HTTPS for mockgraph: a CA of its own and the one leaf it signs, for localhost and for
every Graph and Entra host mockgraph answers as (docs/proxy.md, 'Security notes').

The CA is RFC 5280-clean so that Python 3.13's VERIFY_X509_STRICT accepts it (critical
basicConstraints, key usage, SKI; leaves carry AKI and their names in SAN only; see
https://github.com/python/cpython/issues/107361), and
name-constrained to the intercepted hosts, localhost and the loopback addresses, so that a
leaked key forges nothing else. Its key is never logged and reaches disk only through
`write_authority`, with mode 0600. It is not the token-signing key (auth/keys.py).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mockgraph.clouds import INTERCEPTED_HOSTS

LOOPBACK_NAMES = ("localhost",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
# What the CA may sign for: DNS subtrees and the loopback networks.
PERMITTED_NETWORKS = ("127.0.0.0/8", "::1/128")
CA_FILE, CA_KEY_FILE = "ca.pem", "ca-key.pem"
_PEM = serialization.Encoding.PEM


@dataclass(frozen=True)
class TlsFiles:
    """What uvicorn needs to serve HTTPS, and the CA clients should trust."""

    cert: Path
    key: Path
    ca: Path | None  # None when the certificate was given rather than made


@dataclass(frozen=True)
class CertificateAuthority:
    """mockgraph's CA: made per run, or loaded from `mockgraph ca create`'s files."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def pem(self) -> bytes:
        return self.certificate.public_bytes(_PEM)

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"CertificateAuthority({self.certificate.subject.rfc4514_string()})"


def _name(*, common_name: str | None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mockgraph")]
    if common_name is not None:
        attributes.insert(0, x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=ca,
        crl_sign=ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


def new_authority(days: int = 30) -> CertificateAuthority:
    """A fresh CA, valid for `days`, that can sign only for mockgraph's hosts."""
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(common_name=f"mockgraph local CA {now:%Y-%m-%d %H:%M:%S}")
    permitted: list[x509.GeneralName] = [
        x509.DNSName(host) for host in (*INTERCEPTED_HOSTS, *LOOPBACK_NAMES)
    ]
    permitted += [x509.IPAddress(ipaddress.ip_network(n)) for n in PERMITTED_NETWORKS]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(certificate, key)


def issue_leaf(
    authority: CertificateAuthority, hosts: tuple[str, ...] | None = None, days: int = 30
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A server certificate for `hosts` (default: every intercepted host, localhost and the
    loopback addresses), its names in subjectAltName only."""
    names = hosts if hosts is not None else (*LOOPBACK_NAMES, *INTERCEPTED_HOSTS)
    general: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    if hosts is None:
        general += [x509.IPAddress(ipaddress.ip_address(a)) for a in LOOPBACK_ADDRESSES]
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_cert = authority.certificate
    end = min(now + datetime.timedelta(days=days), ca_cert.not_valid_after_utc)
    key = ec.generate_private_key(ec.SECP256R1())
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name=None))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(now, ca_cert.not_valid_before_utc))
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(general), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(authority.key, hashes.SHA256())
    )
    return certificate, key


def _write_private(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600 from the start (never readable by others, even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def write_authority(authority: CertificateAuthority, folder: Path) -> tuple[Path, Path]:
    """`mockgraph ca create`: ca.pem and ca-key.pem (0600) in `folder`, never over old ones."""
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / CA_FILE, folder / CA_KEY_FILE
    for path in (cert_path, key_path):
        if path.exists():
            raise FileExistsError(f"{path} exists already; mockgraph writes a CA only once")
    _write_private(key_path, _key_pem(authority.key))
    cert_path.write_bytes(authority.pem())
    return cert_path, key_path


def load_authority(cert_path: Path, key_path: Path) -> CertificateAuthority:
    """A CA from PEM files; ValueError says what is wrong with them (never what the key is)."""
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except OSError as exc:
        raise ValueError(f"cannot read the CA: {exc.strerror}: {exc.filename}") from None
    except (ValueError, TypeError):
        raise ValueError(f"{cert_path} and {key_path} are not a PEM certificate and key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != (
        certificate.public_key()
    ):
        raise ValueError(f"{key_path} is not the EC key of the certificate in {cert_path}")
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        raise ValueError(f"{cert_path} is not a CA certificate mockgraph made") from None
    if not constraints.value.ca:
        raise ValueError(f"{cert_path} is not a CA certificate")
    return CertificateAuthority(certificate, key)


def make_certificates(
    folder: Path | None = None,
    ca_file: Path | None = None,
    authority: CertificateAuthority | None = None,
) -> TlsFiles:
    """The leaf for localhost and every intercepted host, signed by `authority` (a fresh CA
    when None), written with the CA's certificate into `folder` (a new temporary one)."""
    folder = folder or Path(tempfile.mkdtemp(prefix="mockgraph-tls-"))
    authority = authority or new_authority()
    cert, key = issue_leaf(authority)
    cert_path, key_path = folder / "server.pem", folder / "server-key.pem"
    ca_path = ca_file or folder / "mockgraph-ca.pem"
    cert_path.write_bytes(cert.public_bytes(_PEM))
    key_path.unlink(missing_ok=True)
    _write_private(key_path, _key_pem(key))
    ca_path.write_bytes(authority.pem())
    return TlsFiles(cert_path, key_path, ca_path)
