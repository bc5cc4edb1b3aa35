"""A real uvicorn server in a thread on a free loopback port, for tests and the plugin."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import FastAPI

from mockgraph.logs import logging_config
from mockgraph.settings import Settings

if TYPE_CHECKING:
    from mockgraph.tls import TlsFiles

log = logging.getLogger("mockgraph")


class ServerThread:
    """Run `app` under uvicorn in a thread; use as a context manager.

    Args:
        app: the ASGI app, usually from `create_app`.
        host: a loopback address to listen on.
        port: 0 picks a free port; `url` tells which.
    """

    def __init__(
        self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, *, tls: TlsFiles | None = None
    ) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        self.scheme = "https" if tls is not None else "http"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=str(tls.cert) if tls is not None else None,
            ssl_keyfile=str(tls.key) if tls is not None else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="mockgraph-server", daemon=True)
        # The event loop the server runs on; in-process calls are handed to it (see testing.py).
        self.loop = asyncio.new_event_loop()

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._server.serve(sockets=[self._socket]))
        finally:
            self.loop.close()

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
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class GracefulServer(uvicorn.Server):
    """uvicorn's server, but a SIGTERM or SIGINT ends serve() without being raised again
    afterwards, so that mockgraph can finish its own shutdown and exit 0."""

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


def run_until_stopped(app: FastAPI, settings: Settings, tls: TlsFiles | None) -> None:
    """Serve until SIGTERM or SIGINT; then finish in-flight requests and pending webhook
    deliveries, save the state file, and return."""
    config = uvicorn_config(app, settings, tls)
    server = GracefulServer(config)
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(_serve(server, app, settings))


async def _serve(server: uvicorn.Server, app: FastAPI, settings: Settings) -> None:
    from mockgraph.persistence import snapshot, write_atomically

    runtime = app.state.runtime
    saver = None
    if settings.state_file is not None and settings.state_save_interval > 0:
        saver = asyncio.get_running_loop().create_task(
            _save_every(settings.state_save_interval, runtime, settings.state_file)
        )
    try:
        await server.serve()
    finally:
        if saver is not None:
            saver.cancel()
        left = await runtime.notifier.flush(timeout=10)
        if left:
            log.warning("shutting down with %d webhook deliveries still pending", left)
        if settings.state_file is not None:
            write_atomically(settings.state_file, snapshot(runtime.store))
            log.info("state saved to %s", settings.state_file)


async def _save_every(interval: float, runtime: Any, path: Path) -> None:
    from mockgraph.persistence import snapshot, write_atomically

    while True:
        await asyncio.sleep(interval)
        data = snapshot(runtime.store)  # taken on the event loop: a consistent picture
        await asyncio.to_thread(write_atomically, path, data)
