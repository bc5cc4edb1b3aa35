"""End-to-end tests over real HTTP: a uvicorn server on a loopback port, or MOCKGRAPH_URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from mockgraph.app import create_app
from mockgraph.server import ServerThread
from tests.client import Graph
from tests.e2e.browser import chromium


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """MOCKGRAPH_URL when set (a container, say), else a fresh server in this process."""
    external = os.environ.get("MOCKGRAPH_URL")
    if external:
        yield external.rstrip("/")
        return
    with ServerThread(create_app()) as server:
        yield server.url


@pytest.fixture
def live(server_url: str) -> Iterator[Graph]:
    """A Graph helper over the real server, reset to its fixtures."""
    graph = Graph(None, server_url)
    assert graph.admin.post("/_mockgraph/reset").status_code == 200
    yield graph
    graph.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, reaching loopback only (skips when it is not installed)."""
    with chromium() as driver:
        yield driver
