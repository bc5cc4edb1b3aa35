"""mockgraph's CA and its leaf: RFC 5280-clean (Python's strict verification accepts the
chain), name-constrained, the key written once with mode 0600 and never shown."""

from __future__ import annotations

import glob
import ipaddress
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography import x509

from mockgraph.cli.main import main
from mockgraph.clouds import INTERCEPTED_HOSTS
from mockgraph.server import ServerThread
from mockgraph.tls import (
    issue_leaf,
    load_authority,
    make_certificates,
    new_authority,
    write_authority,
)
from tests.processes import Served, python312

# A client that trusts only mockgraph's CA, verifies strictly (VERIFY_X509_STRICT, Python
# 3.13's default), tunnels through the proxy, and prints the status line.
STRICT_CLIENT = """
import socket, ssl, sys
ca, port, host = sys.argv[1], int(sys.argv[2]), sys.argv[3]
context = ssl.create_default_context(cafile=ca)
context.verify_flags |= ssl.VERIFY_X509_STRICT
with socket.create_connection(("127.0.0.1", port)) as raw:
    raw.sendall(f"CONNECT {host}:443 HTTP/1.1\\r\\n\\r\\n".encode())
    assert raw.recv(1024).startswith(b"HTTP/1.1 200")
    with context.wrap_socket(raw, server_hostname=host) as tls:
        request = f"GET /v1.0/$metadata HTTP/1.1\\r\\nHost: {host}\\r\\n\\r\\n"
        tls.sendall(request.encode())
        print(tls.recv(1024).split(b"\\r\\n")[0].decode())
"""


def test_the_ca_is_rfc_5280_clean_and_name_constrained() -> None:
    authority = new_authority()
    ca = authority.certificate
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    names = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert names.critical
    permitted = names.value.permitted_subtrees
    assert permitted is not None
    dns = {n.value for n in permitted if isinstance(n, x509.DNSName)}
    assert dns == {*INTERCEPTED_HOSTS, "localhost"}
    ips = {n.value for n in permitted if isinstance(n, x509.IPAddress)}
    assert ips == {ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")}

    leaf, _ = issue_leaf(authority)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {*INTERCEPTED_HOSTS, "localhost"}
    assert not leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert "key" not in repr(authority).lower()


def test_ca_create_writes_the_key_once_with_mode_0600(tmp_path: Path) -> None:
    folder = tmp_path / "ci-ca"
    assert main(["ca", "create", "--out", str(folder)]) == 0

    key = folder / "ca-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    authority = load_authority(folder / "ca.pem", key)
    assert authority.certificate.extensions.get_extension_for_class(x509.NameConstraints)
    # Once: a second run leaves both files as they were.
    before = key.read_bytes()
    assert main(["ca", "create", "--out", str(folder)]) == 2
    assert key.read_bytes() == before
    with pytest.raises(FileExistsError):
        write_authority(new_authority(), folder)


def test_a_loaded_ca_signs_the_served_certificate(tmp_path: Path) -> None:
    write_authority(new_authority(), tmp_path)
    authority = load_authority(tmp_path / "ca.pem", tmp_path / "ca-key.pem")
    run = tmp_path / "run"
    run.mkdir()
    files = make_certificates(run, authority=authority)
    assert files.ca is not None
    assert files.ca.read_bytes() == (tmp_path / "ca.pem").read_bytes()
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600


def test_serve_names_the_given_ca_and_no_temporary_one(tmp_path: Path) -> None:
    ca, key = write_authority(new_authority(), tmp_path / "ci-ca")
    served = Served(tmp_path, "--tls", "--tls-ca-cert", str(ca), "--tls-ca-key", str(key))
    try:
        deadline = time.monotonic() + 30
        while "Graph API" not in served.log.read_text() and time.monotonic() < deadline:
            assert served.process.poll() is None, served.log.read_text()
            time.sleep(0.05)
    finally:
        served.stop()
    printed = served.log.read_text()
    assert f"clients should trust the CA certificate {ca} " in printed
    assert "mockgraph-tls-" not in printed


def test_load_authority_says_what_is_wrong(tmp_path: Path) -> None:
    write_authority(new_authority(), tmp_path / "a")
    write_authority(new_authority(), tmp_path / "b")
    with pytest.raises(ValueError, match="not the EC key of the certificate"):
        load_authority(tmp_path / "a" / "ca.pem", tmp_path / "b" / "ca-key.pem")
    with pytest.raises(ValueError, match="cannot read the CA"):
        load_authority(tmp_path / "missing.pem", tmp_path / "a" / "ca-key.pem")


def python_version(version: str) -> str | None:
    """An interpreter of `version` (3.12 as tests/processes.py finds it, else pyenv's)."""
    if sys.version_info[:2] == tuple(int(p) for p in version.split(".")):
        return sys.executable
    if version == "3.12":
        return python312()
    found = sorted(glob.glob(f"/root/.pyenv/versions/{version}*/bin/python{version}"))
    return found[-1] if found else shutil.which(f"python{version}")


@pytest.mark.full_suite
@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_strict_verification_accepts_the_chain(version: str) -> None:
    from mockgraph.app import create_app
    from mockgraph.settings import Settings

    interpreter = python_version(version)
    if interpreter is None:
        pytest.skip(f"no Python {version} on this machine")
    tls = make_certificates()
    assert tls.ca is not None
    with ServerThread(create_app(Settings(tls_ca=tls.ca)), proxy=tls) as server:
        for host in ("graph.microsoft.com", "login.microsoftonline.us"):
            run = subprocess.run(
                [interpreter, "-c", STRICT_CLIENT, str(tls.ca), str(server.proxy_port), host],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert run.returncode == 0, run.stderr
            assert run.stdout.strip() == "HTTP/1.1 200 OK"
