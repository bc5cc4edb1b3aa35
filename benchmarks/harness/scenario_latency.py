"""Case 15's notification latency: from a step's moment, in wall time, to the webhook."""

from __future__ import annotations

import bisect
from collections.abc import Container
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

SPEED = 600.0
# How well a step's wall time is known (the anchor's precision: a round trip, a tick): a
# notification up to this much before it still answers it.
ANCHOR_TOLERANCE = 0.005


@dataclass
class Latency:
    latencies_ms: list[float]
    visible: int
    notified: int
    covered_s: float


def _moments(
    journal: list[dict[str, Any]], watched: Container[str], wall0: float
) -> dict[str, list[tuple[float, bool]]]:
    """Per watched user, each moment that has steps (in wall time), and whether they changed
    the user's availability or activity from what the subscriber last heard: counted only
    when nothing else (an expiry) changed the user since the moment before, that is when each
    step moved the user's sequence number by at most one."""
    groups: dict[str, list[list[tuple[float, int, str, str]]]] = {}
    for entry in journal:
        if entry["userId"] not in watched:
            continue
        step = (entry["at"], entry["sequence"], entry["availability"], entry["activity"])
        mine = groups.setdefault(entry["userId"], [])
        if mine and mine[-1][-1][0] == step[0]:
            mine[-1].append(step)
        else:
            mine.append([step])
    moments: dict[str, list[tuple[float, bool]]] = {}
    for user, mine in groups.items():
        out = moments[user] = []
        for before, group in zip([None, *mine], mine, strict=False):
            changed = False
            if before is not None:
                seqs = [before[-1][1], *(s[1] for s in group)]
                clean = all(b - a in (0, 1) for a, b in pairwise(seqs))
                changed = clean and group[-1][2:] != before[-1][2:]
            out.append((wall0 + group[0][0] / SPEED, changed))
    return moments


def latency(
    journal: list[dict[str, Any]], arrivals: list[tuple[str, float]], wall0: float, since: float
) -> Latency:
    """Each moment whose steps changed a watched user's availability or activity, answered
    by the first notification about that user after it (in wall time: the scenario's start
    plus the offset / 600, known to ANCHOR_TOLERANCE) and before the user's next moment.
    Changes the clock made (an expiry) have no step, and are not counted."""
    watched: dict[str, list[float]] = {}
    for user, stamp in arrivals:
        watched.setdefault(user, []).append(stamp)
    for stamps in watched.values():
        stamps.sort()
    found: list[float] = []
    visible = 0
    for user, moments in _moments(journal, watched, wall0).items():
        stamps = watched[user]
        for index, (due, changed) in enumerate(moments):
            if not changed or due < since:
                continue
            visible += 1
            until = moments[index + 1][0] if index + 1 < len(moments) else float("inf")
            first = bisect.bisect_left(stamps, due - ANCHOR_TOLERANCE)
            if first < len(stamps) and stamps[first] < until - ANCHOR_TOLERANCE:
                found.append((stamps[first] - due) * 1000)
    covered = (journal[-1]["at"] - journal[0]["at"]) / SPEED if journal else 0.0
    return Latency(sorted(found), visible, len(found), covered)
