"""The fan-out case's webhook: a raw ASGI app under uvicorn that answers Graph's validation
handshake, takes each notification with 202, and notes when each item arrived.

Times are `time.monotonic()`, one clock for every process of the machine, so the benchmark can
subtract the moment it sent a change from the moment the notification was answered.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# (user id, monotonic time of the answer), in arrival order.
arrivals: list[tuple[str, float]] = []


async def app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    path, query = scope["path"], scope["query_string"].decode()
    if path == "/health":
        await _answer(send, 200, b"ok")
    elif path == "/count":
        await _answer(send, 200, str(len(arrivals)).encode())
    elif path == "/arrivals":
        await _answer(send, 200, json.dumps(arrivals).encode(), b"application/json")
    elif path == "/reset":
        arrivals.clear()
        await _answer(send, 200, b"")
    elif "validationToken" in query:
        token = parse_qs(query)["validationToken"][0]
        await _answer(send, 200, token.encode(), b"text/plain; charset=utf-8")
    else:
        items = json.loads(body)["value"]
        stamp = time.monotonic()
        arrivals.extend((item["resourceData"]["id"], stamp) for item in items)
        await _answer(send, 202, b"")


async def _answer(send: Send, status: int, body: bytes, kind: bytes = b"text/plain") -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
