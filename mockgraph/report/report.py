"""The report: the journal's calls grouped per client, each with its permissions, throttling
budget, retries and findings. Computed when asked for, from the journal alone: a server nobody
asks for a report pays nothing for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockgraph.gateway import Routes
from mockgraph.report.budget import budget, budget_findings
from mockgraph.report.calls import Call, Client, read_calls
from mockgraph.report.findings import ERROR, INFO, WARNING, Finding
from mockgraph.report.hygiene import hygiene
from mockgraph.report.polling import polling
from mockgraph.report.privilege import permissions
from mockgraph.report.retries import retries
from mockgraph.state.journal import Entry

SEVERITIES = (ERROR, WARNING, INFO)


def build_report(
    entries: Sequence[Entry],
    routes: Routes,
    *,
    tenant_id: str,
    since: int,
    dropped: int,
) -> dict[str, Any]:
    """The report on `entries` (one tenant's journal after `since`), per client."""
    calls = read_calls(list(entries), routes)
    by_client: dict[Client, list[Call]] = {}
    by_app: dict[str, list[Call]] = {}
    for call in calls:
        by_client.setdefault(call.client, []).append(call)
        by_app.setdefault(call.client.app_id, []).append(call)
    budgets = {app: budget(app_calls) for app, app_calls in by_app.items()}
    clients = [
        _client(client, client_calls, *budgets[client.app_id])
        for client, client_calls in sorted(by_client.items(), key=lambda item: _order(item[0]))
    ]
    summary = {severity: 0 for severity in SEVERITIES}
    for client in clients:
        for finding in client["findings"]:
            summary[finding["severity"]] += 1
    return {
        "tenant": tenant_id,
        "since": since,
        "lastSequence": max((e.sequence for e in entries), default=since),
        "calls": len(entries),
        "dropped": dropped,
        "summary": summary,
        "clients": clients,
    }


def _order(client: Client) -> tuple[str, str]:
    return (client.app_id, client.user_id or "")


def _client(
    client: Client, calls: list[Call], app_budget: dict[str, Any], over: set[int]
) -> dict[str, Any]:
    granted, findings = permissions(client, calls)
    handled, retry_findings = retries(calls)
    findings += budget_findings(app_budget, calls, over)
    findings += polling(calls)
    findings += retry_findings
    findings += hygiene(calls)
    findings.sort(key=_severity)
    return {
        **client.as_json(),
        "calls": len(calls),
        "firstSequence": calls[0].entry.sequence,
        "lastSequence": calls[-1].entry.sequence,
        "permissions": granted,
        "throttling": app_budget,
        "retries": handled,
        "findings": [f.as_json() for f in findings],
    }


def _severity(finding: Finding) -> int:
    return SEVERITIES.index(finding.severity)
