"""The /_mockgraph control plane: reset, state, users, journal, faults, throttling, clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.state.throttle import Limit
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, PATTI, PRESENCE_SYNC, PRESENCE_WALL, START, TENANT

OTHER_TENANT = "11111111-2222-4333-8444-555555555555"
SET_BUSY = {
    "sessionId": "s",
    "availability": "Busy",
    "activity": "InACall",
    "expirationDuration": "PT1H",
}


def set_busy(graph: Graph, user_id: str = PATTI, **token: Any) -> int:
    response = graph.as_app(PRESENCE_SYNC, **token).post(
        f"/v1.0/users/{user_id}/presence/setPresence", json=SET_BUSY
    )
    return response.status_code


# --- reset -------------------------------------------------------------------------------


def test_reset_goes_back_to_the_fixtures(graph: Graph) -> None:
    set_busy(graph)
    graph.advance("PT1M")
    fault = {"path": "/v1.0/users/*/presence", "status": 500}
    assert graph.admin.post("/_mockgraph/faults", json=fault).status_code == 200

    response = graph.admin.post("/_mockgraph/reset")

    assert response.status_code == 200
    assert graph.presence(PATTI)["availability"] == "Offline"
    assert graph.admin.get("/_mockgraph/faults").json() == {"value": []}
    # The tenant's clock is back on the server's (frozen at START in these tests).
    assert graph.admin.get("/_mockgraph/clock").json()["now"] == "2026-03-02T09:00:00.0000000Z"


def test_reset_of_one_tenant_leaves_the_others(graph: Graph) -> None:
    set_busy(graph)
    set_busy(graph, tenantId=OTHER_TENANT)

    graph.admin.post("/_mockgraph/reset", params={"tenant": OTHER_TENANT})

    assert graph.presence(PATTI)["availability"] == "Busy"
    other = graph.as_app(PRESENCE_WALL, "Presence.Read.All", tenantId=OTHER_TENANT)
    assert other.get(f"/v1.0/users/{PATTI}/presence").json()["availability"] == "Offline"


# --- state -------------------------------------------------------------------------------


def _every_get(graph: Graph) -> list[dict[str, Any]]:
    reader = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    own = graph.as_user(ADELE, "Presence.Read")
    return [reader.get(f"/v1.0/users/{u}/presence").json() for u in (ADELE, ALEX, LEE, PATTI)] + [
        own.get("/v1.0/me/presence").json()
    ]


def test_export_then_import_into_a_fresh_server_reproduces_every_get(graph: Graph) -> None:
    sync = graph.as_app()
    sync.post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json={
            "sessionId": "a",
            "availability": "Available",
            "activity": "Available",
            "expirationDuration": "PT1H",
        },
    )
    sync.post(
        f"/v1.0/users/{ALEX}/presence/setUserPreferredPresence",
        json={"availability": "Away", "activity": "Away"},
    )
    graph.as_user(ADELE).post(
        "/v1.0/me/presence/setStatusMessage",
        json={
            "statusMessage": {
                "message": {"content": "exported", "contentType": "text"},
                "expiryDateTime": {"dateTime": "2026-03-03T10:00:00", "timeZone": "Europe/Paris"},
            }
        },
    )
    graph.as_user(ADELE).post(
        "/v1.0/me/presence/setManualLocation", json={"workLocationType": "remote"}
    )
    graph.advance("PT6M")  # Patti's session has faded once
    before = _every_get(graph)
    exported = graph.admin.get("/_mockgraph/state").json()

    fresh_transport = InProcessTransport(create_app(Settings(), clock=Clock()))
    fresh = Graph(fresh_transport, "http://fresh.test")
    try:
        response = fresh.admin.put("/_mockgraph/state", json=exported)
        assert response.status_code == 200, response.text
        after = _every_get(fresh)
        # And time goes on from there the same way: the second fade.
        fresh.advance("PT4M")
        graph.advance("PT4M")
        assert _every_get(fresh) == _every_get(graph)
    finally:
        fresh.close()
        fresh_transport.close()
    assert after == before
    assert before[3]["activity"] == "AvailableInactive"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda s: {**s, "colour": 1}, "'colour'"),
        (lambda s: {**s, "users": "none"}, "'users' must be an array"),
        (lambda s: _first_user(s, id="not-a-guid"), "is not a GUID"),
        (lambda s: _first_user(s, sequenceNumber="B1"), "sequenceNumber"),
        (
            lambda s: _first_user(
                s,
                sessions=[
                    {
                        "sessionId": "x",
                        "availability": "Sleepy",
                        "activity": "Away",
                        "setDateTime": "2026-01-01T00:00Z",
                        "expirationDateTime": None,
                    }
                ],
            ),
            "unknown availability",
        ),
        (
            lambda s: _first_user(
                s,
                sessions=[
                    {
                        "sessionId": "x",
                        "availability": "Away",
                        "activity": "Away",
                        "setDateTime": "yesterday",
                        "expirationDateTime": None,
                    }
                ],
            ),
            "setDateTime",
        ),
        (lambda s: {**s, "users": [s["users"][0], s["users"][0]]}, "appears twice"),
        (lambda s: {**s, "clock": {"now": "soon"}}, "clock.now"),
    ],
)
def test_bad_import_is_400_and_changes_nothing(graph: Graph, change: Any, fragment: str) -> None:
    set_busy(graph)
    exported = graph.admin.get("/_mockgraph/state").json()

    response = graph.admin.put("/_mockgraph/state", json=change(exported))

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert graph.admin.get("/_mockgraph/state").json() == exported


def _first_user(state: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**state, "users": [{**state["users"][0], **changes}, *state["users"][1:]]}


def test_import_of_a_minimal_state(graph: Graph) -> None:
    response = graph.admin.put(
        "/_mockgraph/state",
        json={
            "users": [
                {
                    "id": PATTI,
                    "userPrincipalName": "p@x",
                    "displayName": "P",
                    "sessions": [
                        {
                            "sessionId": "s",
                            "availability": "Busy",
                            "activity": "InACall",
                            "setDateTime": "2026-03-02T09:00:00Z",
                            "expirationDateTime": "2026-03-02T10:00:00Z",
                        }
                    ],
                }
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert graph.presence(PATTI)["activity"] == "InACall"
    assert (
        graph.as_app(PRESENCE_WALL, "Presence.Read.All")
        .get(f"/v1.0/users/{ADELE}/presence")
        .status_code
        == 404
    )


# --- users -------------------------------------------------------------------------------

NEW_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
NEW_USER: dict[str, Any] = {
    "id": NEW_ID,
    "displayName": "New Hire",
    "presence": {"availability": "Available", "activity": "Available"},
}


def test_add_and_remove_users_at_run_time(graph: Graph) -> None:
    assert graph.admin.post("/_mockgraph/users", json=NEW_USER).status_code == 200
    assert graph.presence(NEW_ID)["availability"] == "Available"

    duplicate = graph.admin.post("/_mockgraph/users", json=NEW_USER)
    assert duplicate.status_code == 409

    assert graph.admin.delete(f"/_mockgraph/users/{NEW_ID}").status_code == 200
    reader = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    assert reader.get(f"/v1.0/users/{NEW_ID}/presence").status_code == 404
    assert graph.admin.delete(f"/_mockgraph/users/{NEW_ID}").status_code == 404


@pytest.mark.parametrize(
    "user",
    [
        {"id": "x"},
        {"displayName": "no id"},
        {**NEW_USER, "presence": {"availability": "Busy"}},
        {**NEW_USER, "mood": "happy"},
    ],
)
def test_bad_users_are_400(graph: Graph, user: dict[str, Any]) -> None:
    response = graph.admin.post("/_mockgraph/users", json=user)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


# --- journal -----------------------------------------------------------------------------


def test_journal_records_every_graph_call_without_tokens(graph: Graph) -> None:
    sync = graph.as_app()
    sync.post(
        f"/v1.0/users/{PATTI}/presence/setPresence?x=1",
        json=SET_BUSY,
        headers={"client-request-id": "c-1"},
    )
    graph.as_user(ADELE, "Presence.Read").get(f"/beta/users/{ALEX}/presence")  # 403
    graph.admin.get("/v1.0/me/presence")  # 401

    body = graph.admin.get("/_mockgraph/requests").json()

    entries = body["value"]
    assert body["dropped"] == 0
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", f"/v1.0/users/{PATTI}/presence/setPresence", 200),
        ("GET", f"/beta/users/{ALEX}/presence", 403),
        ("GET", "/v1.0/me/presence", 401),
    ]
    first = entries[0]
    assert (first["appId"], first["roles"], first["scopes"]) == (
        PRESENCE_SYNC,
        ["Presence.ReadWrite.All"],
        None,
    )
    assert (first["query"], first["body"], first["clientRequestId"]) == ("x=1", SET_BUSY, "c-1")
    assert first["time"] == "2026-03-02T09:00:00.0000000Z"
    assert (entries[1]["userId"], entries[1]["scopes"]) == (ADELE, ["Presence.Read"])
    assert "eyJ" not in str(body)  # no JWT anywhere


def test_journal_filters(graph: Graph) -> None:
    set_busy(graph)
    graph.advance("PT1M")
    graph.as_user(ADELE).get("/v1.0/me/presence")
    graph.as_user(ADELE).get("/v1.0/me/presence/nothing")

    def count(**params: Any) -> int:
        return len(graph.admin.get("/_mockgraph/requests", params=params).json()["value"])

    assert count(method="get") == 2
    assert count(path="/v1.0/users/*/presence/*") == 1
    assert count(path="*/ME/*") == 2
    assert count(status=404) == 1
    assert count(userId=ADELE) == 2
    assert count(appId=PRESENCE_SYNC) == 1
    assert count(since="2026-03-02T09:00:30Z") == 2
    assert count(tenant=TENANT) == 3
    assert count(tenant=OTHER_TENANT) == 0


def test_journal_is_bounded_and_counts_what_it_drops(settings: Settings, clock: Clock) -> None:
    transport = InProcessTransport(create_app(Settings(journal_size=3), clock=clock))
    graph = Graph(transport, "http://small.test")
    try:
        reader = graph.as_user(ADELE)
        for _ in range(5):
            reader.get("/v1.0/me/presence")
        body = graph.admin.get("/_mockgraph/requests").json()
        assert (len(body["value"]), body["dropped"]) == (3, 2)
        assert [e["sequence"] for e in body["value"]] == [3, 4, 5]

        assert graph.admin.delete("/_mockgraph/requests").json() == {"cleared": 3}
        assert graph.admin.get("/_mockgraph/requests").json() == {"value": [], "dropped": 0}
    finally:
        graph.close()
        transport.close()


def test_bad_journal_filters_are_400(graph: Graph) -> None:
    for params in ({"since": "yesterday"}, {"status": "ok"}, {"tenant": "acme"}):
        response = graph.admin.get("/_mockgraph/requests", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "BadRequest"


# --- faults ------------------------------------------------------------------------------


def test_fault_fails_matching_calls_a_number_of_times(graph: Graph) -> None:
    fault = graph.admin.post(
        "/_mockgraph/faults",
        json={
            "method": "POST",
            "path": "/v1.0/users/*/presence/setPresence",
            "status": 503,
            "times": 2,
            "retryAfter": 7,
        },
    ).json()
    assert fault["times"] == 2

    first, second, third = (set_busy_response(graph) for _ in range(3))

    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.headers["retry-after"] == "7"
    assert first.json()["error"]["code"] == "serviceNotAvailable"
    assert graph.admin.get("/_mockgraph/faults").json() == {"value": []}
    # The failed calls changed nothing; the third did.
    statuses = [e["status"] for e in graph.admin.get("/_mockgraph/requests").json()["value"]]
    assert statuses == [503, 503, 200]


def set_busy_response(graph: Graph) -> Any:
    return graph.as_app().post(f"/v1.0/users/{PATTI}/presence/setPresence", json=SET_BUSY)


def test_throttling_fault_is_graphs_429(graph: Graph) -> None:
    graph.admin.post(
        "/_mockgraph/faults", json={"path": "/v1.0/*", "status": 429, "retryAfter": 3, "times": 1}
    )
    response = graph.as_user(ADELE).get("/v1.0/me/presence")

    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("TooManyRequests", "Please retry again later.")
    assert error["innerError"]["status"] == "429"
    assert graph.as_user(ADELE).get("/v1.0/me/presence").status_code == 200


def test_fault_without_times_lasts_until_cleared(graph: Graph) -> None:
    graph.admin.post(
        "/_mockgraph/faults",
        json={"path": "*", "status": 500, "code": "boom", "message": "injected"},
    )
    for _ in range(3):
        response = graph.as_user(ADELE).get("/v1.0/me/presence")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "boom"
    assert graph.admin.delete("/_mockgraph/faults").json() == {"cleared": 1}
    assert graph.as_user(ADELE).get("/v1.0/me/presence").status_code == 200


def test_delay_fault_answers_late(graph: Graph) -> None:
    import time

    graph.admin.post(
        "/_mockgraph/faults", json={"path": "/v1.0/me/presence", "delayMs": 200, "times": 1}
    )
    started = time.monotonic()
    response = graph.as_user(ADELE).get("/v1.0/me/presence")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_seeded_rate_is_reproducible(graph: Graph) -> None:
    def run() -> list[int]:
        graph.admin.post("/_mockgraph/reset")
        graph.admin.post(
            "/_mockgraph/faults", json={"path": "*", "status": 503, "rate": 0.3, "seed": 42}
        )
        reader = graph.as_user(ADELE)
        return [reader.get("/v1.0/me/presence").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert 5 <= first.count(503) <= 20


def test_faults_are_per_tenant(graph: Graph) -> None:
    graph.admin.post(
        "/_mockgraph/faults", params={"tenant": OTHER_TENANT}, json={"path": "*", "status": 500}
    )
    assert set_busy(graph) == 200
    assert set_busy(graph, tenantId=OTHER_TENANT) == 500


@pytest.mark.parametrize(
    ("fault", "fragment"),
    [
        ({"path": "/x"}, "needs a status"),
        ({"path": "/x", "status": 200}, "status"),
        ({"path": "/x", "status": 500, "times": 0}, "times"),
        ({"path": "/x", "status": 500, "times": -1}, "times"),
        ({"path": "/x", "status": 500, "rate": 1.5}, "rate"),
        ({"path": "/x", "delayMs": -5}, "delayMs"),
        ({"path": "x*", "status": 500}, "must start with / or *"),
        ({"path": "/x", "status": 500, "method": "FETCH"}, "not an HTTP method"),
        ({"path": "/x", "status": 500, "colour": "red"}, "'colour'"),
    ],
)
def test_bad_faults_are_400(graph: Graph, fault: dict[str, Any], fragment: str) -> None:
    response = graph.admin.post("/_mockgraph/faults", json=fault)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert graph.admin.get("/_mockgraph/faults").json() == {"value": []}


@pytest.mark.parametrize(
    ("method", "path", "fragment"),
    [
        ("GET", "/users/*/presence", "start with /v1.0/ or /beta/"),
        (None, "/_mockgraph/*", "matches no Graph call"),
        ("POST", "/common/oauth2/v2.0/token", "matches no Graph call"),
        ("GET", "/v1.0/users/*/presence/", "no trailing /"),
        (None, "/v1.0/usres/*", "matches no operation mockgraph serves"),
        ("POST", "/v1.0/$batch", "$batch and $metadata meet no faults"),
        ("POST", "/v1.0/users", "matches no POST operation"),
        ("GET", "/v1.0/me/presence/*/presence", "matches no GET operation"),
    ],
)
def test_a_fault_that_could_never_apply_is_refused(
    graph: Graph, method: str | None, path: str, fragment: str
) -> None:
    fault = {"method": method, "path": path, "status": 503}
    response = graph.admin.post("/_mockgraph/faults", json=fault)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert path in error["message"]
    assert fragment in error["message"]
    assert graph.admin.get("/_mockgraph/faults").json() == {"value": []}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("*", "*"),
        (None, "*presence"),
        ("GET", "/V1.0/USERS/*/PRESENCE"),
        ("GET", "/beta/me"),
        ("GET", "/v1.0/users('*')/presence"),
        ("POST", "/v1.0/users/*/presence/microsoft.graph.setPresence"),
        ("GET", "/v1.0/users/[0-9a-f]*/photos/?48x48/$value"),
        ("DELETE", "/v1.0/subscriptions/*"),
    ],
)
def test_a_fault_that_can_apply_is_kept(graph: Graph, method: str | None, path: str) -> None:
    fault = {"method": method, "path": path, "status": 503}
    response = graph.admin.post("/_mockgraph/faults", json=fault)
    assert response.status_code == 200, response.text
    assert [f["path"] for f in graph.admin.get("/_mockgraph/faults").json()["value"]] == [path]


# --- throttling --------------------------------------------------------------------------


@pytest.mark.parametrize("settings", [Settings(throttle=Limit(3, 30))])
def test_throttling_limits_each_app_per_window(graph: Graph, settings: Settings) -> None:
    reader = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    statuses = [reader.get(f"/v1.0/users/{ADELE}/presence").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]

    graph.advance("PT10S")
    early = reader.get(f"/v1.0/users/{ADELE}/presence")
    assert early.status_code == 429  # retried before Retry-After: throttled again
    assert early.headers["retry-after"] == "20"

    # Another app has its own window.
    assert graph.as_app().get(f"/v1.0/users/{ADELE}/presence").status_code == 200

    graph.advance("PT20S")
    assert reader.get(f"/v1.0/users/{ADELE}/presence").status_code == 200


def test_throttling_set_at_run_time(graph: Graph) -> None:
    assert graph.admin.get("/_mockgraph/throttling").json() == {"limit": None, "window": None}
    response = graph.admin.put("/_mockgraph/throttling", json={"limit": 1, "window": "PT5S"})
    assert response.json() == {"limit": 1, "window": "PT5S"}
    reader = graph.as_user(ADELE)
    assert reader.get("/v1.0/me/presence").status_code == 200
    throttled = reader.get("/v1.0/me/presence")
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "5"
    graph.admin.put("/_mockgraph/throttling", json={"limit": None})
    assert reader.get("/v1.0/me/presence").status_code == 200


@pytest.mark.parametrize(
    "body", [{"limit": 0}, {"limit": 5, "window": "PT0S"}, {"limit": 5, "window": "30"}]
)
def test_bad_throttling_is_400(graph: Graph, body: dict[str, Any]) -> None:
    assert graph.admin.put("/_mockgraph/throttling", json=body).status_code == 400


# --- clock -------------------------------------------------------------------------------


def test_clock_controls(graph: Graph) -> None:
    assert graph.admin.get("/_mockgraph/clock").json()["now"] == "2026-03-02T09:00:00.0000000Z"
    assert graph.admin.post("/_mockgraph/clock", json={"advance": "PT10M"}).json()["now"] == (
        "2026-03-02T09:10:00.0000000Z"
    )
    state = graph.admin.post("/_mockgraph/clock", json={"set": "2026-06-01T12:00:00Z"}).json()
    assert state["now"] == "2026-06-01T12:00:00.0000000Z"


def test_each_tenant_has_its_own_clock(graph: Graph) -> None:
    set_busy(graph)
    set_busy(graph, tenantId=OTHER_TENANT)
    graph.admin.post("/_mockgraph/clock", params={"tenant": OTHER_TENANT}, json={"advance": "PT2H"})
    assert graph.presence(PATTI)["availability"] == "Busy"
    other = graph.as_app(PRESENCE_WALL, "Presence.Read.All", tenantId=OTHER_TENANT)
    assert other.get(f"/v1.0/users/{PATTI}/presence").json()["availability"] == "Offline"


def test_freeze_and_resume_with_a_running_clock(settings: Settings) -> None:
    transport = InProcessTransport(create_app(settings, clock=Clock(start=START)))
    graph = Graph(transport, "http://running.test")
    try:
        frozen = graph.admin.post("/_mockgraph/clock", json={"freeze": True}).json()
        assert frozen["frozen"] is True
        import time

        time.sleep(0.02)
        assert graph.admin.get("/_mockgraph/clock").json()["now"] == frozen["now"]
        resumed = graph.admin.post("/_mockgraph/clock", json={"resume": True}).json()
        assert resumed["frozen"] is False
    finally:
        graph.close()
        transport.close()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"advance": "PT1M", "freeze": True},
        {"advance": "-PT1M"},
        {"advance": "10 minutes"},
        {"set": "tomorrow"},
        {"rewind": "PT1M"},
    ],
)
def test_bad_clock_changes_are_400(graph: Graph, body: dict[str, Any]) -> None:
    before = graph.admin.get("/_mockgraph/clock").json()
    assert graph.admin.post("/_mockgraph/clock", json=body).status_code == 400
    after = graph.admin.get("/_mockgraph/clock").json()
    # The server's clock is frozen here; `offset` is measured against real time, which moves.
    assert (after["now"], after["frozen"]) == (before["now"], before["frozen"])


# --- admin key ---------------------------------------------------------------------------


@pytest.mark.parametrize("settings", [Settings(admin_key="s3cret")])
def test_admin_key_guards_the_control_plane(graph: Graph, settings: Settings) -> None:
    assert graph.admin.get("/_mockgraph/health").status_code == 200
    refused = graph.admin.post("/_mockgraph/tokens", json={"userId": ADELE})
    assert refused.status_code == 401
    assert "admin key" in refused.json()["error"]["message"]
    wrong = graph.admin.get("/_mockgraph/clock", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == (
        "The admin key given is not this server's key: give the MOCKGRAPH_ADMIN_KEY "
        "(--admin-key) the server was started with."
    )
    allowed = graph.admin.get("/_mockgraph/clock", headers={"Authorization": "Bearer s3cret"})
    assert allowed.status_code == 200


def test_control_plane_is_in_the_openapi_under_its_own_tag(app: FastAPI, graph: Graph) -> None:
    spec = graph.admin.get("/openapi.json").json()
    control = {path for path in spec["paths"] if path.startswith("/_mockgraph")}
    assert {
        "/_mockgraph/reset",
        "/_mockgraph/state",
        "/_mockgraph/requests",
        "/_mockgraph/faults",
        "/_mockgraph/clock",
        "/_mockgraph/throttling",
        "/_mockgraph/users",
        "/_mockgraph/tokens",
    } <= control
    for path in control:
        for operation in spec["paths"][path].values():
            assert operation["tags"] == ["mockgraph control plane"]


def test_bad_globs_are_400(graph: Graph) -> None:
    assert graph.admin.get("/_mockgraph/requests", params={"path": "/[z-a]"}).status_code == 400
    response = graph.admin.post("/_mockgraph/faults", json={"path": "/[z-a]", "status": 500})
    assert response.status_code == 400
    assert "not a usable path glob" in response.json()["error"]["message"]


@pytest.mark.parametrize("settings", [Settings(max_tenants=2)])
def test_tenants_are_bounded(graph: Graph, settings: Settings) -> None:
    assert set_busy(graph, tenantId=OTHER_TENANT) == 200  # the second tenant
    third = "22222222-3333-4444-8555-666666666666"
    response = graph.admin.post(
        "/_mockgraph/tokens", json={"appId": PRESENCE_SYNC, "roles": [], "tenantId": third}
    )
    assert response.status_code == 403
    assert "at most 2 tenants" in response.json()["error"]["message"]
    graph.admin.post("/_mockgraph/reset")
    assert set_busy(graph, tenantId=third) == 200


@pytest.mark.parametrize("settings", [Settings(max_tenants=2)])
def test_an_expired_token_of_a_new_tenant_is_401_at_the_tenant_cap(
    graph: Graph, clock: Clock, settings: Settings
) -> None:
    # The token's lifetime is checked before its tenant is made: Graph answers 401, not 403.
    newcomer = "22222222-3333-4444-8555-666666666666"
    token = graph.token(appId=PRESENCE_SYNC, roles=["Presence.Read.All"], tenantId=newcomer)
    graph.admin.post("/_mockgraph/reset")  # only the fixtures' tenant is left
    assert set_busy(graph, tenantId=OTHER_TENANT) == 200  # the second tenant: the cap
    clock.advance(timedelta(hours=2))
    response = graph.admin.get(
        f"/v1.0/users/{PATTI}/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert graph.admin.get("/_mockgraph/state", params={"tenant": newcomer}).status_code == 403
