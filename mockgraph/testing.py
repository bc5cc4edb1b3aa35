"""Helpers for test suites: an in-process httpx transport over a mockgraph app."""

from __future__ import annotations

import asyncio
import threading

import httpx


class InProcessTransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls an ASGI app in this process, with no socket.

    Args:
        app: the ASGI app, usually from `create_app`.

    Use it as `httpx.Client(transport=InProcessTransport(app), base_url="http://mockgraph")`.
    """

    def __init__(self, app: object) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            return self._loop.run_until_complete(self._send(request))

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
        self._loop.close()
