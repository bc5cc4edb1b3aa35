"""The throttling budget: per app and tenant, the busiest 30 s of presence calls against
Graph's limit, and the calls Graph would have throttled.

"The maximum request rate for this API is 1,500 requests within a 30-second period, per
application per tenant." (https://learn.microsoft.com/graph/throttling-limits, presence)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockgraph.limits import GRAPH_LIMIT
from mockgraph.report.calls import PRESENCE, Call
from mockgraph.report.findings import ERROR, WARNING, Finding, plural

SOURCE = "https://learn.microsoft.com/graph/throttling-limits"
# Past this share of the limit, the peak is a warning: a busier day would be throttled.
NEAR = 0.8


def budget(
    calls: Sequence[Call], limit: int = GRAPH_LIMIT[0], window: float = GRAPH_LIMIT[1]
) -> tuple[dict[str, Any], set[int]]:
    """The app's presence budget, and the sequence numbers of the calls past the limit.

    A call is past it when it is the (limit + 1)th or later in the 30 s that end with it
    (Graph's own windows are not documented; a sliding one is the strictest reading).
    """
    timed = sorted((c.entry.timestamp, c.entry.sequence) for c in calls if c.family == PRESENCE)
    peak, peak_at, start = 0, None, 0
    over: set[int] = set()
    for index, (when, sequence) in enumerate(timed):
        while timed[start][0] <= when - window:
            start += 1
        count = index - start + 1
        if count > peak:
            peak, peak_at = count, sequence
        if count > limit:
            over.add(sequence)
    section = {
        "limit": limit,
        "windowSeconds": window,
        "presenceCalls": len(timed),
        "peak": peak,
        "peakAtSequence": peak_at,
        "headroom": limit - peak,
        "wouldThrottle": len(over),
        "answered429": sum(1 for c in calls if c.entry.status == 429),
    }
    return section, over


def budget_findings(
    section: dict[str, Any], calls: Sequence[Call], over: set[int]
) -> list[Finding]:
    """This client's share of its app's budget: its calls past the limit, or a peak near it."""
    limit, peak = section["limit"], section["peak"]
    mine = tuple(c.entry.sequence for c in calls if c.entry.sequence in over)
    fix = (
        "Read many users at once with getPresencesByUserId (650 ids a call), subscribe to "
        "presence changes, and spread the rest out."
    )
    if mine:
        return [
            Finding(
                "throttling",
                "wouldThrottle",
                ERROR,
                f"Graph would have throttled {plural(len(mine), 'call')}: {peak:,} presence "
                f"calls in 30 s, over the limit of {limit:,} per app",
                fix,
                mine,
                details={"peak": peak, "limit": limit},
                source=SOURCE,
            )
        ]
    if peak >= NEAR * limit and any(c.family == PRESENCE for c in calls):
        return [
            Finding(
                "throttling",
                "nearLimit",
                WARNING,
                f"{peak:,} presence calls in 30 s, {section['headroom']:,} below Graph's limit "
                f"of {limit:,} per app",
                fix,
                (section["peakAtSequence"],),
                count=peak,
                details={"peak": peak, "limit": limit, "headroom": section["headroom"]},
                source=SOURCE,
            )
        ]
    return []
