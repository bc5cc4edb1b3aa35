"""`mockgraph serve`'s listening sockets, every one bound before the banner: a port that
cannot be had stops the start with one line naming the port, the setting that moves it, and
the likely cause."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass, replace

from mockgraph.server import bound_socket
from mockgraph.settings import Settings

# How long the probe of a taken port waits for a mockgraph to answer, in seconds.
PROBE_TIMEOUT = 1.0


class PortUnavailable(Exception):
    """A port serve cannot listen on; the message is the one line shown."""


@dataclass(frozen=True)
class Listeners:
    """The bound sockets: the API's (HTTP or HTTPS) and the intercepting proxy's."""

    api: socket.socket
    proxy: socket.socket | None = None

    def settle(self, settings: Settings) -> Settings:
        """`settings` with the ports actually bound (port 0 asks for any)."""
        proxy_port = self.proxy.getsockname()[1] if self.proxy is not None else None
        return replace(settings, port=self.api.getsockname()[1], proxy_port=proxy_port)

    def close(self) -> None:
        for sock in (self.api, self.proxy):
            if sock is not None:
                sock.close()


def bind_listeners(settings: Settings) -> Listeners:
    """Bind every port `settings` names; PortUnavailable for the first that cannot be."""
    if settings.proxy_port is not None and settings.proxy_port == settings.port != 0:
        raise PortUnavailable(
            f"--proxy-port {settings.port} is also the API's port (--port, MOCKGRAPH_PORT): "
            f"give the proxy a port of its own, such as --proxy-port {settings.port % 65535 + 1}"
        )
    api = _bind(settings, settings.port, "--port", "MOCKGRAPH_PORT")
    if settings.proxy_port is None:
        return Listeners(api)
    try:
        proxy = _bind(settings, settings.proxy_port, "--proxy-port", "MOCKGRAPH_PROXY_PORT")
    except PortUnavailable:
        api.close()
        raise
    return Listeners(api, proxy)


def _bind(settings: Settings, port: int, flag: str, env: str) -> socket.socket:
    host = settings.host
    try:
        return bound_socket(host, port)
    except OSError as exc:
        where = f"port {port} of {host}"
        setting = f"{flag} or {env}"
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"{where} is in use ({setting} picks another): {_holder(host, port)}"
            ) from None
        if exc.errno == errno.EACCES:
            raise PortUnavailable(
                f"{where} needs root or CAP_NET_BIND_SERVICE, being below 1024 "
                f"({setting} picks another)"
            ) from None
        if exc.errno in (errno.EADDRNOTAVAIL, socket.EAI_NONAME, socket.EAI_AGAIN):
            raise PortUnavailable(
                f"{host} is not an address of this machine (--host or MOCKGRAPH_HOST)"
            ) from None
        raise PortUnavailable(f"cannot listen on {where} ({setting}): {exc}") from None
    except (socket.gaierror, OverflowError) as exc:
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc}") from None


def _holder(host: str, port: int) -> str:
    """What most likely holds the port: a mockgraph that answers there, or another program."""
    import httpx

    probe_host = "127.0.0.1" if host in ("0.0.0.0", "", "localhost") else host
    probe_host = "[::1]" if probe_host == "::" else probe_host
    if ":" in probe_host and not probe_host.startswith("["):
        probe_host = f"[{probe_host}]"
    for scheme in ("http", "https"):
        try:
            answer = httpx.get(
                f"{scheme}://{probe_host}:{port}/_mockgraph/health",
                timeout=PROBE_TIMEOUT,
                verify=False,
                trust_env=False,
            )
        except httpx.HTTPError:
            continue
        if answer.status_code == 200 and "ok" in answer.text:
            return (
                f"another mockgraph answers there ({scheme}), perhaps `make serve` or a "
                "`mockgraph serve` in another terminal"
            )
        if "mockgraph's proxy" in answer.text:
            return "another mockgraph's intercepting proxy listens there (its --proxy-port)"
    return f"another program listens there (`ss -ltnp 'sport = :{port}'` names it)"
