"""The `mockgraph_intercept` fixture: unmodified client code under test calls
https://graph.microsoft.com and https://login.microsoftonline.com and reaches the session's
mockgraph, through its proxy. Imported by the pytest plugin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mockgraph.proxy.environment import client_environment
from mockgraph.testing.fixture import MockGraph


@dataclass(frozen=True)
class Intercept:
    """What `mockgraph_intercept` set up.

    Attributes:
        proxy_url: the proxy, as in HTTPS_PROXY.
        ca: mockgraph's CA certificate, as in SSL_CERT_FILE and REQUESTS_CA_BUNDLE.
        env: every variable set for the test (and restored after it).
    """

    proxy_url: str
    ca: Path
    env: dict[str, str]


@pytest.fixture
def mockgraph_intercept(
    request: pytest.FixtureRequest,
    mockgraph: MockGraph,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Intercept]:
    """Point this process's HTTP stacks at the session's mockgraph through its proxy.

    Sets HTTPS_PROXY, HTTP_PROXY, NO_PROXY (and their lower-case forms), REQUESTS_CA_BUNDLE,
    SSL_CERT_FILE, CURL_CA_BUNDLE, NODE_EXTRA_CA_CERTS, NODE_USE_ENV_PROXY and NODE_OPTIONS
    (Node 20's preload) for the test, so that child processes inherit them too, and restores
    every one afterwards. Java's JAVA_TOOL_OPTIONS is left to `mockgraph env`.

    Returns:
        An Intercept: the proxy URL, the CA file and the variables set.
    """
    proxy_url, ca_pem = _proxy_of(request, mockgraph)
    folder = tmp_path_factory.mktemp("mockgraph-intercept")
    variables, _ = client_environment(proxy_url, ca_pem, folder, java=False)
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield Intercept(proxy_url, folder / "ca.pem", variables)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _proxy_of(request: pytest.FixtureRequest, mockgraph: MockGraph) -> tuple[str, bytes]:
    servers = request.getfixturevalue("mockgraph_servers")
    thread = servers.find(mockgraph.url)
    if thread is not None and thread.proxy_url is not None:
        assert thread.app.state.runtime.settings.tls_ca is not None
        return thread.proxy_url, thread.app.state.runtime.settings.tls_ca.read_bytes()
    # An external server (MOCKGRAPH_URL): its health names the proxy port.
    with httpx.Client(base_url=mockgraph.url, trust_env=False, timeout=10) as client:
        port = client.get("/_mockgraph/health").json().get("proxyPort")
        ca = client.get("/_mockgraph/ca.pem")
    if not port or ca.status_code != 200:
        pytest.fail(f"the mockgraph at {mockgraph.url} runs no proxy (serve --proxy-port)")
    return f"http://{httpx.URL(mockgraph.url).host}:{port}", ca.content
