"""One client connection to the proxy: its CONNECT read, then refused, intercepted or
tunnelled: only the allowlist and the named pass-through hosts (docs/proxy.md, 'Security notes')."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, cast

from mockgraph.hostports import parse_host_port
from mockgraph.proxy.policy import ProxyPolicy
from mockgraph.proxy.tunnels import Relay, Waiting

log = logging.getLogger("mockgraph.proxy")

MAX_HEAD = 8 * 1024
HEAD_TIMEOUT = 10.0
HANDSHAKE_TIMEOUT = 10.0
# How long a closing tunnel waits for the client's TLS close_notify (asyncio's default is 30 s,
# which would hold a server's shutdown that long for a client that keeps its connection).
TLS_SHUTDOWN_TIMEOUT = 2.0
# How long a refused client may keep sending before the connection is closed under it.
LINGER = 2.0
PASSTHROUGH_SETTING = "--proxy-passthrough HOST[:PORT],... (MOCKGRAPH_PROXY_PASSTHROUGH)"
# Makes the HTTP protocol an intercepted tunnel is handed to (the server's own).
ProtocolFactory = Callable[[], asyncio.Protocol]


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


class Connection(asyncio.Protocol):
    """One client connection to the proxy, until it becomes a tunnel or is refused.

    Args:
        policy: who may connect and where a CONNECT may go.
        context: the TLS an intercepted tunnel is terminated with.
        factory: the HTTP protocol an intercepted tunnel is handed to.
    """

    def __init__(
        self, policy: ProxyPolicy, context: ssl.SSLContext, factory: ProtocolFactory
    ) -> None:
        self.policy = policy
        self.context = context
        self.factory = factory
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
        if not self.policy.admits(str(peer[0]) if peer else None):
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
        parsed = parse_host_port(target)
        if parsed is None:
            self._refuse(400, "Bad Request", f"CONNECT needs host:port, not {target[:200]!r}.")
            return
        host, port = parsed
        policy = self.policy
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
                f"Graph's, Entra's and Azure Resource Manager's hosts only and never contacts "
                f"anything else. To tunnel "
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
        waiting = Waiting()
        loop = asyncio.get_running_loop()
        try:
            tls = await loop.start_tls(
                transport,
                waiting,
                self.context,
                server_side=True,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT,
                ssl_shutdown_timeout=TLS_SHUTDOWN_TIMEOUT,
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
        protocol = self.factory()
        tls.set_protocol(protocol)
        protocol.connection_made(tls)
        waiting.hand_over(protocol)

    async def _tunnel(self, host: str, port: int, rest: bytes) -> None:
        client = self.transport
        assert client is not None
        loop = asyncio.get_running_loop()
        try:
            upstream, _ = await loop.create_connection(lambda: Relay(self), host, port)
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


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("proxy: a tunnel failed", exc_info=task.exception())
