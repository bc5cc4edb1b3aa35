"""A real uvicorn server in a thread on a free loopback port, for tests and the plugin."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import FastAPI

from mockgraph.heads import bounded_head
from mockgraph.logs import dropped_note, line_format, logging_config, plain_prefix
from mockgraph.logwriter import LineWriter
from mockgraph.settings import Settings

if TYPE_CHECKING:
    from mockgraph.proxy import Proxy
    from mockgraph.tls import TlsFiles

log = logging.getLogger("mockgraph")


class ServerThread:
    """Run `app` under uvicorn in a thread; use as a context manager.

    Args:
        app: the ASGI app, usually from `create_app`.
        host: a loopback address to listen on.
        port: 0 picks a free port; `url` tells which.
        tls: serve HTTPS with these files.
        proxy: also run the intercepting proxy with this leaf, on a free port of `host`
            (`proxy_url` tells which), tunnelling the `passthrough` hosts.
    """

    def __init__(
        self,
        app: FastAPI,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: TlsFiles | None = None,
        proxy: TlsFiles | None = None,
        passthrough: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.app = app
        self._socket = bound_socket(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._proxy_tls, self._passthrough = proxy, passthrough
        self._proxy_socket = bound_socket(host, 0) if proxy is not None else None
        self.proxy_port = self._proxy_socket.getsockname()[1] if self._proxy_socket else None
        self.scheme = "https" if tls is not None else "http"
        runtime = app.state.runtime
        config = uvicorn.Config(
            app,
            http=bounded_head(runtime.settings.max_header_bytes, runtime.clock.now),
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=str(tls.cert) if tls is not None else None,
            ssl_keyfile=str(tls.key) if tls is not None else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="mockgraph-server", daemon=True)
        # The event loop the server runs on; in-process calls are handed to it (testing/admin.py).
        self.loop = asyncio.new_event_loop()

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def proxy_url(self) -> str | None:
        """http://host:port of the intercepting proxy, for HTTPS_PROXY; None without one."""
        return f"http://{self.host}:{self.proxy_port}" if self.proxy_port else None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        proxy = None
        if self._proxy_tls is not None and self._proxy_socket is not None:
            from mockgraph.proxy import for_server

            proxy = for_server(self._server, self._proxy_tls, self.host, self._passthrough)
            await proxy.start(self.host, sock=self._proxy_socket)
        scenarios = getattr(self.app.state, "scenarios", None)
        if scenarios is not None:
            scenarios.start_pending()
        try:
            await self._server.serve(sockets=[self._socket])
        finally:
            if proxy is not None:
                proxy.close()

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("mockgraph's server thread did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        deadline = time.monotonic() + 10
        while self._thread.is_alive() and time.monotonic() < deadline:
            # The loop closes once the thread ends; a call that comes too late has nothing to do.
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._drop_closed_connections)
            self._thread.join(timeout=0.05)
        self._socket.close()
        if self._proxy_socket is not None:
            self._proxy_socket.close()

    def _drop_closed_connections(self) -> None:
        """Abort the connections uvicorn has already closed that have nothing left to send (a
        response in flight is left to finish). A TLS one would otherwise wait for the client's
        close_notify, which an idle keep-alive client never sends, for asyncio's 30 s: the
        server outlived stop()'s 10 s wait after every module whose clients kept one open."""
        for connection in list(self._server.server_state.connections):
            transport: asyncio.Transport | None = getattr(connection, "transport", None)
            if (
                transport is not None
                and transport.is_closing()
                and transport.get_write_buffer_size() == 0
            ):
                transport.abort()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port, not yet listening; OSError if it cannot be had."""
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets
    # whose proto says TCP, and uvicorn writes a response's head and body apart, so with Nagle
    # on each keep-alive response waits out the client's delayed ACK (40 ms on Linux).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class GracefulServer(uvicorn.Server):
    """uvicorn's server, but a SIGTERM or SIGINT ends serve() without being raised again
    afterwards, so that mockgraph can finish its own shutdown and exit 0."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if sockets is not None:
            # uvicorn says where it listens only for the ports it bound itself.
            self._log_started_message(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def uvicorn_config(app: FastAPI, settings: Settings, tls: TlsFiles | None) -> uvicorn.Config:
    """How mockgraph runs under uvicorn, with limits that keep idle or slow clients from
    stopping it answering."""
    return uvicorn.Config(
        app,
        # uvicorn's httptools protocol, with a bound on the request line and headers.
        http=bounded_head(settings.max_header_bytes, app.state.runtime.clock.now),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=logging_config(settings),
        access_log=settings.log_level == "debug",
        # Graph sends no Server header; mockgraph sits behind no proxy.
        server_header=False,
        proxy_headers=False,
        ssl_certfile=str(tls.cert) if tls is not None else None,
        ssl_keyfile=str(tls.key) if tls is not None else None,
        # An idle keep-alive connection is closed after 5 s; a client gets 10 s to finish
        # in-flight requests at shutdown.
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        backlog=2048,
    )


def run_until_stopped(
    app: FastAPI,
    settings: Settings,
    tls: TlsFiles | None,
    proxy_tls: TlsFiles | None = None,
    sockets: tuple[socket.socket, socket.socket | None] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT; then finish in-flight requests and pending webhook
    deliveries, save the state file, and return. With `proxy_tls`, the intercepting proxy
    listens on settings.proxy_port too. `sockets`: the API's and the proxy's, already bound
    (cli/ports.py), else bound here."""
    config = uvicorn_config(app, settings, tls)
    server = GracefulServer(config)
    proxy = None
    if proxy_tls is not None and settings.proxy_port is not None:
        from mockgraph.proxy import for_server

        proxy = for_server(server, proxy_tls, settings.host, settings.proxy_passthrough)
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(_serve(server, app, settings, proxy, sockets))


async def _serve(
    server: uvicorn.Server,
    app: FastAPI,
    settings: Settings,
    proxy: Proxy | None = None,
    sockets: tuple[socket.socket, socket.socket | None] | None = None,
) -> None:
    from mockgraph.runtime import state_snapshot
    from mockgraph.state.persistence import write_atomically

    runtime = app.state.runtime
    api, proxy_socket = sockets if sockets is not None else (None, None)
    writer = _request_writer(app, settings)
    if proxy is not None and settings.proxy_port is not None:
        port = await proxy.start(settings.host, settings.proxy_port, sock=proxy_socket)
        log.info("intercepting proxy on http://%s:%d (HTTPS_PROXY)", settings.host, port)
    scenarios = getattr(app.state, "scenarios", None)
    if scenarios is not None:
        scenarios.start_pending()  # serve --scenario: played from now, on this loop
    saver = None
    if settings.state_file is not None and settings.state_save_interval > 0:
        saver = asyncio.get_running_loop().create_task(
            _save_every(settings.state_save_interval, runtime, settings.state_file)
        )
    try:
        await server.serve(sockets=[api] if api is not None else None)
    finally:
        if saver is not None:
            saver.cancel()
        if proxy is not None:
            proxy.close()
        left = await runtime.notifier.flush(timeout=10)
        if left:
            log.warning("shutting down with %d webhook deliveries still pending", left)
        # A server that never started (its port taken) has nothing to save, and writes nothing.
        if settings.state_file is not None and server.started:
            write_atomically(settings.state_file, state_snapshot(runtime))
            log.info("state saved to %s", settings.state_file)
        # Last, so that no line of the shutdown is lost.
        if writer is not None and not writer.close():
            log.warning("the request log's output stayed blocked; its last lines are lost")


def _request_writer(app: FastAPI, settings: Settings) -> LineWriter | None:
    """The request log's lines go to stderr through a LineWriter (logwriter.py), formatted as
    the log's handler would, without logging's per-record cost; through logging where stderr
    is no file (a test's captured stream)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    sys.stderr.flush()
    line = line_format(settings, "mockgraph.requests")
    writer = LineWriter(fd, dropped_note(line))
    from mockgraph.app import MockGraphApp

    if isinstance(app, MockGraphApp):
        app.request_log.write_to(writer, line, plain_prefix(settings))
    return writer


async def _save_every(interval: float, runtime: Any, path: Path) -> None:
    """Save every `interval`; a failed save (a full disk, a folder briefly gone) is logged
    with its cause, counted in /_mockgraph/health, and tried again at the next interval."""
    from mockgraph.runtime import state_snapshot
    from mockgraph.state.persistence import write_atomically

    saves = runtime.saves
    while True:
        await asyncio.sleep(interval)
        try:
            data = state_snapshot(runtime)  # taken on the event loop: a consistent picture
            await asyncio.to_thread(write_atomically, path, data)
        except Exception as exc:
            saves.failures += 1
            saves.last_error = f"{type(exc).__name__}: {exc}"
            log.error(
                "could not save the state to %s (%s); trying again in %g s",
                path,
                saves.last_error,
                interval,
            )
