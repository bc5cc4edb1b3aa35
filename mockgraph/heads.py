"""Request heads with a bound: uvicorn's httptools protocol, which refuses a request line and
headers past a total size before it holds them whole.

Graph's front end answers such a request with 400 "Request Too Long: The size of the request
headers is too long." (a capture: microsoftgraph/microsoft-graph-explorer-v4#3184); mockgraph
answers the same status and words in Graph's envelope, and closes the connection.
docs/reliability.md lists the limit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockgraph.errors import BadRequest, render_error
from mockgraph.http import new_request_id

log = logging.getLogger("mockgraph")

HEAD_TOO_LONG = "Request Too Long: The size of the request headers is too long."
# After the 400, what the client is still sending is read and dropped for this long (or up to
# this many bytes), then the connection is closed: closing with unread input would reset it,
# and a reset can destroy the 400 before the client reads it (a "lingering close").
LINGER_SECONDS = 2.0
LINGER_BYTES = 64 << 20


class BoundedHead(HttpToolsProtocol):
    """uvicorn's httptools protocol; past `max_head_bytes` of one request's line and headers,
    a 400 in Graph's envelope and the connection closed."""

    max_head_bytes: int
    now: Callable[[], datetime]
    # Bytes of the current request's head seen so far; None once its headers are complete.
    _head: int | None = 0
    # Bytes dropped since the 400; None until then.
    _dropped: int | None = None

    def data_received(self, data: bytes) -> None:
        if self._dropped is not None:
            self._dropped += len(data)
            if self._dropped > LINGER_BYTES:
                self.transport.close()
            return
        super().data_received(data)
        if self._head is not None:
            self._head += len(data)
            if self._head > self.max_head_bytes and not self.transport.is_closing():
                self._refuse()

    def on_headers_complete(self) -> None:
        self._head = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._head = 0
        super().on_message_complete()

    def _refuse(self) -> None:
        log.warning("refused a request whose line and headers passed %d bytes", self.max_head_bytes)
        request_id = new_request_id()
        body = render_error(
            BadRequest(
                f"{HEAD_TOO_LONG} mockgraph takes at most {self.max_head_bytes} bytes of "
                "request line and headers (MOCKGRAPH_MAX_HEADER_BYTES)."
            ),
            request_id=request_id,
            client_request_id=request_id,
            now=self.now(),
        )
        head = (
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\nrequest-id: %s\r\nconnection: close\r\n\r\n"
            % (len(body), request_id.encode())
        )
        self.transport.write(head + body)
        self._dropped = 0
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)


def bounded_head(max_head_bytes: int, now: Callable[[], datetime]) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn's `http=`, with this bound and the app's clock."""
    return type(
        "BoundedHead", (BoundedHead,), {"max_head_bytes": max_head_bytes, "now": staticmethod(now)}
    )
