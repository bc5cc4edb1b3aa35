"""Control-plane commands over a running server: reset, clock, users, requests, faults, state.

Each drives the server through `MockGraphAdmin`, finds it by --url or MOCKGRAPH_URL, and
exits 1 with one line when the server cannot be reached or refuses the call.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from mockgraph.settings import ClientSettings

if TYPE_CHECKING:
    # httpx (under MockGraphAdmin) is imported only when a command runs: `mockgraph serve`
    # starts without it.
    from mockgraph.testing.admin import MockGraphAdmin

# The exit codes: the server could not be reached (or failed); the command, or the server,
# refused what was given (the same as argparse's usage errors and a failed start).
EXIT_FAILED = 1
EXIT_USAGE = 2
FAULT_EXAMPLES = """examples:
  mockgraph faults add '/v1.0/users/*/presence' --status 429 --retry-after 5 --times 2
  mockgraph faults add /v1.0/me/presence --method POST --status 503
  mockgraph faults add '/v1.0/*' --delay-ms 800"""
# How often `requests --follow` asks for new entries, in seconds.
FOLLOW_INTERVAL = 0.5

Command: TypeAlias = Callable[["MockGraphAdmin", argparse.Namespace], None]
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CommandFailed(Exception):
    """A command that cannot go on; its message is the one line shown, `code` the exit."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def client_settings(args: argparse.Namespace) -> ClientSettings:
    return ClientSettings.from_args(args)


def add_control_commands(commands: Commands) -> None:
    """reset, clock, users, requests, faults and state, each with --url and --tenant."""
    reset = _command(commands, "reset", "put a running server back to its fixtures", _reset)
    reset.add_argument("--all", action="store_true", help="every tenant, not just one")

    clock = _command(commands, "clock", "show or move a tenant's clock", _clock)
    moves = clock.add_subparsers(dest="move", metavar="MOVE")
    _subcommand(moves, "advance", "move on by an ISO 8601 duration", ("duration", "such as PT10M"))
    _subcommand(moves, "set", "go to a date-time", ("time", "such as 2026-01-05T09:00:00Z"))
    _subcommand(moves, "freeze", "stop the clock")
    _subcommand(moves, "resume", "let it run again")

    _command(commands, "users", "list a tenant's users and their presence", _users)

    requests = _command(commands, "requests", "list the Graph calls made", _requests)
    requests.add_argument("--method", help="such as GET")
    requests.add_argument("--status", type=int, help="such as 403")
    requests.add_argument("--path", help="a glob over the full path, such as '/v1.0/users/*'")
    requests.add_argument("--user", help="the signed-in user's object id or userPrincipalName")
    requests.add_argument("--app", help="the calling app's id or display name")
    requests.add_argument("--follow", action="store_true", help="keep printing new calls")
    requests.add_argument("--har", metavar="FILE", help="write them to FILE as HAR 1.2 instead")

    faults = _command(commands, "faults", "add, list or clear injected failures", _faults)
    actions = faults.add_subparsers(dest="action", metavar="ACTION")
    add = _subcommand(
        actions,
        "add",
        "make matching Graph calls fail",
        ("path", "a glob over the full path, such as /v1.0/me/presence"),
    )
    add.epilog = FAULT_EXAMPLES
    add.formatter_class = argparse.RawDescriptionHelpFormatter
    add.add_argument("--method")
    add.add_argument("--status", type=int, help="the status to fail with, such as 503")
    add.add_argument("--times", type=int, help="how many calls (default: until cleared)")
    add.add_argument("--retry-after", type=int, help="seconds, for 429 and 503")
    add.add_argument("--delay-ms", type=int, default=0, help="answer this late")
    add.add_argument("--code", help="the Graph error code")
    add.add_argument("--message", help="the error message")
    _subcommand(actions, "list", "the faults in place")
    _subcommand(actions, "clear", "remove them all")

    state = _command(commands, "state", "export or import a tenant's whole state", _state)
    directions = state.add_subparsers(dest="direction", metavar="DIRECTION", required=True)
    _subcommand(directions, "export", "write it to FILE", ("file", "a path, or - for stdout"))
    _subcommand(directions, "import", "load it from FILE", ("file", "a path, or - for stdin"))


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    run: Command,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help_text, description=help_text.capitalize() + ".")
    server_options(parser)
    parser.set_defaults(run=lambda args: _run(run, args))
    return parser


def server_options(parser: argparse.ArgumentParser) -> None:
    """--url, --admin-key and --tenant, on a command and on each of its subcommands."""
    ClientSettings.add_arguments(parser)
    parser.add_argument(
        "--tenant", default=argparse.SUPPRESS, help="tenant id (default: the fixtures' tenant)"
    )


def _subcommand(
    actions: Commands, name: str, help_text: str, *arguments: tuple[str, str]
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text)
    for argument, argument_help in arguments:
        parser.add_argument(argument, help=argument_help)
    server_options(parser)
    return parser


def _run(command: Command, args: argparse.Namespace) -> int:
    tenant = getattr(args, "tenant", None) if not getattr(args, "all", False) else None
    return against_server(args, lambda admin: command(admin, args), tenant)


def against_server(
    args: argparse.Namespace, act: Callable[[MockGraphAdmin], None], tenant: str | None = None
) -> int:
    """Run `act` with a client of the server --url (or MOCKGRAPH_URL) names; each failure is
    one line on stderr and its exit code (EXIT_FAILED, EXIT_USAGE)."""
    try:
        client = client_settings(args)
    except ValueError as exc:
        print(f"mockgraph: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from mockgraph.testing.admin import MockGraphAdmin

    admin = MockGraphAdmin(client.base_url, tenant=tenant, admin_key=client.admin_key)
    try:
        with reported(client.base_url):
            act(admin)
    except CommandFailed as exc:
        print(f"mockgraph: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        pass
    finally:
        admin.close()
    return 0


@contextmanager
def reported(url: str) -> Iterator[None]:
    """Transport failures and refused calls as one line each: a 4xx is the caller's to fix
    (EXIT_USAGE), anything else the server's (EXIT_FAILED)."""
    import httpx

    from mockgraph.testing.admin import ControlPlaneError

    try:
        yield
    except httpx.TransportError as exc:
        raise CommandFailed(
            f"cannot reach {url}: {exc or type(exc).__name__}", EXIT_FAILED
        ) from None
    except ControlPlaneError as exc:
        if 400 <= exc.status < 500:
            raise CommandFailed(exc.message, EXIT_USAGE) from None
        raise CommandFailed(
            f"the server answered {exc.status}: {exc.message}", EXIT_FAILED
        ) from None


def post_token(
    args: argparse.Namespace, body: dict[str, object]
) -> tuple[int, dict[str, Any] | None]:
    """`mockgraph token` against a running server: (0, its answer), or (the exit code, None)
    once the failure is told."""
    minted: dict[str, Any] = {}

    def mint(admin: MockGraphAdmin) -> None:
        minted.update(admin._call("POST", "/tokens", body))

    code = against_server(args, mint)
    return code, minted if code == 0 else None


def _reset(admin: MockGraphAdmin, args: argparse.Namespace) -> None:
    admin.reset()
    print("reset: every tenant" if args.all else "reset: back to the fixtures")


def _clock(admin: MockGraphAdmin, args: argparse.Namespace) -> None:
    moves: dict[str | None, Callable[[], dict[str, Any]]] = {
        None: admin.clock.now,
        "advance": lambda: admin.clock.advance(args.duration),
        "set": lambda: admin.clock.set(args.time),
        "freeze": admin.clock.freeze,
        "resume": admin.clock.resume,
    }
    state = moves[args.move]()
    frozen = " (frozen)" if state["frozen"] else ""
    print(f"{state['now']}{frozen}, offset {state['offset']}")


def _users(admin: MockGraphAdmin, args: argparse.Namespace) -> None:
    rows = []
    for user in admin.users():
        presence = user["presence"]
        status = presence["statusMessage"]
        notes = [repr(status["message"]["content"])] if status else []
        if presence["outOfOfficeSettings"]["isOutOfOffice"]:
            notes.append("out of office")
        rows.append(
            [
                user["id"],
                user["userPrincipalName"],
                user["displayName"] or "",
                f"{presence['availability']}/{presence['activity']}",
                "  ".join(notes),
            ]
        )
    print_table(["ID", "USER PRINCIPAL NAME", "DISPLAY NAME", "PRESENCE", "NOTES"], rows, "users")


def print_table(headers: list[str], rows: list[list[str]], nothing: str) -> None:
    """Rows under a header, columns padded to their widest cell; `no <nothing>` for none."""
    if not rows:
        print(f"no {nothing}")
        return
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in [headers, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _requests(admin: MockGraphAdmin, args: argparse.Namespace) -> None:
    if args.har:
        har = admin.requests.har(
            method=args.method,
            path=args.path,
            status=args.status,
            user_id=args.user,
            app_id=args.app,
        )
        Path(args.har).write_text(json.dumps(har, indent=1) + "\n")
        print(f"wrote {len(har['log']['entries'])} calls to {args.har}")
        return

    def fetch() -> list[dict[str, Any]]:
        return admin.requests.list(
            method=args.method,
            path=args.path,
            status=args.status,
            user_id=args.user,
            app_id=args.app,
        )

    seen = 0
    for entry in fetch():
        print(_request_line(entry))
        seen = max(seen, entry["sequence"])
    while args.follow:
        sys.stdout.flush()
        time.sleep(FOLLOW_INTERVAL)
        for entry in fetch():
            if entry["sequence"] > seen:
                print(_request_line(entry))
                seen = entry["sequence"]


def _request_line(entry: dict[str, Any]) -> str:
    query = f"?{entry['query']}" if entry["query"] else ""
    who = " ".join(
        f"{kind}={entry[key]}" for kind, key in (("user", "userId"), ("app", "appId")) if entry[key]
    )
    line = f"{entry['time']}  {entry['method']} {entry['path']}{query} {entry['status']}  {who}"
    return line.rstrip()


def _faults(admin: MockGraphAdmin, args: argparse.Namespace) -> None:
    if args.action == "add":
        added = admin.faults.add(
            args.path,
            method=args.method,
            status=args.status,
            times=args.times,
            retry_after=args.retry_after,
            delay_ms=args.delay_ms,
            code=args.code,
            message=args.message,
        )
        print(f"added fault {added['id']}: {_fault_effect(added)}")
    elif args.action == "clear":
        admin.faults.clear()
        print("cleared")
    else:
        rows = [
            [
                fault["id"],
                fault["method"] or "*",
                fault["path"],
                _fault_effect(fault),
                "until cleared" if fault["times"] is None else str(fault["times"]),
                str(fault["applied"]),
            ]
            for fault in admin.faults.list()
        ]
        print_table(["ID", "METHOD", "PATH", "EFFECT", "TIMES", "APPLIED"], rows, "faults")


def _fault_effect(fault: dict[str, Any]) -> str:
    """`503 (Retry-After 5 s) after 300 ms`, `delay 300 ms`: what a matching call meets."""
    parts = []
    if fault["status"] is not None:
        parts.append(str(fault["status"]) + (f" {fault['code']}" if fault["code"] else ""))
        if fault["retryAfter"] is not None:
            parts.append(f"(Retry-After {fault['retryAfter']} s)")
    if fault["delayMs"]:
        parts.append(f"after {fault['delayMs']} ms" if parts else f"delay {fault['delayMs']} ms")
    if fault["rate"] is not None:
        parts.append(f"on {fault['rate']:.0%} of calls")
    return " ".join(parts)


def _state(admin: MockGraphAdmin, args: argparse.Namespace) -> None:
    if args.direction == "export":
        state = admin.state()
        text = json.dumps(state, indent=2) + "\n"
        if args.file == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.file).write_text(text)
            except OSError as exc:
                raise CommandFailed(f"cannot write the state to {args.file}: {exc}") from None
        # On stderr: with FILE -, stdout is the state itself.
        users = len(state.get("users", ()))
        where = "stdout" if args.file == "-" else args.file
        print(f"exported {users} users' state to {where}", file=sys.stderr)
        return
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
        state = json.loads(text)
    except (OSError, ValueError) as exc:
        raise CommandFailed(f"cannot read the state from {args.file}: {exc}") from None
    admin.load_state(state)
    print(f"imported {args.file}")
