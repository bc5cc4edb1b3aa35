"""Load through mockgraph's intercepting proxy, which wrk cannot drive (it has no CONNECT):
keep-alive connections that each send CONNECT graph.microsoft.com:443, finish TLS, then send
one GET after another; and the cost of one new connection, from the CONNECT to the first byte
of the first answer. Asyncio protocols on uvloop, so that the client costs little."""

from __future__ import annotations

import asyncio
import ssl
import statistics
import time
from dataclasses import dataclass

import uvloop

HOST = "graph.microsoft.com"


@dataclass
class Measured:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


class _Client(asyncio.Protocol):
    """One keep-alive connection: a request, wait for the whole answer, the next."""

    def __init__(self, request: bytes, deadline: float, latencies: list[float]) -> None:
        self.request = request
        self.deadline = deadline
        self.latencies = latencies
        self.buffer = bytearray()
        self.sent = 0.0
        self.done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.errors = 0

    def start(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        if not head.startswith(b"HTTP/1.1 200"):
            self.errors += 1
        del self.buffer[: end + 4 + length]
        now = time.perf_counter()
        self.latencies.append(now - self.sent)
        if now < self.deadline:
            self._send()
        elif not self.done.done():
            self.done.set_result(self.errors)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(self.errors + 1)


async def _tunnel(proxy_port: int, context: ssl.SSLContext, protocol: asyncio.Protocol) -> None:
    """CONNECT through the proxy, then TLS as graph.microsoft.com, handing over to `protocol`."""
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(f"CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.decode("latin-1"))
    transport = await loop.start_tls(
        writer.transport, writer.transport.get_protocol(), context, server_hostname=HOST
    )
    assert transport is not None
    transport.set_protocol(protocol)
    if isinstance(protocol, _Client):
        # A StreamWriter closes its transport when it is collected: keep it alive.
        protocol.writer = writer
        protocol.start(transport)


def _request(path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()


async def _load(
    proxy_port: int, cafile: str, path: str, token: str, seconds: float, connections: int
) -> Measured:
    context = ssl.create_default_context(cafile=cafile)
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    clients = [_Client(_request(path, token), deadline, latencies) for _ in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(*(_tunnel(proxy_port, context, c) for c in clients))
    errors = sum(await asyncio.gather(*(c.done for c in clients)))
    elapsed = time.perf_counter() - started
    for client in clients:
        if client.transport is not None:
            client.transport.close()
    ordered = sorted(latencies)
    return Measured(
        len(ordered),
        len(ordered) / elapsed,
        ordered[len(ordered) // 2] * 1000,
        ordered[int(len(ordered) * 0.99)] * 1000,
        errors,
    )


def load(
    proxy_port: int, cafile: str, path: str, token: str, seconds: float, connections: int = 32
) -> Measured:
    """GETs of `path` on keep-alive tunnels for `seconds`: requests, rate, latencies."""
    return uvloop.run(_load(proxy_port, cafile, path, token, seconds, connections))


class _FirstByte(asyncio.Protocol):
    def __init__(self) -> None:
        self.first: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        if not self.first.done():
            self.first.set_result(time.perf_counter())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.first.done():
            self.first.set_exception(ConnectionError("closed before an answer"))


async def _new_connections(
    proxy_port: int, cafile: str, path: str, token: str, count: int
) -> list[float]:
    context = ssl.create_default_context(cafile=cafile)
    samples = []
    for _ in range(count):
        protocol = _FirstByte()
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
        writer.write(f"CONNECT {HOST}:443 HTTP/1.1\r\n\r\n".encode())
        await reader.readuntil(b"\r\n\r\n")
        transport = await loop.start_tls(
            writer.transport, writer.transport.get_protocol(), context, server_hostname=HOST
        )
        assert transport is not None
        transport.set_protocol(protocol)
        transport.write(_request(path, token))
        samples.append((await protocol.first) - started)
        transport.close()
    return samples


def new_connection_ms(proxy_port: int, cafile: str, path: str, token: str, count: int) -> float:
    """Median milliseconds from a new TCP connection's CONNECT to the first answer byte."""
    samples = uvloop.run(_new_connections(proxy_port, cafile, path, token, count))
    return statistics.median(samples) * 1000
