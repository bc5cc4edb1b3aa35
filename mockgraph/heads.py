"""uvicorn's httptools protocol as mockgraph serves HTTP with it: request heads with a bound,
and each response written to the socket in one piece.

A request line and headers past a total size are refused before they are held whole. Graph's
front end answers such a request with 400 "Request Too Long: The size of the request headers
is too long." (a capture: microsoftgraph/microsoft-graph-explorer-v4#3184); mockgraph answers
the same status and words in Graph's envelope, and closes the connection. docs/reliability.md
lists the limit.

uvicorn writes a response's status line and headers, then its body, as two writes; with Nagle
off (server.py) each is a send(2) and a TCP segment of its own, and the client wakes for each.
Here the writes of one response are gathered and sent as one when it completes (a streamed
response's chunks at the end of the event-loop turn that wrote them): a syscall less per call,
some 15 % of a small call's CPU (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

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


class OneWrite(asyncio.Transport):
    """A transport whose writes are gathered and sent as one: at `flush()`, or at the end of
    the event-loop turn that wrote them, whichever comes first; closing flushes first."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._pending is None:
            self._pending = [bytes(data)]
            self._loop.call_soon(self.flush)
        else:
            self._pending.append(bytes(data))

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending:
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = None
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending or ()))

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)


class BoundedHead(HttpToolsProtocol):
    """uvicorn's httptools protocol; past `max_head_bytes` of one request's line and headers,
    a 400 in Graph's envelope and the connection closed. Each response goes out in one write
    (OneWrite)."""

    max_head_bytes: int
    now: Callable[[], datetime]
    # Bytes of the current request's head seen so far; None once its headers are complete.
    _head: int | None = 0
    # Bytes dropped since the 400; None until then.
    _dropped: int | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWrite(transport, asyncio.get_running_loop()))

    def on_response_complete(self) -> None:
        # uvicorn calls this right after a response's last write (and after closing a
        # connection that is not kept alive, which flushed): out it goes, before the next
        # pipelined request starts.
        transport = self.transport
        if isinstance(transport, OneWrite):
            transport.flush()
        super().on_response_complete()

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
