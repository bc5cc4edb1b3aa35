"""`mockgraph scenario`: run, play, pause, seek and show a running server's scenario.

Each subcommand is one POST or GET /_mockgraph/scenario through `MockGraphAdmin` and prints
one line; failures are told as for the other control-plane commands (cli/control.py): a call
the control plane refuses (or a scenario file that cannot be read) is one line and exit 2, a
server that cannot be reached exit 1.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockgraph.cli.control import CommandFailed, Commands, against_server, server_options

if TYPE_CHECKING:
    from mockgraph.testing.admin import MockGraphAdmin


def add_scenario_command(commands: Commands) -> None:
    """`mockgraph scenario [run FILE|PROFILE | play | pause | stop | seek TIME]`."""
    scenario = commands.add_parser(
        "scenario",
        help="run, play, pause, seek or show the server's scenario",
        description="Show the server's scenario (profile, seed, virtual time, speed, state), "
        "or run, play, pause or seek it.",
    )
    server_options(scenario)
    scenario.set_defaults(run=_run, act=None)
    acts = scenario.add_subparsers(dest="act", metavar="ACTION")
    run = acts.add_parser("run", help="start a scenario file or a profile")
    run.add_argument("target", metavar="FILE|PROFILE", help="a scenario file, or office-day")
    run.add_argument("--users", type=int, help="users in the cast")
    run.add_argument("--seed", type=int, help="the seed a profile draws from")
    run.add_argument("--start", help="the virtual start, an ISO date-time with its offset")
    run.add_argument("--speed", type=float, help="virtual seconds per real second (1 to 3600)")
    run.add_argument("--paused", action="store_true", help="load it at its start, paused")
    acts.add_parser("play", help="resume a paused scenario, or start one")
    acts.add_parser("pause", help="pause it")
    acts.add_parser("stop", help="stop it")
    seek = acts.add_parser("seek", help="move it to TIME, playing every step on the way")
    seek.add_argument("time", help="an ISO date-time, or HH:MM on its first day")
    for parser in acts.choices.values():
        server_options(parser)


def _run(args: argparse.Namespace) -> int:
    return against_server(
        args, lambda admin: print(_act(admin, args)), getattr(args, "tenant", None)
    )


def _act(admin: MockGraphAdmin, args: argparse.Namespace) -> str:
    def post(body: dict[str, Any]) -> dict[str, Any]:
        return admin._call("POST", "/scenario", body)

    if args.act is None:
        return describe(admin._call("GET", "/scenario"))
    if args.act == "run":
        return "started " + describe(post(_start_body(args)))
    if args.act in ("pause", "stop"):
        done = {"pause": "paused ", "stop": "stopped "}[args.act]
        return done + describe(post({"action": args.act}))
    if args.act == "seek":
        return "moved " + describe(post({"action": "seek", "to": args.time}))
    current = admin._call("GET", "/scenario")
    if current["state"] == "paused":
        return "playing " + describe(post({"action": "resume"}))
    if current["state"] == "running":
        return "already playing " + describe(current)
    return "started " + describe(post(_again(current)))


def _start_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"action": "start", "paused": args.paused}
    path = Path(args.target)
    if path.suffix == ".json" or path.is_file():
        try:
            body["scenario"] = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CommandFailed(f"cannot read the scenario {args.target}: {exc}") from None
    else:
        body["profile"] = args.target
    extra = {"users": args.users, "seed": args.seed, "start": args.start, "speed": args.speed}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _again(last: dict[str, Any]) -> dict[str, Any]:
    """A start for `play` when nothing is paused: the last profile run again, as it was, or the
    server's own (MOCKGRAPH_SCENARIO, else office-day)."""
    if not last.get("profile"):
        return {"action": "start"}
    keys = ("profile", "users", "seed", "speed", "start")
    return {"action": "start", **{k: last[k] for k in keys}}


def describe(state: dict[str, Any]) -> str:
    """One line: what runs, its state, virtual time, speed, seed and progress."""
    if state["state"] == "idle":
        return "no scenario (idle)"
    what = state["profile"] or f"{state['name']} (file)"
    seed = f", seed {state['seed']}" if state["seed"] is not None else ""
    return (
        f"{what}: {state['state']} at {state['now']}, {state['speed']:g}x{seed}, "
        f"{state['users']} users, {state['applied']}/{state['steps']} steps"
    )
