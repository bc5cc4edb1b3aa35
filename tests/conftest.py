"""The fixtures every test may take: an app on a frozen clock, and a Graph client over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import START


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A PEM RSA key, for a server started with --signing-key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "signing-key.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock(start=START, frozen=True)


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
def graph(app: FastAPI) -> Iterator[Graph]:
    transport = InProcessTransport(app)
    graph = Graph(transport, "http://mockgraph.test")
    yield graph
    graph.close()
    transport.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, a worker hands its figures to the controller, which prints them."""
    from tests.test_container import FIGURES

    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["mockgraph_figures"] = session.config.stash.get(FIGURES, [])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    from tests.test_container import FIGURES

    lines = getattr(node, "workeroutput", {}).get("mockgraph_figures", [])
    if lines:
        node.config.stash.setdefault(FIGURES, []).extend(lines)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Figures some tests measure (the container image's size and start-up), always shown."""
    from tests.test_container import FIGURES

    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("mockgraph figures")
        for line in lines:
            terminalreporter.write_line(line)


# The modules that take longest, longest first (from `make test`'s timings on a 2-core machine).
# Under the Makefile's XDIST (--dist loadfile --no-loadscope-reorder) pytest-xdist hands whole
# modules to the workers in collection order: these start first and the short modules fill in
# after them, so that neither worker is left running a long module alone at the end.
LONGEST_FIRST = (
    "tests/test_container.py",  # the image's build, then the end-to-end suite against it
    "tests/test_benchmarks.py",
    "tests/e2e/test_examples.py",
    "tests/testing/test_pytest_plugin.py",
    "tests/e2e/test_swagger_ui.py",
    "tests/conformance/test_examples.py",
    "tests/conformance/test_report.py",
    "tests/auth/test_auth.py",
    "tests/test_reliability.py",
    "tests/scenarios/test_profiles.py",
    "tests/e2e/test_dashboard_polish.py",
    "tests/test_python312.py",
    "tests/e2e/test_openapi_examples.py",
    "tests/testing/test_report_helpers.py",
    "tests/e2e/test_dashboard_scenario.py",
    "tests/control_plane/test_request_log.py",
    "tests/state/test_persistence.py",
    "tests/e2e/test_azure_cli.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """LONGEST_FIRST's modules first, in its order; each module's tests keep their order."""
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))
