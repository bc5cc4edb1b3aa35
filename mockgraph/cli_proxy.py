"""The command line of the intercepting route: serve's proxy, cloud and CA options, and the
`ca create`, `env` and `doctor` commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockgraph.tls import CertificateAuthority, TlsFiles

SHELLS = ("sh", "fish", "powershell", "dotenv")
DEFAULT_URL = "http://127.0.0.1:8000"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MOCKGRAPH_{name}", default)


def add_serve_options(serve: argparse.ArgumentParser) -> None:
    """serve's --proxy-port, --proxy-passthrough, --cloud, --tls-ca-cert and --tls-ca-key."""
    port = _env("PROXY_PORT")
    serve.add_argument(
        "--proxy-port",
        type=int,
        default=int(port) if port else None,
        help="also listen here, on --host, as an HTTP proxy (HTTPS_PROXY) that answers as "
        "Graph's and Entra's own hosts (MOCKGRAPH_PROXY_PORT)",
    )
    serve.add_argument(
        "--proxy-passthrough",
        default=_env("PROXY_PASSTHROUGH", ""),
        help="HOST[:PORT],... the proxy tunnels unchanged; every other host not Graph's or "
        "Entra's gets 403 (MOCKGRAPH_PROXY_PASSTHROUGH)",
    )
    serve.add_argument(
        "--cloud",
        default=_env("CLOUD", "global"),
        help="the national cloud mockgraph's own address answers as: global, usgov, dod or "
        "china (MOCKGRAPH_CLOUD; default global); Graph's and Entra's hosts decide for themselves",
    )
    serve.add_argument(
        "--tls-ca-cert",
        type=Path,
        default=_path(_env("TLS_CA_CERT")),
        help="sign the server's and the proxy's certificate with this CA from `mockgraph ca "
        "create` (MOCKGRAPH_TLS_CA_CERT; default: a new CA each run)",
    )
    serve.add_argument(
        "--tls-ca-key",
        type=Path,
        default=_path(_env("TLS_CA_KEY")),
        help="the key of --tls-ca-cert (MOCKGRAPH_TLS_CA_KEY)",
    )


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def tls_files(args: argparse.Namespace) -> tuple[TlsFiles | None, TlsFiles | None]:
    """(the server's HTTPS files, the proxy's) for serve's options; ValueError if they clash."""
    from mockgraph.tls import TlsFiles, make_certificates

    authority = _authority(args)
    server: TlsFiles | None = None
    if args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        for path in (args.tls_cert, args.tls_key):
            if not path.is_file():
                raise ValueError(f"{path}: no such file")
        server = TlsFiles(args.tls_cert, args.tls_key, None)
    elif args.tls:
        server = make_certificates(ca_file=args.tls_ca_file, authority=authority)
    proxy: TlsFiles | None = None
    if args.proxy_port is not None:
        if server is not None and server.ca is not None:
            proxy = server
        else:
            proxy = make_certificates(ca_file=args.tls_ca_file, authority=authority)
    made = proxy or server
    if made is not None and made.ca is not None:
        print(
            f"mockgraph: clients should trust the CA certificate {made.ca} "
            "(also at /_mockgraph/ca.pem; `mockgraph env` sets it up)",
            file=sys.stderr,
        )
    return server, proxy


def _authority(args: argparse.Namespace) -> CertificateAuthority | None:
    if not (args.tls_ca_cert or args.tls_ca_key):
        return None
    if not (args.tls_ca_cert and args.tls_ca_key):
        raise ValueError("--tls-ca-cert and --tls-ca-key go together")
    from mockgraph.tls import load_authority

    return load_authority(args.tls_ca_cert, args.tls_ca_key)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ca create`, `env` and `doctor`."""
    ca = commands.add_parser("ca", help="the CA mockgraph signs its certificates with")
    ca_commands = ca.add_subparsers(dest="ca_command", required=True)
    create = ca_commands.add_parser(
        "create", help="write ca.pem and ca-key.pem (mode 0600) once, for --tls-ca-cert/-key"
    )
    create.add_argument("--out", type=Path, required=True, help="the folder to write them to")
    create.add_argument("--days", type=int, default=3650, help="validity (default 3650)")

    env = commands.add_parser(
        "env", help="print what a client process needs to reach mockgraph through its proxy"
    )
    env.add_argument(
        "--url", default=_env("URL", DEFAULT_URL), help="the running server (MOCKGRAPH_URL)"
    )
    env.add_argument("--shell", choices=SHELLS, default="sh", help="output syntax (default sh)")
    env.add_argument("--proxy", help="the proxy's URL (default: the server's --proxy-port)")
    env.add_argument("--out", type=Path, help="where to write the CA, Node preload, truststore")
    env.add_argument("--admin-key", default=_env("ADMIN_KEY"), help="MOCKGRAPH_ADMIN_KEY")

    doctor = commands.add_parser(
        "doctor",
        help="check that Graph's and Entra's addresses reach mockgraph from this environment",
    )
    doctor.add_argument("--timeout", type=float, default=5.0, help="seconds per check")


def run(args: argparse.Namespace) -> int:
    if args.command == "ca":
        return _ca_create(args.out, args.days)
    if args.command == "env":
        return _env_command(args)
    from mockgraph.doctor import diagnose

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

    from mockgraph.intercept import client_environment, render

    base = args.url.rstrip("/")
    headers = {"Authorization": f"Bearer {args.admin_key}"} if args.admin_key else {}
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
