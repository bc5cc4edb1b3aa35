"""A lean HTTP/1.1 client for webhooks over asyncio streams, connections kept alive per origin:
the request written in one piece, the answer read by httptools' parser (llhttp, in C; uvicorn's
own). httpx spends about ten times the CPU per POST, and h11 (pure Python) three times, which
a scenario's stream of notifications feels."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httptools

# Bytes of a webhook's answer read at most: the validation token it echoes is a few hundred
# bytes, a notification's answer has no body Graph reads. Past it, the connection is closed.
ANSWER_LIMIT = 16 * 1024


class WebhookError(Exception):
    """The webhook could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(eq=False)
class _Reading:
    """httptools' callbacks for one answer at a time: its body (up to a limit) and its end."""

    limit: int
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    over: bool = False  # the body went past the limit: cut there
    complete: bool = False
    keep_alive: bool = False  # as its headers said (llhttp forgets it once the answer ends)
    parser: httptools.HttpResponseParser | None = None

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        if self.size + len(body) > self.limit:
            body, self.over = body[: self.limit - self.size], True
        self.chunks.append(body)
        self.size += len(body)

    def on_message_complete(self) -> None:
        self.complete = True


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reading: _Reading
    parser: httptools.HttpResponseParser

    def close(self) -> None:
        self.writer.close()


Origin = tuple[str, str, int]


class WebhookClient:
    """POSTs to webhooks; idle connections are kept, up to `keep` per origin."""

    def __init__(self, *, keep: int, answer_limit: int = ANSWER_LIMIT) -> None:
        self._keep = keep
        self._limit = answer_limit
        self._idle: dict[Origin, list[_Connection]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tls: ssl.SSLContext | None = None

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Sequence[tuple[str, str]],
        timeout: float,
    ) -> Answer:
        """One POST and its whole answer within `timeout` seconds, or WebhookError."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WebhookError(f"not an absolute http(s) URL: {url}")
        origin = (
            parts.scheme,
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
        )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        lines = [f"POST {target} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines += [f"Content-Length: {len(body)}", "", ""]
        head = "\r\n".join(lines)
        # The URL's path, query and host go into the request line and a header as they are:
        # no space or control character, and ASCII only (h11 refused the same).
        if not head.isascii() or any(c <= " " or c == "\x7f" for c in target + host):
            raise WebhookError(f"the URL has characters HTTP cannot carry: {url!r}")
        request = head.encode("ascii") + body
        try:
            async with asyncio.timeout(timeout):
                return await self._exchange(origin, request)
        except TimeoutError:
            raise WebhookError(f"no answer within {timeout:g} s") from None
        except (
            OSError,
            httptools.HttpParserError,
            httptools.HttpParserUpgrade,
            ssl.SSLError,
            ValueError,
        ) as exc:
            # ValueError: a host the resolver cannot take (an empty IDNA label, a NUL)
            raise WebhookError(f"{type(exc).__name__}: {exc}") from None

    async def _exchange(self, origin: Origin, request: bytes) -> Answer:
        reused = self._take(origin)
        if reused is not None:
            try:
                return await self._roundtrip(origin, reused, request)
            except (ConnectionError, _Closed):
                # The webhook closed the idle connection meanwhile: try once on a new one.
                reused.close()
        fresh = await self._open(origin)
        try:
            return await self._roundtrip(origin, fresh, request)
        except _Closed:
            raise WebhookError("the connection closed before an answer came") from None

    async def _roundtrip(self, origin: Origin, connection: _Connection, request: bytes) -> Answer:
        reading, parser = connection.reading, connection.parser
        reading.chunks, reading.size, reading.complete, reading.keep_alive = [], 0, False, False
        started = False
        try:
            connection.writer.write(request)
            await connection.writer.drain()
            while not reading.complete and not reading.over:
                received = await connection.reader.read(65536)
                if not received:
                    if not started:
                        raise _Closed
                    # An answer framed by the connection's end: complete, and not reusable.
                    connection.close()
                    return Answer(parser.get_status_code(), b"".join(reading.chunks))
                started = True
                parser.feed_data(received)
        except BaseException:
            connection.close()
            raise
        answer = Answer(parser.get_status_code(), b"".join(reading.chunks))
        if reading.over or not reading.keep_alive:
            # An answer past the limit is cut there; its connection is not reused.
            connection.close()
        else:
            self._give_back(origin, connection)
        return answer

    def close(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle = {}

    def _take(self, origin: Origin) -> _Connection | None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # Streams belong to one event loop; an app moved to another starts afresh.
            self._loop, self._idle = loop, {}
        idle = self._idle.get(origin)
        return idle.pop() if idle else None

    def _give_back(self, origin: Origin, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) < self._keep:
            idle.append(connection)
        else:
            connection.close()

    async def _open(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            if self._tls is None:
                self._tls = _tls_context()
            tls = self._tls
        reader, writer = await asyncio.open_connection(host, port, ssl=tls)
        reading = _Reading(self._limit)
        reading.parser = httptools.HttpResponseParser(reading)
        return _Connection(reader, writer, reading, reading.parser)


class _Closed(Exception):
    """The peer closed the connection before any answer."""


def _tls_context() -> ssl.SSLContext:
    """The system's trust store, plus certifi's bundle as httpx would use."""
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        pass
    return context
