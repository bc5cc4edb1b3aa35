"""JSON batching: POST /v1.0/$batch and /beta/$batch (reference §9)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI, PRESENCE_WALL

SET_BUSY = {"sessionId": "s", "availability": "Busy", "activity": "InACall"}


def batch(
    graph: Graph, requests: list[dict[str, Any]], version: str = "v1.0", client: Any = None
) -> Any:
    client = client or graph.as_app()
    return client.post(f"/{version}/$batch", json={"requests": requests})


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_batch_runs_each_request_like_a_direct_call(graph: Graph, version: str) -> None:
    response = batch(
        graph,
        [
            {
                "id": "1",
                "method": "POST",
                "url": f"/users/{PATTI}/presence/setPresence",
                "headers": {"Content-Type": "application/json"},
                "body": SET_BUSY,
            },
            {
                "id": "2",
                "method": "GET",
                "url": f"users/{PATTI}/presence?$select=availability",
                "dependsOn": ["1"],
            },
            {"id": "3", "method": "GET", "url": "/me/presence"},
        ],
        version,
    )

    assert response.status_code == 200
    items = response.json()["responses"]
    assert [i["id"] for i in items] == ["1", "2", "3"]
    assert items[0]["status"] == 200
    assert "body" not in items[0]
    assert items[1]["status"] == 200
    assert items[1]["body"]["availability"] == "Busy"
    assert items[1]["headers"]["Content-Type"].startswith("application/json")
    assert items[2]["status"] == 400  # an app token on /me, as a direct call
    assert items[2]["body"]["error"]["code"] == "BadRequest"


def test_sub_requests_are_journaled(graph: Graph) -> None:
    batch(
        graph,
        [
            {"id": "a", "method": "GET", "url": f"/users/{ADELE}/presence"},
            {"id": "b", "method": "GET", "url": f"/users/{ALEX}/presence"},
        ],
    )
    paths = [e["path"] for e in graph.admin.get("/_mockgraph/requests").json()["value"]]
    assert paths == [
        f"/v1.0/users/{ADELE}/presence",
        f"/v1.0/users/{ALEX}/presence",
        "/v1.0/$batch",
    ]


def test_failed_dependency_is_424(graph: Graph) -> None:
    items = batch(
        graph,
        [
            {
                "id": "1",
                "method": "POST",
                "url": f"/users/{PATTI}/presence/setPresence",
                "body": {"sessionId": "s", "availability": "Busy", "activity": "Busy"},
            },
            {"id": "2", "method": "GET", "url": f"/users/{PATTI}/presence", "dependsOn": ["1"]},
            {"id": "3", "method": "GET", "url": f"/users/{PATTI}/presence", "dependsOn": ["2"]},
        ],
    ).json()["responses"]
    assert [i["status"] for i in items] == [400, 424, 424]
    assert items[1]["body"]["error"]["code"] == "FailedDependency"


def test_throttled_sub_request_carries_retry_after(graph: Graph) -> None:
    graph.admin.post(
        "/_mockgraph/faults",
        json={"path": f"/v1.0/users/{ALEX}/presence", "status": 429, "retryAfter": 4, "times": 1},
    )
    items = batch(
        graph,
        [
            {"id": "1", "method": "GET", "url": f"/users/{ADELE}/presence"},
            {"id": "2", "method": "GET", "url": f"/users/{ALEX}/presence"},
        ],
    ).json()["responses"]
    assert [i["status"] for i in items] == [200, 429]
    assert items[1]["headers"]["Retry-After"] == "4"


def test_each_sub_request_is_authorized(graph: Graph) -> None:
    reader = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    items = batch(
        graph,
        [
            {"id": "1", "method": "GET", "url": f"/users/{ADELE}/presence"},
            {
                "id": "2",
                "method": "POST",
                "url": f"/users/{ADELE}/presence/setPresence",
                "body": SET_BUSY,
            },
        ],
        client=reader,
    ).json()["responses"]
    assert [i["status"] for i in items] == [200, 403]
    no_token = graph.admin.post(
        "/v1.0/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "/me/presence"}]}
    ).json()["responses"]
    assert no_token[0]["status"] == 401


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {
                "requests": [
                    {"id": str(i), "method": "GET", "url": "/me/presence"} for i in range(21)
                ]
            },
            "Number of requests inside batch exceeds the limit.",
        ),
        (
            {
                "requests": [
                    {"id": "1", "method": "GET", "url": "/me/presence"},
                    {"id": "1", "method": "GET", "url": "/me/presence"},
                ]
            },
            "duplicate",
        ),
        (
            {"requests": [{"id": "1", "method": "GET", "url": "/me/presence", "dependsOn": ["9"]}]},
            "not in the batch",
        ),
        (
            {
                "requests": [
                    {"id": "1", "method": "GET", "url": "/a", "dependsOn": ["2"]},
                    {"id": "2", "method": "GET", "url": "/b", "dependsOn": ["1"]},
                ]
            },
            "cycle",
        ),
        ({"requests": [{"id": "1", "url": "/me/presence"}]}, "method"),
        ({"requests": "all of them"}, "'requests' array"),
        (
            {"requests": [{"id": "1", "method": "POST", "url": "/x", "body": "text"}]},
            "no Content-Type",
        ),
        (
            {
                "requests": [
                    {"id": "1", "method": "GET", "url": "/me/presence", "headers": {"x-n": "x€"}}
                ]
            },
            "ISO-8859-1",
        ),
    ],
)
def test_malformed_batches_are_400(graph: Graph, body: dict[str, Any], fragment: str) -> None:
    response = graph.as_app().post("/v1.0/$batch", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert graph.presence(PATTI)["availability"] == "Offline"


def test_batch_takes_post_only(graph: Graph) -> None:
    response = graph.as_app().get("/v1.0/$batch")
    assert response.status_code == 405


@pytest.mark.parametrize("url", ["/$batch", "$batch", "/%24batch?x=1", "/$BATCH/"])
def test_a_nested_batch_is_refused_whole(graph: Graph, url: str) -> None:
    inner = {"requests": [{"id": "a", "method": "GET", "url": "/me/presence"}]}
    response = batch(
        graph,
        [
            {"id": "1", "method": "GET", "url": f"/users/{PATTI}/presence"},
            {
                "id": "2",
                "method": "POST",
                "url": url,
                "headers": {"Content-Type": "application/json"},
                "body": inner,
            },
        ],
    )
    assert response.status_code == 400
    assert "cannot contain another $batch" in response.json()["error"]["message"]
    # Refused before anything ran: no call of it is journaled.
    assert graph.control.requests.list(path="/v1.0/users/*") == []
