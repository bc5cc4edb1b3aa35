"""The floor for Python: a raw ASGI app under uvicorn answering one prebuilt presence body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

BODY = (
    b'{"id":"66825e03-7ef5-42da-9069-724602c31f6b","availability":"DoNotDisturb",'
    b'"activity":"Presenting","outOfOfficeSettings":{"message":null,"isOutOfOffice":false}}'
)
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
