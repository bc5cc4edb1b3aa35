"""`host:port` values: the proxy's pass-through list and the CONNECT target it reads."""

from __future__ import annotations

import re

# host:port, the host a DNS name, an IPv4 address or a bracketed IPv6 address.
AUTHORITY = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253}):([0-9]{1,5})$")


def parse_host_port(text: str, default_port: int | None = None) -> tuple[str, int] | None:
    """(lower-case host without brackets, port) of `host:port` (or of `host` alone when there
    is a default port); None when it is not one."""
    match = AUTHORITY.match(text)
    if match is None and default_port is not None:
        match = AUTHORITY.match(f"{text}:{default_port}")
    if match is None or not 0 < int(match.group(2)) < 65536:
        return None
    return match.group(1).lower().strip("[]").rstrip("."), int(match.group(2))


def parse_passthrough(text: str) -> tuple[tuple[str, int], ...]:
    """MOCKGRAPH_PROXY_PASSTHROUGH: `host[:port]` items separated by commas (443 if none)."""
    found: list[tuple[str, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        parsed = parse_host_port(item, 443)
        if parsed is None:
            raise ValueError(f"proxy pass-through {item!r} is not HOST or HOST:PORT")
        found.append(parsed)
    return tuple(found)
