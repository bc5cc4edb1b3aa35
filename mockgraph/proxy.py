"""The intercepting forward proxy: `CONNECT graph.microsoft.com:443` lands on mockgraph.

A client with HTTPS_PROXY pointing here sends `CONNECT host:443` without resolving the host.
For a Graph or Entra host (clouds.INTERCEPTED_HOSTS) the proxy answers 200, terminates TLS
with mockgraph's leaf (SNI checked against the allowlist and the CONNECT host), and hands the
decrypted connection to the same uvicorn HTTP protocol the server's own port runs: same app,
routes, journal, faults and limits, and the server's graceful shutdown covers it too. Hosts
named in --proxy-passthrough are tunnelled unchanged; everything else gets a 403 that says
why. The proxy never opens a connection of its own accord (reference §10).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import ssl
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from mockgraph.clouds import INTERCEPTED_HOSTS
from mockgraph.settings import parse_passthrough

__all__ = ["Proxy", "ProxyPolicy", "for_server", "parse_passthrough", "tls_context"]

if TYPE_CHECKING:
    import uvicorn

    from mockgraph.tls import TlsFiles

log = logging.getLogger("mockgraph.proxy")

MAX_HEAD = 8 * 1024
HEAD_TIMEOUT = 10.0
HANDSHAKE_TIMEOUT = 10.0
# How long a refused client may keep sending before the connection is closed under it.
LINGER = 2.0
# Relay buffers beyond this pause the other side until the writer drains.
_HIGH_WATER = 1024 * 1024
# host:port, the host a DNS name, an IPv4 address or a bracketed IPv6 address.
_AUTHORITY = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253}):([0-9]{1,5})$")
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
PASSTHROUGH_SETTING = "--proxy-passthrough HOST[:PORT],... (MOCKGRAPH_PROXY_PASSTHROUGH)"

ProtocolFactory = Callable[[], asyncio.Protocol]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def allowed_clients(host: str) -> frozenset[Address] | None:
    """The peer addresses the proxy serves: those `host` names; None (any) for a wildcard."""
    if host.strip("[]") in _WILDCARDS:
        return None
    infos = socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)
    return frozenset(_plain(str(info[4][0])) for info in infos)


def _plain(address: str) -> Address:
    parsed = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def tls_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """The server side of every intercepted tunnel: mockgraph's leaf, ALPN http/1.1 only.

    HTTP/2 is not offered: uvicorn serves HTTP/1.1, and every client stack (httpx with
    http2=True too) falls back to it when the server's ALPN names only http/1.1.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    context.set_alpn_protocols(["http/1.1"])
    context.sni_callback = _check_sni
    return context


def _check_sni(
    sslobj: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext
) -> int | None:
    if name is None:
        return None
    if name.lower().rstrip(".") not in _INTERCEPTED:
        return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
    sslobj.mockgraph_sni = name.lower().rstrip(".")  # type: ignore[union-attr]
    return None


_INTERCEPTED = frozenset(INTERCEPTED_HOSTS)


@dataclass(frozen=True)
class ProxyPolicy:
    """Who may use the proxy and where a CONNECT may go."""

    clients: frozenset[Address] | None  # None: any (the server was bound to all addresses)
    passthrough: frozenset[tuple[str, int]]
    intercepted: frozenset[str] = _INTERCEPTED


class Proxy:
    """Listens for CONNECT; serves intercepted tunnels with `factory()`'s HTTP protocol."""

    def __init__(
        self, factory: ProtocolFactory, context: ssl.SSLContext, policy: ProxyPolicy
    ) -> None:
        self.factory = factory
        self.context = context
        self.policy = policy
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int = 0, sock: socket.socket | None = None) -> int:
        """Listen on host:port (or `sock`); the port actually bound."""
        loop = asyncio.get_running_loop()
        if sock is not None:
            self._server = await loop.create_server(lambda: _Connection(self), sock=sock)
        else:
            self._server = await loop.create_server(lambda: _Connection(self), host, port)
        return int(self._server.sockets[0].getsockname()[1])

    def close(self) -> None:
        if self._server is not None:
            self._server.close()


def _refusal(status: int, reason: str, text: str, extra: Iterable[str] = ()) -> bytes:
    body = (text.rstrip("\n") + "\n").encode()
    head = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *extra,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class _Connection(asyncio.Protocol):
    """One client connection to the proxy, until it becomes a tunnel or is refused."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.upstream: asyncio.Transport | None = None
        self.decided = False
        self._timer: asyncio.TimerHandle | None = None
        # Half-closes seen on a pass-through tunnel: once both sides are done, both close.
        self.client_done = self.upstream_done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        clients = self.proxy.policy.clients
        if clients is not None and (not peer or _plain(str(peer[0])) not in clients):
            who = peer[0] if peer else "an unknown address"
            log.warning("proxy: refused a client from %s", who)
            self._refuse(
                403,
                "Forbidden",
                f"mockgraph's proxy serves clients from the addresses its server is bound to "
                f"only, not {who}. Bind the server to this address (--host) on purpose to "
                "let it in.",
            )
            return
        self._timer = asyncio.get_running_loop().call_later(HEAD_TIMEOUT, self._too_slow)

    def _too_slow(self) -> None:
        if not self.decided:
            self._refuse(408, "Request Timeout", "No CONNECT request arrived in time.")

    def _refuse(self, status: int, reason: str, text: str, extra: Iterable[str] = ()) -> None:
        self.decided = True
        if self._timer is not None:
            self._timer.cancel()
        transport = self.transport
        assert transport is not None
        if not transport.is_closing():
            transport.write(_refusal(status, reason, text, extra))
            # Half-close and drain what the client still sends: closing with unread data
            # would reset the connection before the client reads the refusal.
            if transport.can_write_eof():
                transport.write_eof()
                asyncio.get_running_loop().call_later(LINGER, transport.close)
            else:
                transport.close()

    def data_received(self, data: bytes) -> None:
        if self.upstream is not None:
            self.upstream.write(data)
            return
        if self.decided:
            return
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                self._refuse(
                    431, "Request Header Fields Too Large", "The CONNECT head is too long."
                )
            return
        head, rest = bytes(self.buffer[:end]), bytes(self.buffer[end + 4 :])
        self.buffer.clear()
        self._decide(head, rest)

    def _decide(self, head: bytes, rest: bytes) -> None:
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._refuse(400, "Bad Request", f"Not an HTTP/1.1 request line: {line[:200]!r}.")
            return
        method, target, _ = parts
        if method != "CONNECT":
            self._refuse(
                405,
                "Method Not Allowed",
                f"mockgraph's proxy takes CONNECT host:443 only, not {method}: Graph and "
                "Entra are HTTPS. Call mockgraph's own address for plain HTTP.",
                ["Allow: CONNECT"],
            )
            return
        match = _AUTHORITY.match(target)
        port = int(match.group(2)) if match else 0
        if match is None or not 0 < port < 65536:
            self._refuse(400, "Bad Request", f"CONNECT needs host:port, not {target[:200]!r}.")
            return
        host = match.group(1).lower().strip("[]").rstrip(".")
        policy = self.proxy.policy
        if host in policy.intercepted:
            if port != 443:
                self._refuse(
                    403,
                    "Forbidden",
                    f"mockgraph answers as {host} on port 443 only, not {port}.",
                )
            elif rest:
                self._refuse(400, "Bad Request", "Data arrived before the tunnel was open.")
            else:
                self._open(self._intercept(host))
        elif (host, port) in policy.passthrough:
            self._open(self._tunnel(host, port, rest))
        else:
            self._refuse(
                403,
                "Forbidden",
                f"mockgraph's proxy does not let CONNECT {host}:{port} through: it answers for "
                f"Graph's and Entra's hosts only and never contacts anything else. To tunnel "
                f"{host}:{port} unchanged, name it in {PASSTHROUGH_SETTING}.",
            )

    def _open(self, work: Coroutine[Any, Any, None]) -> None:
        self.decided = True
        if self._timer is not None:
            self._timer.cancel()
        assert self.transport is not None
        self.transport.pause_reading()
        task = asyncio.ensure_future(work)
        task.add_done_callback(_log_failure)

    async def _intercept(self, host: str) -> None:
        transport = self.transport
        assert transport is not None
        transport.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        waiting = _Waiting()
        loop = asyncio.get_running_loop()
        try:
            tls = await loop.start_tls(
                transport,
                waiting,
                self.proxy.context,
                server_side=True,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT,
            )
        except (OSError, ssl.SSLError, TimeoutError) as exc:
            log.info("proxy: TLS handshake for %s failed: %s", host, exc)
            transport.abort()
            return
        if tls is None:
            transport.abort()
            return
        sni = getattr(tls.get_extra_info("ssl_object"), "mockgraph_sni", host)
        if sni != host:
            log.warning("proxy: CONNECT %s but TLS asked for %s; closed", host, sni)
            tls.abort()
            return
        protocol = self.proxy.factory()
        tls.set_protocol(protocol)
        protocol.connection_made(tls)
        waiting.hand_over(protocol)

    async def _tunnel(self, host: str, port: int, rest: bytes) -> None:
        client = self.transport
        assert client is not None
        loop = asyncio.get_running_loop()
        try:
            upstream, _ = await loop.create_connection(lambda: _Relay(self), host, port)
        except OSError as exc:
            self._refuse(502, "Bad Gateway", f"Cannot reach {host}:{port}: {exc.strerror or exc}.")
            return
        self.upstream = upstream
        client.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        if rest:
            upstream.write(rest)
        client.resume_reading()

    def eof_received(self) -> bool | None:
        self.client_done = True
        if self.upstream is None:
            return None  # a refused or unfinished client: close
        return self.half_closed()

    def half_closed(self) -> bool | None:
        """Pass each side's EOF on; close both once both sides have sent theirs."""
        upstream, client = self.upstream, self.transport
        if upstream is None or client is None:
            return None
        if self.client_done and self.upstream_done:
            upstream.close()
            client.close()
            return None
        if self.client_done and upstream.can_write_eof():
            upstream.write_eof()
        if self.upstream_done and client.can_write_eof():
            client.write_eof()
        return True

    def pause_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.upstream is not None:
            self.upstream.close()


class _Relay(asyncio.Protocol):
    """The upstream side of a pass-through tunnel: bytes back to the client, unchanged."""

    def __init__(self, connection: _Connection) -> None:
        self.connection = connection
        assert connection.transport is not None
        self.client = connection.transport
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=_HIGH_WATER)

    def data_received(self, data: bytes) -> None:
        self.client.write(data)

    def eof_received(self) -> bool | None:
        self.connection.upstream_done = True
        return self.connection.half_closed()

    def pause_writing(self) -> None:
        self.client.pause_reading()

    def resume_writing(self) -> None:
        self.client.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.close()


class _Waiting(asyncio.Protocol):
    """Holds what arrives between the end of the handshake and the HTTP protocol taking over
    (asyncio may deliver the first request before start_tls returns)."""

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.eof = False
        self.lost: tuple[Exception | None] | None = None

    def data_received(self, data: bytes) -> None:
        self.data.append(data)

    def eof_received(self) -> bool | None:
        self.eof = True
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = (exc,)

    def hand_over(self, protocol: asyncio.Protocol) -> None:
        for chunk in self.data:
            protocol.data_received(chunk)
        if self.eof:
            protocol.eof_received()
        if self.lost is not None:
            protocol.connection_lost(self.lost[0])


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("proxy: a tunnel failed", exc_info=task.exception())


def uvicorn_protocols(server: uvicorn.Server) -> ProtocolFactory:
    """Connections made the way `server` makes its own: same app, limits and shutdown."""
    config = server.config
    if not config.loaded:
        config.load()

    def factory() -> asyncio.Protocol:
        protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
            config=config, server_state=server.server_state, app_state={}
        )
        return protocol

    return factory


def for_server(
    server: uvicorn.Server,
    tls: TlsFiles,
    host: str,
    passthrough: Iterable[tuple[str, int]] = (),
) -> Proxy:
    """A proxy in front of `server`, serving clients from the addresses `host` names."""
    policy = ProxyPolicy(allowed_clients(host), frozenset(passthrough))
    return Proxy(uvicorn_protocols(server), tls_context(str(tls.cert), str(tls.key)), policy)
