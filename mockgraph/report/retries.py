"""Retries: after a 429 or 503, did the client wait for Retry-After, retry too early, or give
up? (https://learn.microsoft.com/graph/throttling#best-practices-to-handle-throttling; Dev
Proxy's RetryAfterPlugin checks the first, one request at a time:
https://learn.microsoft.com/microsoft-cloud/dev/dev-proxy/technical-reference/retryafterplugin)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockgraph.report.calls import Call
from mockgraph.report.findings import ERROR, WARNING, Finding, plural, sequences

SOURCE = "https://learn.microsoft.com/graph/throttling#best-practices-to-handle-throttling"
RETRYABLE = frozenset({429, 503})
# A retry this much before Retry-After has passed still counts as waiting (clock rounding).
TOLERANCE = 0.05


def retries(calls: Sequence[Call]) -> tuple[dict[str, Any], list[Finding]]:
    """How the client met each 429 and 503: the next call to the same address is its retry."""
    early: list[tuple[Call, Call, float]] = []
    gave_up: list[Call] = []
    honoured = 0
    following = _next_to_same_address(calls)
    for index, call in enumerate(calls):
        entry = call.entry
        if entry.status not in RETRYABLE:
            continue
        retry = following.get(index)
        if retry is None:
            gave_up.append(call)
            continue
        waited = retry.entry.timestamp - entry.timestamp
        wait = _retry_after(call)
        if waited + TOLERANCE < wait:
            early.append((call, retry, wait - waited))
        else:
            honoured += 1
    retryable = sum(1 for c in calls if c.entry.status in RETRYABLE)
    section = {
        "retryable": retryable,
        "honoured": honoured,
        "tooEarly": len(early),
        "gaveUp": len(gave_up),
    }
    return section, _findings(early, gave_up)


def _next_to_same_address(calls: Sequence[Call]) -> dict[int, Call]:
    """For each call, the client's next call to the same method and address (with its query)."""
    last: dict[tuple[str, str, bytes], int] = {}
    following: dict[int, Call] = {}
    for index, call in enumerate(calls):
        entry = call.entry
        key = (entry.method, entry.path, entry.query)
        before = last.get(key)
        if before is not None:
            following[before] = call
        last[key] = index
    return following


def _retry_after(call: Call) -> float:
    headers = call.entry.headers or {}
    try:
        return float(headers.get("Retry-After", "0"))
    except ValueError:
        return 0.0


def _findings(early: list[tuple[Call, Call, float]], gave_up: list[Call]) -> list[Finding]:
    findings = []
    if early:
        worst = max(short for _, _, short in early)
        findings.append(
            Finding(
                "retries",
                "retriedTooEarly",
                ERROR,
                f"{plural(len(early), 'retry', 'retries')} sent before Retry-After had passed "
                f"(up to {worst:g} s early)",
                "Wait the seconds Retry-After gives before retrying (msgraph-sdk's "
                "RetryHandler does).",
                tuple(s for answered, retry, _ in early for s in sequences((answered, retry))),
                count=len(early),
                details={
                    "retries": [
                        {
                            "answered": answered.entry.sequence,
                            "retry": retry.entry.sequence,
                            "retryAfter": _retry_after(answered),
                            "earlyBySeconds": round(short, 3),
                        }
                        for answered, retry, short in early[:50]
                    ]
                },
                source=SOURCE,
            )
        )
    if gave_up:
        findings.append(
            Finding(
                "retries",
                "gaveUp",
                WARNING,
                f"{plural(len(gave_up), 'call')} answered 429 or 503 never retried",
                "Retry 429 and 503 after Retry-After (with a bounded number of attempts).",
                sequences(gave_up),
                source=SOURCE,
            )
        )
    return findings
