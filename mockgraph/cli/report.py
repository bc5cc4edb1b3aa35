"""`mockgraph report`: what the running server concludes about each client, as a table or
JSON; `mockgraph requests --har FILE` is in control.py."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from mockgraph.cli.control import Commands, _command

if TYPE_CHECKING:
    from mockgraph.testing.admin import MockGraphAdmin


def add_report_command(commands: Commands) -> None:
    report = _command(
        commands,
        "report",
        "report on each client's permissions, throttling budget, polling, retries and hygiene",
        _report,
    )
    report.add_argument("--since", type=int, help="only the calls after this journal sequence")
    report.add_argument("--format", choices=("table", "json"), default="table")


def _report(admin: MockGraphAdmin, args: argparse.Namespace) -> None:
    report = admin.report(since=args.since)
    if args.format == "json":
        print(json.dumps(report.data, indent=2))
    else:
        print(report.table())
