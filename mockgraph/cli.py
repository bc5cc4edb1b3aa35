"""The command line: argv and MOCKGRAPH_* variables -> Settings -> a server, or a token."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from mockgraph import __version__
from mockgraph.admin.models import TokenRequest
from mockgraph.admin.service import mint_token
from mockgraph.auth.keys import SigningKey, SigningKeyError
from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clock import Clock
from mockgraph.clouds import parse_cloud
from mockgraph.errors import GraphError
from mockgraph.fixtures import FixtureError, load_fixtures
from mockgraph.settings import DEFAULT_FIXTURES, Settings
from mockgraph.throttle import parse_limit

if TYPE_CHECKING:
    from mockgraph.tls import TlsFiles

EXIT_CONFIG = 2


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MOCKGRAPH_{name}", default)


def _flag(name: str) -> bool:
    return (_env(name) or "").strip().lower() in ("1", "true", "yes", "on")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockgraph",
        description=("A faithful, stateful emulator of the Microsoft Graph presence API."),
    )
    parser.add_argument("--version", action="version", version=f"mockgraph {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument(
        "--host",
        default=_env("HOST", "127.0.0.1"),
        help="address to listen on (MOCKGRAPH_HOST; default 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=_env("PORT", "8000"),
        help="port to listen on (MOCKGRAPH_PORT; default 8000)",
    )
    serve.add_argument(
        "--fixtures",
        type=Path,
        default=Path(_env("FIXTURES") or DEFAULT_FIXTURES),
        help="seed file (MOCKGRAPH_FIXTURES; default: the bundled fixtures)",
    )
    serve.add_argument(
        "--signing-key",
        type=Path,
        default=_path(_env("SIGNING_KEY")),
        help="PEM RSA key to sign tokens with (MOCKGRAPH_SIGNING_KEY; "
        "default: one generated at start)",
    )
    serve.add_argument(
        "--strict-session-id",
        action="store_true",
        default=_flag("STRICT_SESSION_ID"),
        help="setPresence's sessionId must be the caller's app id "
        "(MOCKGRAPH_STRICT_SESSION_ID=true)",
    )
    serve.add_argument(
        "--log-level",
        default=_env("LOG_LEVEL", "info"),
        choices=["critical", "error", "warning", "info", "debug"],
        help="MOCKGRAPH_LOG_LEVEL; default info",
    )
    serve.add_argument(
        "--admin-key",
        default=_env("ADMIN_KEY"),
        help="require this bearer key on /_mockgraph calls (MOCKGRAPH_ADMIN_KEY)",
    )
    serve.add_argument(
        "--journal-size",
        type=int,
        default=_env("JOURNAL_SIZE", "10000"),
        help="Graph calls the request journal keeps (MOCKGRAPH_JOURNAL_SIZE; default 10000)",
    )
    serve.add_argument(
        "--throttle",
        default=_env("THROTTLE", "off"),
        help="off, graph (1500 per 30 s per app per tenant) or N/Ss such as 100/10s "
        "(MOCKGRAPH_THROTTLE; default off)",
    )
    serve.add_argument(
        "--max-tenants",
        type=int,
        default=_env("MAX_TENANTS", "1000"),
        help="tenants kept at most (MOCKGRAPH_MAX_TENANTS; default 1000)",
    )
    serve.add_argument(
        "--webhook-https-only",
        action="store_true",
        default=_flag("WEBHOOK_HTTPS_ONLY"),
        help="notification URLs must be https, as in Graph (MOCKGRAPH_WEBHOOK_HTTPS_ONLY=true)",
    )
    serve.add_argument(
        "--webhook-attempts",
        type=int,
        default=_env("WEBHOOK_ATTEMPTS", "5"),
        help="delivery attempts per notification before it is given up "
        "(MOCKGRAPH_WEBHOOK_ATTEMPTS; default 5)",
    )
    serve.add_argument(
        "--webhook-backoff",
        type=float,
        default=_env("WEBHOOK_BACKOFF", "0.2"),
        help="seconds before the first retry, doubling after (MOCKGRAPH_WEBHOOK_BACKOFF; "
        "default 0.2)",
    )
    serve.add_argument(
        "--webhook-timeout",
        type=float,
        default=_env("WEBHOOK_TIMEOUT", "3"),
        help="seconds a webhook may take to answer (MOCKGRAPH_WEBHOOK_TIMEOUT; default 3)",
    )
    serve.add_argument(
        "--state-file",
        type=Path,
        default=_path(_env("STATE_FILE")),
        help="save the whole state here (atomically) at shutdown and every interval, and load "
        "it at start (MOCKGRAPH_STATE_FILE)",
    )
    serve.add_argument(
        "--state-save-interval",
        type=float,
        default=_env("STATE_SAVE_INTERVAL", "10"),
        help="seconds between saves of --state-file; 0 saves at shutdown only "
        "(MOCKGRAPH_STATE_SAVE_INTERVAL; default 10)",
    )
    serve.add_argument(
        "--cors-origins",
        default=_env("CORS_ORIGINS", "*"),
        help="origins browsers may call from: *, none, or a comma-separated list "
        "(MOCKGRAPH_CORS_ORIGINS; default *)",
    )
    serve.add_argument(
        "--cloud",
        default=_env("CLOUD", "global"),
        help="the national cloud @odata.context names when the Host is not one of Graph's: "
        "global, usgov, dod or china (MOCKGRAPH_CLOUD; default global)",
    )
    serve.add_argument(
        "--photo-not-found-code",
        default=_env("PHOTO_NOT_FOUND_CODE", "ImageNotFound"),
        choices=("ImageNotFound", "ErrorEntityNotFound"),
        help="the code of a missing photo's 404 (MOCKGRAPH_PHOTO_NOT_FOUND_CODE; "
        "default ImageNotFound)",
    )
    serve.add_argument(
        "--tls",
        action="store_true",
        default=_flag("TLS"),
        help="serve HTTPS with a certificate for localhost signed by a CA mockgraph makes "
        "(MOCKGRAPH_TLS=true)",
    )
    serve.add_argument(
        "--tls-cert",
        type=Path,
        default=_path(_env("TLS_CERT")),
        help="serve HTTPS with this PEM certificate (MOCKGRAPH_TLS_CERT)",
    )
    serve.add_argument(
        "--tls-key",
        type=Path,
        default=_path(_env("TLS_KEY")),
        help="the PEM key of --tls-cert (MOCKGRAPH_TLS_KEY)",
    )
    serve.add_argument(
        "--tls-ca-file",
        type=Path,
        default=_path(_env("TLS_CA_FILE")),
        help="where --tls writes its CA certificate (MOCKGRAPH_TLS_CA_FILE; default: a new "
        "temporary folder, named at start)",
    )

    token = commands.add_parser("token", help="print a bearer token")
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="user object id: a delegated token")
    who.add_argument("--app", help="app id: an application token")
    token.add_argument("--scopes", default="", help="space-separated delegated scopes")
    token.add_argument("--roles", default="", help="space-separated application roles")
    token.add_argument("--client-app", help="the app a delegated token is issued to")
    token.add_argument("--tenant", help="tenant id (default: the fixtures' tenant)")
    token.add_argument("--expires-in", type=int, default=3600, help="lifetime in seconds")
    token.add_argument(
        "--url",
        default=_env("URL", "http://127.0.0.1:8000"),
        help="a running server to ask (MOCKGRAPH_URL); ignored with --signing-key",
    )
    token.add_argument(
        "--admin-key",
        default=_env("ADMIN_KEY"),
        help="the server's admin key, if it has one (MOCKGRAPH_ADMIN_KEY)",
    )
    token.add_argument(
        "--signing-key",
        type=Path,
        default=_path(_env("SIGNING_KEY")),
        help="sign locally with this PEM key instead of asking a server",
    )
    token.add_argument(
        "--fixtures",
        type=Path,
        default=Path(_env("FIXTURES") or DEFAULT_FIXTURES),
        help="fixtures, for the default tenant and app with --signing-key",
    )
    return parser


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return token(args)


def serve(args: argparse.Namespace) -> int:
    from mockgraph.app import create_app
    from mockgraph.persistence import StateFileError, load
    from mockgraph.server import run_until_stopped

    try:
        tls = _tls(args)
        settings = Settings(
            host=args.host,
            port=args.port,
            fixtures=args.fixtures,
            signing_key=args.signing_key,
            strict_session_id=args.strict_session_id,
            log_level=args.log_level,
            admin_key=args.admin_key or None,
            journal_size=_positive(args.journal_size, "journal size"),
            throttle=parse_limit(args.throttle),
            max_tenants=_positive(args.max_tenants, "tenant limit"),
            tls_ca=tls.ca if tls is not None else None,
            webhook_https_only=args.webhook_https_only,
            webhook_attempts=_positive(args.webhook_attempts, "number of webhook attempts"),
            webhook_backoff=max(0.0, args.webhook_backoff),
            webhook_timeout=max(0.1, args.webhook_timeout),
            state_file=args.state_file,
            state_save_interval=max(0.0, args.state_save_interval),
            cors_origins=_origins(args.cors_origins),
            cloud=parse_cloud(args.cloud).name,
            photo_not_found_code=args.photo_not_found_code,
        )
        app = create_app(settings)
        if settings.state_file is not None:
            load(app.state.runtime.store, settings.state_file)
    except (FixtureError, SigningKeyError, StateFileError, ValueError) as exc:
        print(f"mockgraph: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    run_until_stopped(app, settings, tls)
    return 0


def _origins(text: str) -> tuple[str, ...]:
    """MOCKGRAPH_CORS_ORIGINS: `*` (the default), `none`, or origins separated by commas."""
    value = text.strip()
    if value.lower() in ("", "none", "off"):
        return ()
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def _tls(args: argparse.Namespace) -> TlsFiles | None:
    if args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        for path in (args.tls_cert, args.tls_key):
            if not path.is_file():
                raise ValueError(f"{path}: no such file")
        from mockgraph.tls import TlsFiles

        return TlsFiles(args.tls_cert, args.tls_key, None)
    if not args.tls:
        return None
    from mockgraph.tls import make_certificates

    tls = make_certificates(ca_file=args.tls_ca_file)
    print(
        f"mockgraph: serving HTTPS; clients should trust the CA certificate {tls.ca} "
        "(also at /_mockgraph/ca.pem)",
        file=sys.stderr,
    )
    return tls


def _positive(value: int, what: str) -> int:
    if value < 1:
        raise ValueError(f"the {what} must be at least 1, not {value}")
    return value


def token(args: argparse.Namespace) -> int:
    body: dict[str, object] = {"expiresIn": args.expires_in}
    if args.user:
        body.update(userId=args.user, scopes=args.scopes.split())
        if args.client_app:
            body["appId"] = args.client_app
    else:
        body.update(appId=args.app, roles=args.roles.split())
    if args.tenant:
        body["tenantId"] = args.tenant
    if args.signing_key is None:
        import httpx

        try:
            headers = {"Authorization": f"Bearer {args.admin_key}"} if args.admin_key else {}
            response = httpx.post(
                f"{args.url.rstrip('/')}/_mockgraph/tokens", json=body, headers=headers, timeout=10
            )
        except httpx.HTTPError as exc:
            print(f"mockgraph: cannot reach {args.url}: {exc}", file=sys.stderr)
            return 1
        if response.status_code != 200:
            print(f"mockgraph: {response.json()['error']['message']}", file=sys.stderr)
            return 1
        print(response.json()["access_token"])
        return 0
    return _local_token(args, body)


def _local_token(args: argparse.Namespace, body: dict[str, object]) -> int:
    """Sign with the key file, for a server started with the same --signing-key."""
    try:
        tokens = TokenAuthority(SigningKey(args.signing_key))
        fixtures = load_fixtures(args.fixtures)
        request = TokenRequest.model_validate(body)
        minted = mint_token(request, fixtures, tokens, Clock().timestamp())
    except (FixtureError, SigningKeyError, ValidationError, GraphError) as exc:
        print(f"mockgraph: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_CONFIG
    print(minted.access_token)
    return 0
