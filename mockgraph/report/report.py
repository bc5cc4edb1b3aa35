"""The report: the journal's calls grouped per client, each with its permissions, throttling
budget, retries and findings. Computed when asked for, from the journal and the token log
alone: a server nobody asks for a report pays nothing for it."""

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
from mockgraph.report.tokens import repeated_tokens
from mockgraph.state.journal import Entry
from mockgraph.state.tokenlog import TokenRequest

SEVERITIES = (ERROR, WARNING, INFO)


def build_report(
    entries: Sequence[Entry],
    routes: Routes,
    *,
    tenant_id: str,
    since: int,
    dropped: int,
    tokens: Sequence[TokenRequest] = (),
) -> dict[str, Any]:
    """The report on `entries` (one tenant's journal after `since`) and `tokens` (the token
    requests Entra answered it since then), per client."""
    calls = read_calls(list(entries), routes)
    by_client: dict[Client, list[Call]] = {}
    by_app: dict[str, list[Call]] = {}
    for call in calls:
        by_client.setdefault(call.client, []).append(call)
        by_app.setdefault(call.client.app_id, []).append(call)
    requested: dict[Client, list[TokenRequest]] = {}
    for token in tokens:
        asker = Client(token.app_id, token.user_id)
        requested.setdefault(asker, []).append(token)
        by_client.setdefault(asker, [])
    budgets = {app: budget(by_app.get(app, [])) for app in {c.app_id for c in by_client}}
    clients = [
        _client(client, client_calls, requested.get(client, []), *budgets[client.app_id])
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
    client: Client,
    calls: list[Call],
    tokens: list[TokenRequest],
    app_budget: dict[str, Any],
    over: set[int],
) -> dict[str, Any]:
    granted, findings = permissions(client, calls)
    handled, retry_findings = retries(calls)
    findings += budget_findings(app_budget, calls, over)
    findings += polling(calls)
    findings += retry_findings
    findings += hygiene(calls)
    if (repeated := repeated_tokens(tokens)) is not None:
        findings.append(repeated)
    findings.sort(key=_severity)
    return {
        **client.as_json(),
        "calls": len(calls),
        # None for a client that only asked Entra for tokens.
        "firstSequence": calls[0].entry.sequence if calls else None,
        "lastSequence": calls[-1].entry.sequence if calls else None,
        "tokenRequests": len(tokens),
        "permissions": granted,
        "throttling": app_budget,
        "retries": handled,
        "findings": [f.as_json() for f in findings],
    }


def _severity(finding: Finding) -> int:
    return SEVERITIES.index(finding.severity)
