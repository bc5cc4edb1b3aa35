"""The control plane is closed to other web origins: a /_mockgraph call from a page of
another origin, to a Host the server does not answer to (DNS rebinding), or a state-changing
call a browser could send without a preflight, is 403 (docs/reliability.md, "Security
defaults"; the rules are the Fetch standard's, https://fetch.spec.whatwg.org/#cors-safelisted-request-header).
"""

from __future__ import annotations

import ipaddress

from mockgraph.admin.webhook import WEBHOOK_PATH
from mockgraph.errors import Forbidden
from mockgraph.http import Scope

CONTROL_PLANE = "/_mockgraph/"
# A container's healthcheck may name the server by any address; the built-in webhook takes
# Graph's posts (the validation handshake is text/plain) at whatever address it was named by.
_OPEN = frozenset({"/_mockgraph/health", WEBHOOK_PATH})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a form or a no-cors fetch may send with no preflight.
_SIMPLE_TYPES = (b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data")
# Top-level names public DNS never answers (RFC 6761, RFC 8375, ICANN's .internal): a page
# cannot point them at the server (host.docker.internal, mockgraph.test).
_PRIVATE_TLDS = ("localhost", "test", "example", "invalid", "internal", "local", "home.arpa")


class HostNames:
    """The names the server answers to on its control plane.

    Any IP address, a name of one label (`localhost`, a container's service name such as
    `mockgraph`) and a name under a top-level name public DNS never answers (`.localhost`,
    `.test`, `.internal`, ...) are taken; any other name only when MOCKGRAPH_ALLOWED_HOSTS lists
    it (or is `*`): a name an attacker's DNS can point at 127.0.0.1 is one of those.
    """

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.any = "*" in allowed
        self.listed = frozenset(name.lower() for name in allowed)
        self._known: dict[bytes, bool] = {}

    def __contains__(self, host: bytes) -> bool:
        known = self._known.get(host)
        if known is None:
            if len(self._known) >= 1024:
                self._known.clear()
            known = self._known[host] = self.any or self._judge(host.decode("latin-1"))
        return known

    def _judge(self, host: str) -> bool:
        name = host.lower()
        if name.startswith("["):
            name = name[1 : name.find("]")] if "]" in name else name
        elif name.count(":") == 1:
            name = name.partition(":")[0]
        name = name.rstrip(".")
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            pass
        return (
            (bool(name) and "." not in name)
            or name.endswith(tuple(f".{tld}" for tld in _PRIVATE_TLDS))
            or name in self.listed
        )


def cross_origin(scope: Scope, hosts: HostNames) -> Forbidden | None:
    """403 for a control-plane call another web origin could make; None otherwise."""
    path: str = scope["path"]
    if not path.startswith(CONTROL_PLANE) or path in _OPEN:
        return None
    host = origin = content_type = None
    custom = False
    for name, value in scope["headers"]:
        if name == b"host":
            host = value
        elif name == b"origin":
            origin = value
        elif name == b"content-type":
            content_type = value.split(b";")[0].strip().lower()
        elif name == b"authorization" or name.startswith(b"x-"):
            custom = True
    if host is not None and host not in hosts:
        return Forbidden(
            f"mockgraph's control plane does not answer to the host '{host.decode('latin-1')}'; "
            "list it in MOCKGRAPH_ALLOWED_HOSTS."
        )
    if origin is not None and origin.partition(b"://")[2] != (host or b""):
        return Forbidden(
            f"mockgraph's control plane does not answer pages of other origins "
            f"({origin.decode('latin-1')})."
        )
    if scope["method"] not in _SAFE_METHODS and not custom and content_type in _SIMPLE_TYPES:
        return Forbidden(
            "A state-changing control-plane call needs Content-Type: application/json "
            "(or a custom header): a browser sends this one from any page with no preflight."
        )
    return None
