"""The report a test suite reads: GET /_mockgraph/report, with assertions over it and the
readable table `mockgraph report` and the pytest plugin's --mockgraph-report print."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SEVERITIES = ("error", "warning", "info")
# The sequence numbers a table shows of a finding's evidence; the JSON has up to 50.
SHOWN = 8


class Report:
    """The report on one tenant's clients (GET /_mockgraph/report), as a test reads it.

    Attributes:
        data: the report's JSON.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    @property
    def clients(self) -> list[dict[str, Any]]:
        clients: list[dict[str, Any]] = self.data["clients"]
        return clients

    def client(self, app_id: str, user_id: str | None = None) -> dict[str, Any]:
        """The client: the app, and the user of a delegated token (AssertionError if none)."""
        for client in self.clients:
            if client["appId"] == app_id.lower() and client["userId"] == (
                user_id.lower() if user_id else None
            ):
                return client
        seen = ", ".join(_name(c) for c in self.clients) or "none"
        raise AssertionError(
            f"No calls from {_who(app_id, user_id)} in the report (clients: {seen})."
        )

    def findings(
        self, app_id: str | None = None, user_id: str | None = None, *, severity: str = "info"
    ) -> list[dict[str, Any]]:
        """Findings at `severity` or worse, of one client or of every client."""
        worst = SEVERITIES.index(severity)
        clients = self.clients if app_id is None else [self.client(app_id, user_id)]
        return [
            f for c in clients for f in c["findings"] if SEVERITIES.index(f["severity"]) <= worst
        ]

    def assert_least_privilege(
        self, app_id: str, expected: Iterable[str], user_id: str | None = None
    ) -> None:
        """Fail unless the client's tokens held exactly `expected` and `expected` is the
        least-privileged set its calls needed (sign-in scopes aside)."""
        wanted = set(expected)
        permissions = self.client(app_id, user_id)["permissions"]
        held = set(permissions["held"]) - {"openid", "profile", "email", "offline_access"}
        least = set(permissions["leastPrivileged"])
        if held == wanted == least:
            return
        lines = [f"{_who(app_id, user_id)} is not least-privileged as expected:"]
        lines.append(f"  expected:         {', '.join(sorted(wanted)) or '(none)'}")
        lines.append(f"  held:             {', '.join(sorted(held)) or '(none)'}")
        lines.append(f"  least privileged: {', '.join(sorted(least)) or '(none)'}")
        raise AssertionError("\n".join(lines))

    def assert_no_findings(
        self, app_id: str | None = None, user_id: str | None = None, *, severity: str = "info"
    ) -> None:
        """Fail, listing them, if the client (or any client) has findings at `severity` or
        worse ("warning" leaves out the client-request-id tips)."""
        found = self.findings(app_id, user_id, severity=severity)
        if found:
            listed = "\n".join(f"  {f['severity']}: {f['title']} ({f['fix']})" for f in found)
            raise AssertionError(f"{len(found)} finding(s):\n{listed}")

    def table(self) -> str:
        return "\n".join(format_report(self.data))


def _who(app_id: str, user_id: str | None) -> str:
    return f"app {app_id}" + (f" as user {user_id}" if user_id else "")


def _name(client: Mapping[str, Any]) -> str:
    return _who(client["appId"], client["userId"])


def format_report(data: Mapping[str, Any]) -> list[str]:
    """The report as lines of text: each client, its figures, then its findings."""
    summary = data["summary"]
    counts = ", ".join(
        f"{summary[s]} {s}" + ("s" if summary[s] != 1 and s != "info" else "") for s in SEVERITIES
    )
    lines = [f"mockgraph report: tenant {data['tenant']}, {data['calls']} calls, {counts}"]
    if not data["clients"]:
        lines.append("  no Graph calls made with a token")
    for client in data["clients"]:
        lines.extend(_client_lines(client))
    return lines


def _client_lines(client: Mapping[str, Any]) -> list[str]:
    permissions, budget, retries = client["permissions"], client["throttling"], client["retries"]
    span = f"#{client['firstSequence']}-#{client['lastSequence']}" if client["calls"] else ""
    tokens = client.get("tokenRequests", 0)
    lines = [
        "",
        f"{_name(client)} ({client['kind']}): {client['calls']} calls"
        + (f", {span}" if span else "")
        + (f", {tokens} token requests" if tokens else ""),
        f"  permissions  held {', '.join(permissions['held']) or '(none)'}; least privileged "
        f"{', '.join(permissions['leastPrivileged']) or '(none)'}",
        f"  throttling   peak {budget['peak']:,} of {budget['limit']:,} presence calls in "
        f"{budget['windowSeconds']:g} s (app-wide), headroom {budget['headroom']:,}",
        f"  retries      {retries['retryable']} answered 429/503: {retries['honoured']} "
        f"honoured, {retries['tooEarly']} too early, {retries['gaveUp']} given up",
    ]
    for finding in client["findings"]:
        evidence = finding["evidence"]
        shown = ", ".join(f"#{s}" for s in evidence["sequences"][:SHOWN])
        # Token requests are not journaled: their evidence is their times.
        shown = shown or ", ".join(evidence.get("times", [])[:SHOWN])
        more = ", ..." if evidence["count"] > SHOWN else ""
        lines.append(f"  {finding['severity'].upper():<8} {finding['check']}: {finding['title']}")
        lines.append(f"           fix: {finding['fix']}")
        lines.append(f"           evidence: {evidence['count']} ({shown}{more})")
    return lines
