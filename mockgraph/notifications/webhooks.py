"""A lean HTTP/1.1 client for webhooks: h11 over asyncio streams, connections kept alive per
origin. httpx spends about ten times the CPU per POST, which a burst of notifications feels."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

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


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    http: h11.Connection

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
        request = [("Host", host), *headers, ("Content-Length", str(len(body)))]
        try:
            async with asyncio.timeout(timeout):
                return await self._exchange(origin, target, request, body)
        except TimeoutError:
            raise WebhookError(f"no answer within {timeout:g} s") from None
        except (OSError, h11.ProtocolError, ssl.SSLError, ValueError) as exc:
            # ValueError: a host the resolver cannot take (an empty IDNA label, a NUL)
            raise WebhookError(f"{type(exc).__name__}: {exc}") from None

    async def _exchange(
        self, origin: Origin, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> Answer:
        reused = self._take(origin)
        if reused is not None:
            try:
                return await self._roundtrip(origin, reused, target, headers, body)
            except (ConnectionError, _Closed):
                # The webhook closed the idle connection meanwhile: try once on a new one.
                reused.close()
        fresh = await self._open(origin)
        try:
            return await self._roundtrip(origin, fresh, target, headers, body)
        except _Closed:
            raise WebhookError("the connection closed before an answer came") from None

    async def _roundtrip(
        self,
        origin: Origin,
        connection: _Connection,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> Answer:
        http = connection.http
        try:
            data = http.send(h11.Request(method="POST", target=target, headers=headers)) or b""
            data += (http.send(h11.Data(data=body)) or b"") + (http.send(h11.EndOfMessage()) or b"")
            connection.writer.write(data)
            await connection.writer.drain()
            status, chunks, size = 0, [], 0
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    received = await connection.reader.read(min(65536, self._limit + 1))
                    if not received and status == 0:
                        raise _Closed
                    http.receive_data(received)
                elif isinstance(event, h11.Response):
                    status = event.status_code
                elif isinstance(event, h11.Data):
                    chunks.append(bytes(event.data))
                    size += len(event.data)
                    if size > self._limit:
                        # An answer past the limit is cut there; its connection is not reused.
                        connection.close()
                        return Answer(status, b"".join(chunks)[: self._limit])
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    break
        except BaseException:
            connection.close()
            raise
        self._give_back(origin, connection)
        return Answer(status, b"".join(chunks))

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
        http = connection.http
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._keep:
                idle.append(connection)
                return
        connection.close()

    async def _open(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            if self._tls is None:
                self._tls = _tls_context()
            tls = self._tls
        reader, writer = await asyncio.open_connection(host, port, ssl=tls)
        return _Connection(reader, writer, h11.Connection(h11.CLIENT))


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
