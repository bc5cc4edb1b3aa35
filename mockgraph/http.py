"""Graph's response headers and the raw ASGI plumbing shared by every response."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mockgraph.errors import RequestEntityTooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ODATA_JSON = (
    b"application/json;odata.metadata=minimal;odata.streaming=true;"
    b"IEEE754Compatible=false;charset=utf-8"
)
DIAGNOSTIC = (
    b'{"ServerInfo":{"DataCenter":"mockgraph","Slice":"E","Ring":"5","ScaleUnit":"000",'
    b'"RoleInstance":"mockgraph"}}'
)
_DIAGNOSTIC_HEADER = (b"x-ms-ags-diagnostic", DIAGNOSTIC)
# Where the request ids of one request live in its ASGI scope.
REQUEST_IDS = "mockgraph.request_ids"


# Request ids are GUID-shaped and unique: a random prefix per process and a counter
# (uuid4 per request costs a system call; this does not).
_PREFIX = uuid.uuid4().hex[:20]
_counter = itertools.count(1)


def new_request_id() -> str:
    tail = f"{_PREFIX}{next(_counter):012x}"
    return f"{tail[:8]}-{tail[8:12]}-{tail[12:16]}-{tail[16:20]}-{tail[20:32]}"


def request_ids(scope: Scope) -> tuple[str, str]:
    """(request-id, client-request-id) of a request; made once, echoed on every response."""
    ids: tuple[str, str] | None = scope.get(REQUEST_IDS)
    if ids is None:
        request_id = new_request_id()
        client = request_id
        for name, value in scope["headers"]:
            if name == b"client-request-id":
                client = value.decode("latin-1")
                break
        ids = scope[REQUEST_IDS] = (request_id, client)
    return ids


def graph_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    request_id, client_request_id = request_ids(scope)
    return [
        (b"request-id", request_id.encode()),
        (b"client-request-id", client_request_id.encode("latin-1")),
        _DIAGNOSTIC_HEADER,
    ]


async def respond(
    send: Send,
    scope: Scope,
    status: int,
    body: bytes,
    content_type: bytes | None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    request_id, client_request_id = request_ids(scope)
    headers = [
        (b"request-id", request_id.encode()),
        (b"client-request-id", client_request_id.encode("latin-1")),
        _DIAGNOSTIC_HEADER,
        (b"content-length", b"%d" % len(body)),
    ]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def with_graph_headers(scope: Scope, send: Send) -> Send:
    """Wrap `send` so that a response made elsewhere (FastAPI) carries Graph's headers too."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            names = {name.lower() for name, _ in message.get("headers", [])}
            message["headers"] = [
                *message.get("headers", []),
                *(h for h in graph_headers(scope) if h[0] not in names),
            ]
        await send(message)

    return wrapped


def too_large(limit: int) -> RequestEntityTooLarge:
    """The one answer to a body over MOCKGRAPH_MAX_BODY_BYTES, whichever pipeline reads it."""
    return RequestEntityTooLarge(
        f"The request body is larger than the {limit // 1024} KiB mockgraph accepts."
    )


async def read_body(receive: Receive, declared: bytes | None, limit: int) -> bytes:
    """The whole body, or 413 as soon as it (or its declared Content-Length) passes `limit`."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
