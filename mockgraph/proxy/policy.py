"""Who may use the proxy and where a CONNECT may go: only the allowlisted clients, and only
Graph's, Entra's and Azure Resource Manager's hosts or the named pass-through hosts
(docs/proxy.md, "Security notes")."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from mockgraph.clouds import INTERCEPTED_HOSTS

_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
INTERCEPTED = frozenset(INTERCEPTED_HOSTS)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def allowed_clients(host: str) -> frozenset[Address] | None:
    """The peer addresses the proxy serves: those `host` names; None (any) for a wildcard."""
    if host.strip("[]") in _WILDCARDS:
        return None
    infos = socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)
    return frozenset(_plain(str(info[4][0])) for info in infos)


def _plain(address: str) -> Address:
    parsed = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


@dataclass(frozen=True)
class ProxyPolicy:
    """Who may use the proxy and where a CONNECT may go."""

    clients: frozenset[Address] | None  # None: any (the server was bound to all addresses)
    passthrough: frozenset[tuple[str, int]]
    intercepted: frozenset[str] = INTERCEPTED

    def admits(self, peer: str | None) -> bool:
        """Whether a client at `peer` may use the proxy."""
        if self.clients is None:
            return True
        return peer is not None and _plain(peer) in self.clients
