"""The report's throttling budget, retries and hygiene findings, each with its numbers."""

from __future__ import annotations

from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, PRESENCE_SYNC, PRESENCE_WALL
from tests.report.scenarios import client_of, kinds, report, request_id

PRESENCE = f"/v1.0/users/{ADELE}/presence"


def test_calls_graph_would_have_throttled_with_throttling_off(graph: Graph) -> None:
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    for n in range(1_520):
        assert wall.get(PRESENCE, headers=request_id()).status_code == 200
        if n % 100 == 99:
            graph.advance("PT1S")

    client = client_of(report(graph), PRESENCE_WALL)
    budget = client["throttling"]
    assert budget["limit"] == 1500
    assert budget["windowSeconds"] == 30
    assert budget["peak"] == 1520
    assert budget["headroom"] == -20
    assert budget["wouldThrottle"] == 20
    assert budget["answered429"] == 0
    finding = kinds(client)["wouldThrottle"]
    assert finding["severity"] == "error"
    assert finding["evidence"]["count"] == 20
    assert finding["title"] == (
        "Graph would have throttled 20 calls: 1,520 presence calls in 30 s, over the limit "
        "of 1,500 per app"
    )


def test_a_busy_app_near_the_limit_is_warned(graph: Graph) -> None:
    sync = graph.as_app(PRESENCE_SYNC, "Presence.Read.All")
    for _ in range(1_250):
        sync.get(PRESENCE, headers=request_id())

    client = client_of(report(graph), PRESENCE_SYNC)
    finding = kinds(client)["nearLimit"]
    assert (
        finding["title"] == "1,250 presence calls in 30 s, 250 below Graph's limit of 1,500 per app"
    )
    assert client["throttling"]["wouldThrottle"] == 0


def test_a_client_that_retries_a_429_at_once(graph: Graph) -> None:
    graph.control.faults.throttle("/v1.0/users/*/presence", times=2, retry_after=5)
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    statuses = [wall.get(PRESENCE, headers=request_id()).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]

    client = client_of(report(graph), PRESENCE_WALL)
    assert client["retries"] == {"retryable": 2, "honoured": 0, "tooEarly": 2, "gaveUp": 0}
    finding = kinds(client)["retriedTooEarly"]
    assert finding["title"] == "2 retries sent before Retry-After had passed (up to 5 s early)"
    first = client["firstSequence"]
    assert finding["evidence"]["retries"] == [
        {"answered": first, "retry": first + 1, "retryAfter": 5, "earlyBySeconds": 5},
        {"answered": first + 1, "retry": first + 2, "retryAfter": 5, "earlyBySeconds": 5},
    ]


def test_a_client_that_honours_retry_after(graph: Graph) -> None:
    graph.control.faults.add("/v1.0/users/*/presence", status=503, times=1, retry_after=3)
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    assert wall.get(PRESENCE, headers=request_id()).status_code == 503
    graph.advance("PT3S")
    assert wall.get(PRESENCE, headers=request_id()).status_code == 200

    client = client_of(report(graph), PRESENCE_WALL)
    assert client["retries"] == {"retryable": 1, "honoured": 1, "tooEarly": 0, "gaveUp": 0}
    assert client["findings"] == []


def test_a_client_that_gives_up(graph: Graph) -> None:
    graph.control.faults.throttle("/v1.0/users/*/presence", times=1)
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    assert wall.get(PRESENCE, headers=request_id()).status_code == 429

    finding = kinds(client_of(report(graph), PRESENCE_WALL))["gaveUp"]
    assert finding["title"] == "1 call answered 429 or 503 never retried"
    assert finding["severity"] == "warning"


def test_a_directory_reader_without_select(graph: Graph) -> None:
    reader = graph.as_app(PRESENCE_SYNC, "User.Read.All")
    assert reader.get(f"/v1.0/users/{ADELE}", headers=request_id()).status_code == 200
    assert reader.get(f"/v1.0/users/{ALEX}", headers=request_id()).status_code == 200
    chosen = reader.get(
        f"/v1.0/users/{ADELE}", params={"$select": "displayName"}, headers=request_id()
    )
    assert chosen.status_code == 200

    client = client_of(report(graph), PRESENCE_SYNC)
    finding = kinds(client)["noSelect"]
    assert finding["title"] == "2 directory reads without $select"
    assert finding["evidence"]["sequences"] == [
        client["firstSequence"],
        client["firstSequence"] + 1,
    ]
    assert client["permissions"]["leastPrivileged"] == ["User.Read.All"]


def test_a_paging_client_that_stops_at_the_first_page(graph: Graph) -> None:
    reader = graph.as_app(PRESENCE_SYNC, "User.Read.All")
    first = reader.get("/v1.0/users", params={"$top": "2", "$select": "id"}, headers=request_id())
    assert "@odata.nextLink" in first.json()

    finding = kinds(client_of(report(graph), PRESENCE_SYNC))["nextLinkNotFollowed"]
    assert finding["title"] == "1 page with an @odata.nextLink the client did not follow"


def test_a_paging_client_that_follows_every_link(graph: Graph) -> None:
    reader = graph.as_app(PRESENCE_SYNC, "User.Read.All")
    page = reader.get("/v1.0/users", params={"$top": "2", "$select": "id"}, headers=request_id())
    while "@odata.nextLink" in page.json():
        page = reader.get(page.json()["@odata.nextLink"], headers=request_id())
        assert page.status_code == 200

    assert client_of(report(graph), PRESENCE_SYNC)["findings"] == []


def test_missing_client_request_ids_beta_and_consistency_level(graph: Graph) -> None:
    reader = graph.as_user(ADELE, "User.ReadBasic.All", appId=BUSY_LIGHT)
    assert reader.get("/beta/me", params={"$select": "id"}).status_code == 200
    advanced = reader.get(
        "/v1.0/users", params={"$filter": "endsWith(mail,'contoso.example')", "$select": "id"}
    )
    assert advanced.status_code == 400, advanced.text

    found = kinds(client_of(report(graph), BUSY_LIGHT, ADELE))
    assert found["noClientRequestId"]["evidence"]["count"] == 2
    assert found["noClientRequestId"]["severity"] == "info"
    assert found["beta"]["evidence"]["count"] == 1
    assert found["noConsistencyLevel"]["title"] == (
        "1 advanced query failed without ConsistencyLevel: eventual"
    )
