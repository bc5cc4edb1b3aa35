"""An httpx transport that calls a mockgraph app in this process, with no socket."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


class InProcessTransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls a mockgraph app in this process, no socket.

    Args:
        app: the ASGI app, usually from `create_app`.
        loop: the event loop the app already runs on (a `ServerThread`'s), so that in-process
            calls and network calls touch state from one thread; None runs a private loop.

    Use it as `httpx.Client(transport=InProcessTransport(app), base_url="http://mockgraph")`.
    """

    def __init__(self, app: object, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
        self._shared_loop = loop
        self._own_loop = asyncio.new_event_loop() if loop is None else None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._run(self._send(request))

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._shared_loop is not None:
            return asyncio.run_coroutine_threadsafe(coroutine, self._shared_loop).result(60)
        assert self._own_loop is not None
        with self._lock:
            return self._own_loop.run_until_complete(coroutine)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        async_request = httpx.Request(
            request.method, request.url, headers=request.headers, content=body
        )
        response = await self._asgi.handle_async_request(async_request)
        content = await response.aread()
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def close(self) -> None:
        if self._own_loop is not None:
            self._own_loop.close()
