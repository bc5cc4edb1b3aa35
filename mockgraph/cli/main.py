"""The command line: argv and MOCKGRAPH_* variables -> Settings -> a server, a token, or a
control-plane call to a running server (see cli/control.py)."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from mockgraph import __version__
from mockgraph.cli.control import EXIT_USAGE, add_control_commands, post_token
from mockgraph.cli.proxy import add_proxy_commands, tls_files
from mockgraph.cli.report import add_report_command
from mockgraph.cli.scenario import add_scenario_command
from mockgraph.settings import ClientSettings, Settings

TOKEN_EXAMPLES = """examples:
  mockgraph token --user adele.vance@contoso.example --scopes Presence.Read,User.Read
  mockgraph token --app "Presence Sync" --roles Presence.ReadWrite.All
  curl -H "Authorization: Bearer $(mockgraph token --user adele.vance@contoso.example)" \\
    http://127.0.0.1:8000/v1.0/me/presence"""
# The server settings `mockgraph token` reads to sign a token itself.
LOCAL_SIGNING = ("signing_key", "fixtures")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockgraph",
        description="A faithful, stateful emulator of the Microsoft Graph presence API.",
    )
    parser.add_argument("--version", action="version", version=f"mockgraph {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the server",
        description="Run the server. Each flag can also be set by its MOCKGRAPH_* variable; "
        "a flag wins over the variable.",
    )
    Settings.add_arguments(serve)
    serve.set_defaults(run=serve_command)

    token = commands.add_parser(
        "token",
        help="print a bearer token",
        description="Print a bearer token this server accepts: delegated (--user) or "
        "application (--app).",
        epilog=TOKEN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="object id or userPrincipalName: a delegated token")
    who.add_argument("--app", help="app id or display name: an application token")
    token.add_argument(
        "--scopes",
        help="delegated permissions, separated by spaces or commas "
        "(default: the app's granted ones)",
    )
    token.add_argument(
        "--roles",
        help="application permissions, separated by spaces or commas "
        "(default: the app's granted ones)",
    )
    token.add_argument(
        "--client-app", help="the app (id or display name) a delegated token is issued to"
    )
    token.add_argument("--tenant", help="tenant id (default: the fixtures' tenant)")
    token.add_argument("--expires-in", type=int, default=3600, help="lifetime in seconds")
    ClientSettings.add_arguments(token)
    # Signing locally needs the server's key, and its fixtures for the default tenant and app.
    Settings.add_arguments(token, only=LOCAL_SIGNING)
    token.set_defaults(run=token_command)

    add_control_commands(commands)
    add_scenario_command(commands)
    add_report_command(commands)
    add_proxy_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


def serve_command(args: argparse.Namespace) -> int:
    # What start-up builds (modules, routes, the fixtures' users) lives as long as the server:
    # collecting cycles among it is wasted work, so the collector waits, and afterwards it
    # never scans those objects again (gc.freeze), which keeps every later collection short.
    gc.disable()
    try:
        return _serve(args)
    finally:
        gc.enable()


def _serve(args: argparse.Namespace) -> int:
    from mockgraph.app import create_app
    from mockgraph.auth.keys import SigningKeyError
    from mockgraph.cli.banner import exposure_warning, print_banner
    from mockgraph.cli.ports import PortUnavailable, bind_listeners
    from mockgraph.logs import configure_logging
    from mockgraph.runtime import load_state
    from mockgraph.server import run_until_stopped
    from mockgraph.state.fixtures import FixtureError
    from mockgraph.state.persistence import StateFileError, StateLock

    listeners = None
    try:
        settings = Settings.from_args(args)
        # Every port first: a start that cannot listen stops before anything is printed.
        listeners = bind_listeners(settings)
        settings = listeners.settle(settings)
        tls, proxy_tls = tls_files(settings)
        ca = proxy_tls or tls
        if ca is not None:
            settings = replace(settings, tls_ca=ca.ca)
        app = create_app(settings)
        lock = None
        if settings.state_file is not None:
            # One server per state file: the lock is held until this process ends.
            lock = StateLock(settings.state_file).acquire()
            load_state(app.state.runtime, settings.state_file)
    except (FixtureError, SigningKeyError, StateFileError, PortUnavailable, ValueError) as exc:
        if listeners is not None:
            listeners.close()
        print(f"mockgraph: {exc}", file=sys.stderr)
        return EXIT_USAGE
    gc.enable()
    gc.freeze()
    # Only now: a configuration that stops start-up leaves the process's logging as it was.
    configure_logging(settings)
    if not settings.quiet:
        print_banner(app.state.runtime, settings)
    warning = exposure_warning(settings)
    if warning is not None:
        logging.getLogger("mockgraph").warning("%s", warning)
    try:
        run_until_stopped(app, settings, tls, proxy_tls, (listeners.api, listeners.proxy))
    finally:
        listeners.close()
        if lock is not None:
            lock.release()
        # The leaf's key made for this run goes with it (never one the user gave).
        for made in (tls, proxy_tls):
            if made is not None and made.ca is not None:
                made.key.unlink(missing_ok=True)
    return 0


def token_command(args: argparse.Namespace) -> int:
    body: dict[str, object] = {"expiresIn": args.expires_in}
    if args.user:
        body["userId"] = args.user
        if args.scopes:
            body["scopes"] = [args.scopes]
        if args.client_app:
            body["appId"] = args.client_app
    else:
        body["appId"] = args.app
        if args.roles:
            body["roles"] = [args.roles]
    if args.tenant:
        body["tenantId"] = args.tenant
    try:
        local = Settings.from_args(args, only=LOCAL_SIGNING)
    except ValueError as exc:
        print(f"mockgraph: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if local.signing_key is None:
        code, minted = post_token(args, body)
    else:
        code, minted = _local_token(local, body)
    if minted is None:
        return code
    print(minted["access_token"])
    if args.user and not args.scopes:
        granted = minted.get("scope") or "none"
        print(f"mockgraph: no --scopes: the app's granted ones: {granted}", file=sys.stderr)
    elif args.app and not args.roles:
        granted = " ".join(minted.get("roles") or []) or "none"
        print(f"mockgraph: no --roles: the app's granted ones: {granted}", file=sys.stderr)
    return 0


def _local_token(settings: Settings, body: dict[str, object]) -> tuple[int, dict[str, Any] | None]:
    """Sign with the key file, for a server started with the same --signing-key."""
    from pydantic import ValidationError

    from mockgraph.admin.models import TokenRequest
    from mockgraph.admin.tokens import mint_token
    from mockgraph.auth.keys import SigningKey, SigningKeyError
    from mockgraph.auth.tokens import TokenAuthority
    from mockgraph.clock import Clock
    from mockgraph.errors import GraphError
    from mockgraph.state.fixtures import FixtureError, load_fixtures

    try:
        tokens = TokenAuthority(SigningKey(settings.signing_key))
        fixtures = load_fixtures(settings.fixtures)
        request = TokenRequest.model_validate(body)
        profiles = {u.profile.id.lower(): u.profile for u in fixtures.users}
        now = Clock().timestamp()
        minted = mint_token(request, fixtures, tokens, now, profiles.values, profiles.get)
    except (FixtureError, SigningKeyError, ValidationError, GraphError) as exc:
        print(f"mockgraph: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_USAGE, None
    return 0, minted.model_dump(exclude_none=True)
