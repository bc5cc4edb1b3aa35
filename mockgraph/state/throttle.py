"""Graph's throttling: a limit of requests per window, per application per tenant."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mockgraph.limits import Limit, parse_limit

# Limit and parse_limit live in limits.py; re-exported only until tests/ import them from there.
__all__ = ["Limit", "Throttle", "parse_limit"]


@dataclass(slots=True)
class _Window:
    start: float
    count: int


class Throttle:
    """Fixed windows per app: past the limit, every call until the window ends is a 429."""

    def __init__(self, limit: Limit | None) -> None:
        self.limit = limit
        self._windows: dict[str, _Window] = {}

    def reset(self, limit: Limit | None) -> None:
        self.limit = limit
        self._windows.clear()

    def check(self, app_id: str, now: float) -> int | None:
        """None when the call may go on, else the seconds the caller must wait (Retry-After).

        A caller that retries before then is throttled again, told the time that is left.
        """
        limit = self.limit
        if limit is None:
            return None
        window = self._windows.get(app_id)
        if window is None or now >= window.start + limit.window or now < window.start:
            window = self._windows[app_id] = _Window(now, 0)
        if window.count >= limit.requests:
            return max(1, math.ceil(window.start + limit.window - now))
        window.count += 1
        return None
