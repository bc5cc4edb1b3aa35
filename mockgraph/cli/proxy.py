"""The command line of the intercepting route: serve's certificates (its own CA, a loaded one,
the proxy's leaf) and the `ca create`, `env` and `doctor` commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mockgraph.settings import ClientSettings, Settings

if TYPE_CHECKING:
    from mockgraph.tls import CertificateAuthority, TlsFiles

SHELLS = ("sh", "fish", "powershell", "dotenv")


def tls_files(settings: Settings) -> tuple[TlsFiles | None, TlsFiles | None]:
    """(the server's HTTPS files, the proxy's) for serve's settings; ValueError if they clash."""
    from mockgraph.tls import TlsFiles, make_certificates

    authority = _authority(settings)
    server: TlsFiles | None = None
    cert, key = settings.tls_cert, settings.tls_key
    if cert or key:
        if not (cert and key):
            raise ValueError("--tls-cert and --tls-key go together")
        for path in (cert, key):
            if not path.is_file():
                raise ValueError(f"{path}: no such file")
        server = TlsFiles(cert, key, None)
    elif settings.tls:
        server = make_certificates(ca_file=settings.tls_ca_file, authority=authority)
    proxy: TlsFiles | None = None
    if settings.proxy_port is not None:
        if server is not None and server.ca is not None:
            proxy = server
        else:
            proxy = make_certificates(ca_file=settings.tls_ca_file, authority=authority)
    made = proxy or server
    if made is not None and made.ca is not None:
        # A CA given with --tls-ca-cert is the file clients already trust: name it, not the
        # temporary copy written beside the leaf.
        trusted = settings.tls_ca_cert or made.ca
        print(
            f"mockgraph: clients should trust the CA certificate {trusted} "
            "(also at /_mockgraph/ca.pem; `mockgraph env` sets it up)",
            file=sys.stderr,
        )
    return server, proxy


def _authority(settings: Settings) -> CertificateAuthority | None:
    cert, key = settings.tls_ca_cert, settings.tls_ca_key
    if not (cert or key):
        return None
    if not (cert and key):
        raise ValueError("--tls-ca-cert and --tls-ca-key go together")
    from mockgraph.tls import load_authority

    return load_authority(cert, key)


def add_proxy_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ca create`, `env` and `doctor`."""
    ca = commands.add_parser("ca", help="the CA mockgraph signs its certificates with")
    ca_commands = ca.add_subparsers(dest="ca_command", required=True)
    create = ca_commands.add_parser(
        "create", help="write ca.pem and ca-key.pem (mode 0600) once, for --tls-ca-cert/-key"
    )
    create.add_argument("--out", type=Path, required=True, help="the folder to write them to")
    create.add_argument("--days", type=int, default=3650, help="validity (default 3650)")
    create.set_defaults(run=lambda args: _ca_create(args.out, args.days))

    env = commands.add_parser(
        "env", help="print what a client process needs to reach mockgraph through its proxy"
    )
    ClientSettings.add_arguments(env)
    env.add_argument("--shell", choices=SHELLS, default="sh", help="output syntax (default sh)")
    env.add_argument("--proxy", help="the proxy's URL (default: the server's --proxy-port)")
    env.add_argument("--out", type=Path, help="where to write the CA, Node preload, truststore")
    env.set_defaults(run=_env_command)

    doctor = commands.add_parser(
        "doctor",
        help="check that Graph's and Entra's addresses reach mockgraph from this environment",
    )
    doctor.add_argument("--timeout", type=float, default=5.0, help="seconds per check")
    doctor.set_defaults(run=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from mockgraph.cli.doctor import diagnose

    return diagnose(args.timeout)


def _ca_create(folder: Path, days: int) -> int:
    from mockgraph.tls import new_authority, write_authority

    try:
        cert, key = write_authority(new_authority(days), folder)
    except (FileExistsError, OSError) as exc:
        print(f"mockgraph: {exc}", file=sys.stderr)
        return 2
    print(f"mockgraph: wrote {cert} and {key} (keep the key private)", file=sys.stderr)
    return 0


def _env_command(args: argparse.Namespace) -> int:
    import httpx

    from mockgraph.cli.control import client_settings
    from mockgraph.proxy.environment import client_environment, render

    try:
        settings = client_settings(args)
    except ValueError as exc:
        print(f"mockgraph: {exc}", file=sys.stderr)
        return 2
    base = settings.base_url
    headers = {"Authorization": f"Bearer {settings.admin_key}"} if settings.admin_key else {}
    # The CA is not trusted yet when it is fetched: only over loopback is that safe.
    loopback = httpx.URL(base).host in ("127.0.0.1", "localhost", "::1")
    try:
        with httpx.Client(
            base_url=base, timeout=10, trust_env=False, verify=not loopback
        ) as client:
            health = client.get("/_mockgraph/health", headers=headers).json()
            ca = client.get("/_mockgraph/ca.pem", headers=headers)
    except (httpx.HTTPError, ValueError) as exc:
        print(f"mockgraph: cannot reach mockgraph at {base}: {exc}", file=sys.stderr)
        return 1
    port = health.get("proxyPort") if isinstance(health, dict) else None
    proxy = args.proxy or (f"http://{httpx.URL(base).host}:{port}" if port else None)
    if proxy is None or ca.status_code != 200:
        print(
            f"mockgraph: the server at {base} runs no proxy; start it with "
            "`mockgraph serve --proxy-port 8443`",
            file=sys.stderr,
        )
        return 1
    folder = args.out or _cache_folder(base)
    variables, notes = client_environment(proxy, ca.content, folder)
    sys.stdout.write(render(variables, args.shell))
    for note in notes:
        print(f"mockgraph: {note}", file=sys.stderr)
    return 0


def _cache_folder(base: str) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = base.split("://", 1)[-1].replace(":", "-").replace("/", "-").strip("-")
    return root / "mockgraph" / f"env-{name}"
