"""The control plane is closed to other web origins; Graph's and Entra's routes keep CORS."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import PATTI, PRESENCE_SYNC

FOREIGN = "https://attacker.example.com"


Raw = Callable[..., httpx.Client]


@pytest.fixture
def raw(graph: Graph) -> Iterator[Raw]:
    """Clients with no header of the test client's own (as a browser page's requests)."""
    made: list[httpx.Client] = []

    def client(host: str = "mockgraph.test") -> httpx.Client:
        made.append(httpx.Client(transport=graph.transport, base_url=f"http://{host}"))
        return made[-1]

    yield client
    for each in made:
        each.close()


def test_a_foreign_preflight_for_the_control_plane_is_not_granted(graph: Graph, raw: Raw) -> None:
    response = raw().options(
        "/_mockgraph/tokens",
        headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_a_foreign_origin_cannot_mint_a_token_or_read_the_journal(graph: Graph, raw: Raw) -> None:
    client = raw()
    body = {"appId": PRESENCE_SYNC, "roles": ["Presence.Read.All"]}
    minted = client.post("/_mockgraph/tokens", json=body, headers={"Origin": FOREIGN})
    assert minted.status_code == 403
    assert "other origins" in minted.json()["error"]["message"]
    assert client.get("/_mockgraph/requests", headers={"Origin": FOREIGN}).status_code == 403


def test_a_form_post_cannot_reset_the_server(graph: Graph, raw: Raw) -> None:
    client = graph.as_app()
    busy = {"sessionId": "s", "availability": "Busy", "activity": "InACall"}
    assert client.post(f"/v1.0/users/{PATTI}/presence/setPresence", json=busy).status_code == 200
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        reset = raw().post(
            "/_mockgraph/reset", content=b"a=b", headers={"Content-Type": content_type}
        )
        assert reset.status_code == 403
        assert "Content-Type: application/json" in reset.json()["error"]["message"]
    assert graph.presence(PATTI)["availability"] == "Busy"


@pytest.mark.parametrize("host", ["rebound.attacker.com", "rebound.attacker.com:8000"])
def test_a_host_the_server_does_not_answer_to_is_refused(graph: Graph, raw: Raw, host: str) -> None:
    response = raw(host).get("/_mockgraph/requests")
    assert response.status_code == 403
    assert "does not answer to the host" in response.json()["error"]["message"]
    # Health stays open to any name (a container's healthcheck).
    assert raw(host).get("/_mockgraph/health").status_code == 200


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "[::1]:8000", "localhost:8000", "mockgraph:8000", "a.localhost"]
)
def test_loopback_and_service_names_are_answered(graph: Graph, raw: Raw, host: str) -> None:
    assert raw(host).get("/_mockgraph/requests").status_code == 200


def test_listed_hosts_are_answered() -> None:
    app = create_app(Settings(allowed_hosts=("mockgraph.ci.example.com",)))
    transport = InProcessTransport(app)
    with httpx.Client(transport=transport, base_url="http://mockgraph.ci.example.com") as client:
        assert client.get("/_mockgraph/requests").status_code == 200
    transport.close()


def test_same_origin_calls_work(graph: Graph, raw: Raw, app: FastAPI) -> None:
    client = raw()
    same = {"Origin": "http://mockgraph.test"}
    assert client.post("/_mockgraph/reset", headers=same).status_code == 200
    minted = client.post(
        "/_mockgraph/tokens",
        json={"appId": PRESENCE_SYNC, "roles": ["Presence.Read.All"]},
        headers=same,
    )
    assert minted.status_code == 200


def test_graph_and_entra_routes_keep_cors_for_any_origin(graph: Graph, raw: Raw) -> None:
    client = raw()
    preflight = client.options(
        f"/v1.0/users/{PATTI}/presence",
        headers={"Origin": FOREIGN, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == FOREIGN
    entra = client.options(
        "/common/oauth2/v2.0/token",
        headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"},
    )
    assert entra.headers["access-control-allow-origin"] == FOREIGN
