"""The pytest plugin's --mockgraph-report (or MOCKGRAPH_REPORT=1): each test's report, taken
before the next test resets the journal, printed at the end of the session."""

from __future__ import annotations

import os

import pytest

from mockgraph.testing.report import Report, format_report

OPTION = "--mockgraph-report"
ENVIRONMENT = "MOCKGRAPH_REPORT"
_REPORTS = pytest.StashKey[list[tuple[str, Report]]]()


def add_option(parser: pytest.Parser) -> None:
    parser.getgroup("mockgraph").addoption(
        OPTION,
        action="store_true",
        default=False,
        help="print what mockgraph concludes about each test's Graph clients (permissions, "
        f"throttling budget, polling, retries, hygiene) at the end; also {ENVIRONMENT}=1",
    )


def enabled(config: pytest.Config) -> bool:
    return bool(config.getoption(OPTION)) or os.environ.get(ENVIRONMENT, "") not in ("", "0")


def keep(config: pytest.Config, test: str, report: Report) -> None:
    """One test's report, if its clients made calls."""
    if report.clients:
        config.stash.setdefault(_REPORTS, []).append((test, report))


def summary(reporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if not enabled(config):
        return
    reporter.section("mockgraph report")
    reports = config.stash.get(_REPORTS, [])
    if not reports:
        reporter.write_line("No test made a Graph call with a token.")
    for test, report in reports:
        reporter.write_line(test, bold=True)
        for line in format_report(report.data):
            reporter.write_line("  " + line if line else "")
        reporter.write_line("")
