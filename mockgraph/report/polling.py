"""Polling: repeated reads of the same resource (a user's presence, a /users page, /me), their
rate, and what a subscription or getPresencesByUserId would have cost instead.

Sources: https://learn.microsoft.com/graph/changenotifications-for-presence (a subscription
names up to 650 users and lasts at most 60 minutes) and
https://learn.microsoft.com/graph/api/cloudcommunications-getpresencesbyuserid (650 ids a call).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from mockgraph.auth.permissions import Access
from mockgraph.domain.values import MAX_IDS
from mockgraph.report.calls import Call
from mockgraph.report.findings import WARNING, Finding, plural, sequences

SOURCE = "https://learn.microsoft.com/graph/changenotifications-for-presence"
# Reads of one resource that make a poll: at least this many, at least this often.
MIN_READS = 5
MIN_PER_MINUTE = 2.0
# A presence subscription lasts 60 minutes at most: renewing it is one call an hour.
SUBSCRIPTION_MINUTES = 60


@dataclass(frozen=True, slots=True)
class Poll:
    """The reads of one resource: how many, over how long, how often."""

    calls: tuple[Call, ...]

    @property
    def span(self) -> float:
        return self.calls[-1].entry.timestamp - self.calls[0].entry.timestamp

    @property
    def per_minute(self) -> float:
        span = self.span
        return math.inf if span <= 0 else (len(self.calls) - 1) * 60 / span


def polls(calls: Sequence[Call]) -> list[Poll]:
    """Every resource the client read often enough to call it polling."""
    reads: dict[tuple[str, bytes], list[Call]] = {}
    for call in calls:
        entry = call.entry
        if entry.method == "GET" and call.operation is not None and entry.status < 500:
            reads.setdefault((entry.path.lower(), entry.query), []).append(call)
    found = [Poll(tuple(group)) for group in reads.values() if len(group) >= MIN_READS]
    return [p for p in found if p.per_minute >= MIN_PER_MINUTE]


def polling(calls: Sequence[Call]) -> list[Finding]:
    found = polls(calls)
    presence = [p for p in found if _reads_presence(p.calls[0])]
    findings = [_presence(presence)] if presence else []
    findings.extend(_resource(p) for p in found if not _reads_presence(p.calls[0]))
    return findings


def _reads_presence(call: Call) -> bool:
    return call.operation is not None and call.operation.access is Access.READ


def _seconds(span: float) -> str:
    return f"{span:,.0f}" if span >= 100 else f"{span:.3g}"


def _rate(per_minute: float) -> str:
    return "in the same instant" if math.isinf(per_minute) else f"{per_minute:.3g} times a minute"


def _presence(presence: list[Poll]) -> Finding:
    users = len(presence)
    reads = sorted((c for p in presence for c in p.calls), key=lambda c: c.entry.sequence)
    rate = statistics.median(p.per_minute for p in presence)
    start = min(c.entry.timestamp for c in reads)
    span = max(c.entry.timestamp for c in reads) - start
    groups = math.ceil(users / MAX_IDS)
    bulk = None if math.isinf(rate) else round(rate * groups, 3)
    return Finding(
        "polling",
        "presencePolling",
        WARNING,
        f"Polled {plural(users, 'user')}' presence {_rate(rate)} each "
        f"({plural(len(reads), 'call')} in {_seconds(span)} s)",
        f"Subscribe to /communications/presences?$filter=id in (...) ({MAX_IDS} users a "
        f"subscription, renewed hourly), or read them together with getPresencesByUserId.",
        sequences(reads),
        details={
            "users": users,
            "calls": len(reads),
            "seconds": round(span, 3),
            "perUserPerMinute": None if math.isinf(rate) else round(rate, 3),
            "instead": {
                "subscription": {"callsPerHour": groups, "subscriptions": groups},
                "getPresencesByUserId": {"callsPerMinute": bulk, "idsPerCall": MAX_IDS},
            },
        },
        source=SOURCE,
    )


def _resource(poll: Poll) -> Finding:
    entry = poll.calls[0].entry
    query = "?" + entry.query.decode("latin-1") if entry.query else ""
    address = entry.path + query
    if entry.path.lower().endswith("/me"):
        fix = "Read /me once and keep it: the signed-in user's profile seldom changes."
    else:
        fix = "Keep what you read and read it again only when it may have changed (or use delta)."
    return Finding(
        "polling",
        "repeatedRead",
        WARNING,
        f"Read {address} {plural(len(poll.calls), 'time')}, {_rate(poll.per_minute)}",
        fix,
        sequences(poll.calls),
        details={
            "address": address,
            "seconds": round(poll.span, 3),
            "perMinute": None if math.isinf(poll.per_minute) else round(poll.per_minute, 3),
        },
        source="https://learn.microsoft.com/graph/best-practices-concept",
    )
