"""pytest plugin: a real mockgraph server for the session, reset for every test.

Registered through the `pytest11` entry point, so installing mockgraph is enough:

    def test_busy_light(mockgraph):
        token = mockgraph.token(user="fa8bf3dc-eca7-46b7-bad1-db199b62afc3")
        my_client = BusyLight(base_url=mockgraph.url, token=token)
        ...
        mockgraph.requests.assert_called("POST", "/v1.0/me/presence/setPresence", count=1)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mockgraph.app import create_app
from mockgraph.server import ServerThread
from mockgraph.settings import ClientSettings, Settings
from mockgraph.state.fixtures import FixtureError
from mockgraph.testing.fixture import MockGraph as MockGraph  # re-exported: tests annotate with it
from mockgraph.testing.pytest_intercept import mockgraph_intercept  # noqa: F401  (a fixture)
from mockgraph.testing.session_report import add_option, enabled, keep, summary
from mockgraph.testing.transport import InProcessTransport
from mockgraph.testing.webhook_receiver import WebhookReceiver


class _Servers:
    """One server per fixtures file, started on first use, stopped with the session."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._running: dict[Path | None, ServerThread] = {}

    def get(self, fixtures: Path | None) -> ServerThread:
        server = self._running.get(fixtures)
        if server is None:
            settings = (
                self.settings if fixtures is None else replace(self.settings, fixtures=fixtures)
            )
            # With its intercepting proxy (for mockgraph_intercept) and the proxy's CA.
            from mockgraph.tls import make_certificates

            tls = make_certificates()
            app = create_app(replace(settings, tls_ca=tls.ca))
            server = self._running[fixtures] = ServerThread(app, proxy=tls).start()
        return server

    def find(self, url: str) -> ServerThread | None:
        """The running server at `url`, if this session started it."""
        return next((s for s in self._running.values() if s.url == url), None)

    def stop(self) -> None:
        for server in self._running.values():
            server.stop()
            # The proxy's certificate and key, made for this session only.
            ca = server.app.state.runtime.settings.tls_ca
            if ca is not None:
                shutil.rmtree(ca.parent, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_option(parser)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    summary(terminalreporter, config)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockgraph(fixtures=None): run the test against a mockgraph seeded from this fixture "
        "file (relative to the test file)",
    )


@pytest.fixture(scope="session")
def mockgraph_settings() -> Settings:
    """The settings of the session's servers; override this fixture to change them."""
    return Settings()


@pytest.fixture(scope="session")
def mockgraph_servers(mockgraph_settings: Settings) -> Iterator[_Servers]:
    servers = _Servers(mockgraph_settings)
    yield servers
    servers.stop()


@pytest.fixture
def mockgraph(request: pytest.FixtureRequest, mockgraph_servers: _Servers) -> Iterator[MockGraph]:
    """A mockgraph server reset to its fixtures for this test.

    Against MOCKGRAPH_URL when that is set (a container, say; with MOCKGRAPH_ADMIN_KEY if it
    has one), else a server in this process
    (one per fixture file named by @pytest.mark.mockgraph(fixtures=...)).
    """
    graph = _connect(request, mockgraph_servers)
    yield graph
    if enabled(request.config):
        keep(request.config, request.node.nodeid, graph.report())
    graph.close()


@pytest.fixture
def mockgraph_webhook() -> Iterator[WebhookReceiver]:
    """A real local webhook receiver: answers the validation handshake, records notifications
    (`.items()`), and can `.fail_next(n)` or `.stall_next(seconds)`."""
    with WebhookReceiver() as receiver:
        yield receiver


def _connect(request: pytest.FixtureRequest, servers: _Servers) -> MockGraph:
    """The test's server, reset; a failure is one line (pytest.fail, no traceback) naming
    the variable or the fixture file at fault."""
    failure = None
    try:
        graph = _reset(request, servers)
    except _Unusable as exc:
        failure = f"mockgraph: {exc}"
    if failure is not None:
        # Outside the except block: pytest would print the exception it handled too.
        pytest.fail(failure, pytrace=False)
    return graph


class _Unusable(Exception):
    """The server the test would use cannot be had; the message is the one line."""


def _reset(request: pytest.FixtureRequest, servers: _Servers) -> MockGraph:
    import httpx

    from mockgraph.testing.admin import ControlPlaneError

    try:
        client = ClientSettings.from_environ(os.environ)
    except ValueError as exc:
        raise _Unusable(exc) from None
    marker = request.node.get_closest_marker("mockgraph")
    fixtures = _fixtures_path(request, marker.kwargs.get("fixtures") if marker else None)
    if client.url is None or fixtures is not None:
        try:
            server = servers.get(fixtures)
        except FixtureError as exc:
            raise _Unusable(f"{exc} (@pytest.mark.mockgraph(fixtures=...))") from None
        graph = MockGraph(server.url, InProcessTransport(server.app, loop=server.loop))
        graph.reset()
        return graph
    graph = MockGraph(client.url, None, admin_key=client.admin_key)
    try:
        graph.reset()
    except httpx.TransportError as exc:
        graph.close()
        raise _Unusable(
            f"MOCKGRAPH_URL={client.url}: nothing answers there "
            f"({exc or type(exc).__name__}); start that server, or unset MOCKGRAPH_URL to "
            "run one in this process"
        ) from None
    except ControlPlaneError as exc:
        graph.close()
        raise _Unusable(
            f"MOCKGRAPH_URL={client.url} answered {exc.status}: {exc.message}"
        ) from None
    return graph


def _fixtures_path(request: pytest.FixtureRequest, given: Any) -> Path | None:
    if given is None:
        return None
    path = Path(given)
    return path if path.is_absolute() else (request.path.parent / path).resolve()
