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
            {"id": "3", "method": "GET", "url": "/me/presence", "dependsOn": ["2"]},
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
            "Invalid dependency for request Id '1'",
        ),
        (
            {
                "requests": [
                    {"id": "1", "method": "GET", "url": "/a", "dependsOn": ["2"]},
                    {"id": "2", "method": "GET", "url": "/b", "dependsOn": ["1"]},
                ]
            },
            "Invalid dependency for request Id '1'",
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


def _get(item_id: str, *depends: str, url: str = f"/users/{ADELE}/presence") -> dict[str, Any]:
    request: dict[str, Any] = {"id": item_id, "method": "GET", "url": url}
    if depends:
        request["dependsOn"] = list(depends)
    return request


@pytest.mark.parametrize(
    "requests",
    [
        # The json-batching page's own list before it was corrected: 1 and 3 first, then 2,
        # then 4 (microsoftgraph/microsoft-graph-docs#16280).
        [_get("1"), _get("2", "1"), _get("3"), _get("4", "2", "3")],
        [_get("1"), _get("2", "1"), _get("3")],
        [_get("1"), _get("2"), _get("3", "1")],
        [_get("1"), _get("2", "1"), _get("3", "1")],
    ],
)
def test_a_batch_is_fully_sequential_or_fully_parallel(
    graph: Graph, requests: list[dict[str, Any]]
) -> None:
    response = batch(graph, requests)

    assert response.status_code == 400
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "BadRequest",
        "message": "Batch should be either fully sequential or fully parallel.",
    }


def test_the_pages_sequence_runs_in_order(graph: Graph) -> None:
    # The json-batching page: "request 1 then request 2, then request 4, then request 3".
    requests = [_get("1"), _get("2", "1"), _get("4", "2"), _get("3", "4")]

    response = batch(graph, requests)

    assert response.status_code == 200
    assert [i["id"] for i in response.json()["responses"]] == ["1", "2", "4", "3"]
    paths = [e["path"] for e in graph.admin.get("/_mockgraph/requests").json()["value"]]
    assert len(paths) == 5


@pytest.mark.parametrize(
    "requests",
    [
        [_get("1", "2"), _get("2")],  # a later request
        [_get("1"), _get("2", "9")],  # no such request
        [_get("1"), _get("2", "2")],  # itself
    ],
)
def test_a_dependency_names_an_earlier_request(
    graph: Graph, requests: list[dict[str, Any]]
) -> None:
    response = batch(graph, requests)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"].startswith("Invalid dependency for request Id ")


@pytest.mark.parametrize(
    "url",
    [
        f"https://graph.microsoft.com/v1.0/users/{ADELE}/presence",
        f"http://mockgraph.test/v1.0/users/{ADELE}/presence",
        f"HTTPS://graph.microsoft.com/users/{ADELE}/presence",
    ],
)
def test_an_absolute_item_url_is_an_invalid_payload(graph: Graph, url: str) -> None:
    response = batch(graph, [_get("1", url=url)])

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert response.json()["error"]["message"] == "Invalid batch payload format."
    assert graph.admin.get("/_mockgraph/requests").json()["value"][0]["path"] == "/v1.0/$batch"


def test_twenty_requests_are_the_limit(graph: Graph) -> None:
    twenty = [_get(str(i)) for i in range(20)]

    assert batch(graph, twenty).status_code == 200
    assert batch(graph, [*twenty, _get("20")]).status_code == 400


def test_items_carry_the_headers_graph_gives_them(graph: Graph) -> None:
    items = batch(
        graph,
        [_get("1"), _get("2", url="/users/00000000-0000-0000-0000-000000000000/presence")],
    ).json()["responses"]

    assert items[0]["headers"]["OData-Version"] == "4.0"
    assert items[0]["headers"]["Cache-Control"] == "no-cache"
    assert items[1]["status"] == 404
    assert items[1]["headers"]["Cache-Control"] == "no-cache"
    assert items[1]["headers"]["Content-Type"].startswith("application/json")


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
