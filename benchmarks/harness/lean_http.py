"""A lean HTTP/1.1 client for a benchmark's background calls, on keep-alive connections.

httpx costs this process about a millisecond of CPU per call; on a 2-core machine, a few
hundred calls a second in the background would take that from the server and wrk, and the
figure measured beside them would be the benchmark's own cost. This writes each request in one
piece and reads the answer by its Content-Length (mockgraph's answers all carry one).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

# The most header bytes and body bytes an answer may have here (a bound, never reached).
MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024


class LeanConnection:
    """One keep-alive connection to `url`'s host; one call at a time."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def call(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """(status, body) of one call with a JSON body; reconnects once if the server closed
        the connection in between."""
        payload = json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}", "", ""]
        request = "\r\n".join(lines).encode() + payload
        for attempt in (1, 2):
            if self._streams is None:
                self._streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self._streams
            try:
                writer.write(request)
                return await _answer(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        raise ValueError("the answer's headers are too long")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
        elif name.strip().lower() == "transfer-encoding":
            raise ValueError("a chunked answer: this client reads Content-Length only")
    if length > MAX_BODY:
        raise ValueError(f"an answer of {length} bytes")
    return int(status_line.split(" ", 2)[1]), await reader.readexactly(length)
