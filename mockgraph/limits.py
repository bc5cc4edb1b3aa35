"""A throttling limit, as settings and the control plane give it: a leaf, so settings can
name it without importing the throttle."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "The maximum request rate for this API is 1,500 requests within a 30-second period,
# per application per tenant." (https://learn.microsoft.com/graph/throttling-limits)
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
