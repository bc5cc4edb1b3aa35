"""Graph's throttling: a limit of requests per window, per application per tenant."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# "The maximum request rate for this API is 1,500 requests within a 30-second period,
# per application per tenant." (reference §7)
GRAPH_LIMIT = (1500, 30.0)


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    window: float  # seconds


def parse_limit(text: str) -> Limit | None:
    """`off`, `graph` (1500 per 30 s) or `<requests>/<seconds>s`, such as `100/10s`."""
    value = text.strip().lower()
    if value in ("", "off", "none", "false", "0"):
        return None
    if value == "graph":
        return Limit(*GRAPH_LIMIT)
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?", value)
    if match is None or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise ValueError(
            f"'{text}' is not a throttling limit: use off, graph, or "
            "<requests>/<seconds>s such as 100/10s"
        )
    return Limit(int(match.group(1)), float(match.group(2)))


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
