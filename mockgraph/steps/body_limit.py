"""MOCKGRAPH_MAX_BODY_BYTES on FastAPI's side (the control plane, Entra, the docs): the same
limit and 413 as the gateway's, for a declared Content-Length and for a chunked body."""

from __future__ import annotations

from mockgraph.errors import RequestEntityTooLarge
from mockgraph.http import Message, Receive, Scope, read_body, too_large


def declared_too_large(scope: Scope, limit: int) -> RequestEntityTooLarge | None:
    """413 for a Content-Length past `limit`, before anything reads the body."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            return too_large(limit)
    return None


def is_chunked(scope: Scope) -> bool:
    """Whether the body is streamed (Transfer-Encoding), its length known only once read."""
    return any(name == b"transfer-encoding" for name, _ in scope["headers"])


async def read_chunked(receive: Receive, limit: int) -> Receive:
    """Read a streamed body whole (RequestEntityTooLarge once it passes `limit`), and hand
    back a `receive` that replays it, so that FastAPI's pipeline keeps the same limit."""
    return replay(await read_body(receive, None, limit), receive)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over a body already read, then the connection's own messages."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
