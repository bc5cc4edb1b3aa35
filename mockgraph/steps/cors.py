"""CORS: a preflight answered, and an allowed origin let read the answer and Graph's headers.

The protocol is the Fetch standard's (https://fetch.spec.whatwg.org/#http-cors-protocol);
Graph lets browser apps call it (https://learn.microsoft.com/graph/best-practices-concept),
hence MOCKGRAPH_CORS_ORIGINS defaults to any origin (docs/reliability.md).
"""

from __future__ import annotations

from mockgraph.http import Message, Scope, Send

_EXPOSED = b"request-id, client-request-id, x-ms-ags-diagnostic, Retry-After, Location"
_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"


def allowed_origin(scope: Scope, origins: frozenset[bytes]) -> bytes | None:
    """The request's Origin, when `origins` (the setting, `*` for any) lets it in."""
    for name, value in scope["headers"]:
        if name == b"origin":
            origin: bytes = value
            return origin if b"*" in origins or origin in origins else None
    return None


async def preflight(scope: Scope, send: Send, origin: bytes) -> None:
    """A CORS preflight: allowed, for the origin and the headers the browser asks about."""
    asked = next(
        (v for k, v in scope["headers"] if k == b"access-control-request-headers"),
        b"authorization, content-type",
    )
    headers = [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-methods", _METHODS),
        (b"access-control-allow-headers", asked),
        (b"access-control-max-age", b"86400"),
        (b"vary", b"Origin"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def with_cors(send: Send, origin: bytes) -> Send:
    """Wrap `send` so that a browser at `origin` may read the response."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                *message.get("headers", []),
                (b"access-control-allow-origin", origin),
                (b"access-control-expose-headers", _EXPOSED),
                (b"vary", b"Origin"),
            ]
        await send(message)

    return wrapped
