"""The proxy's listening side: the TLS it terminates with, and the HTTP protocol it hands
each intercepted tunnel to (who may connect: policy.py)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mockgraph.proxy.connection import Connection, ProtocolFactory
from mockgraph.proxy.policy import INTERCEPTED, ProxyPolicy, allowed_clients

if TYPE_CHECKING:
    import uvicorn

    from mockgraph.tls import TlsFiles


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
    if name.lower().rstrip(".") not in INTERCEPTED:
        return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
    sslobj.mockgraph_sni = name.lower().rstrip(".")  # type: ignore[union-attr]
    return None


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

        def connection() -> Connection:
            return Connection(self.policy, self.context, self.factory)

        if sock is not None:
            self._server = await loop.create_server(connection, sock=sock)
        else:
            self._server = await loop.create_server(connection, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    def close(self) -> None:
        if self._server is not None and all(s.fileno() != -1 for s in self._server.sockets):
            # A listening socket its owner already closed (ServerThread.stop after a slow
            # shutdown) has nothing left to stop.
            self._server.close()


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
