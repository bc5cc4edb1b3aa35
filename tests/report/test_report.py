"""GET /_mockgraph/report: per client, the findings Graph would not tell, with their numbers."""

from __future__ import annotations

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, MEGAN, PRESENCE_SYNC, PRESENCE_WALL, TENANT
from tests.report.scenarios import (
    WALL_USERS,
    add_wall_users,
    client_of,
    kinds,
    poll_wall,
    report,
    request_id,
)


def test_an_app_that_only_reads_but_holds_readwrite_is_over_privileged(graph: Graph) -> None:
    sync = graph.as_app(PRESENCE_SYNC, "Presence.ReadWrite.All")
    for user_id in (ADELE, ALEX, MEGAN):
        assert sync.get(f"/v1.0/users/{user_id}/presence", headers=request_id()).status_code == 200

    body = report(graph)
    client = client_of(body, PRESENCE_SYNC)
    assert client["kind"] == "application"
    assert client["permissions"] == {
        "kind": "application roles",
        "held": ["Presence.ReadWrite.All"],
        "leastPrivileged": ["Presence.Read.All"],
        "overPrivileged": ["Presence.ReadWrite.All"],
    }
    finding = kinds(client)["overPrivileged"]
    assert finding["severity"] == "warning"
    assert finding["title"] == "Presence.ReadWrite.All held, only Presence.Read.All needed"
    assert finding["evidence"]["count"] == 3
    first = body["lastSequence"] - 2
    assert finding["evidence"]["sequences"] == [first, first + 1, first + 2]
    assert "Presence.Read.All" in finding["fix"]
    assert body["tenant"] == TENANT


def test_a_writer_needs_its_readwrite_and_the_least_delegated_scopes(graph: Graph) -> None:
    writer = graph.as_app(PRESENCE_SYNC, "Presence.ReadWrite.All")
    session = {"sessionId": PRESENCE_SYNC, "availability": "Busy", "activity": "InACall"}
    set_presence = writer.post(
        f"/v1.0/users/{ADELE}/presence/setPresence",
        json={**session, "expirationDuration": "PT5M"},
        headers=request_id(),
    )
    assert set_presence.status_code == 200, set_presence.text
    light = graph.as_user(ADELE, "Presence.Read", "Presence.Read.All", appId=BUSY_LIGHT)
    assert light.get("/v1.0/me/presence", headers=request_id()).status_code == 200

    body = report(graph)
    assert "overPrivileged" not in kinds(client_of(body, PRESENCE_SYNC))
    delegated = client_of(body, BUSY_LIGHT, ADELE)
    assert delegated["permissions"]["kind"] == "delegated scopes"
    assert delegated["permissions"]["leastPrivileged"] == ["Presence.Read"]
    assert kinds(delegated)["overPrivileged"]["title"] == (
        "Presence.Read.All held, only Presence.Read needed"
    )


def test_calls_refused_for_lack_of_a_permission_name_the_permission(graph: Graph) -> None:
    light = graph.as_user(ADELE, "Presence.Read", appId=BUSY_LIGHT)
    for _ in range(2):
        refused = light.get(f"/v1.0/users/{ALEX}/presence", headers=request_id())
        assert refused.status_code == 403

    client = client_of(report(graph), BUSY_LIGHT, ADELE)
    finding = kinds(client)["refused"]
    assert finding["severity"] == "error"
    assert finding["title"] == "2 calls refused for lack of Presence.Read.All"
    assert finding["evidence"]["needed"] == "Presence.Read.All"
    assert client["permissions"]["leastPrivileged"] == ["Presence.Read.All"]


def test_a_wall_polling_50_users_every_2_seconds(graph: Graph) -> None:
    users = add_wall_users(graph)
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    poll_wall(wall, graph, users, rounds=10)

    client = client_of(report(graph), PRESENCE_WALL)
    finding = kinds(client)["presencePolling"]
    evidence = finding["evidence"]
    assert finding["title"] == (
        f"Polled {WALL_USERS} users' presence 30 times a minute each (500 calls in 18 s)"
    )
    assert evidence["users"] == WALL_USERS
    assert evidence["calls"] == 500
    assert evidence["perUserPerMinute"] == 30
    assert evidence["instead"] == {
        "subscription": {"callsPerHour": 1, "subscriptions": 1},
        "getPresencesByUserId": {"callsPerMinute": 30, "idsPerCall": 650},
    }
    # Reads well under the limit, with their ids and the least privilege: nothing else.
    assert [f["kind"] for f in client["findings"]] == ["presencePolling"]
    assert client["throttling"]["peak"] == 500
    assert client["throttling"]["headroom"] == 1000


def test_reads_spread_out_are_not_polling(graph: Graph) -> None:
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    for _ in range(6):
        assert wall.get(f"/v1.0/users/{ADELE}/presence", headers=request_id()).status_code == 200
        graph.advance("PT1M")

    assert client_of(report(graph), PRESENCE_WALL)["findings"] == []


def test_repeated_reads_of_me_are_polling(graph: Graph) -> None:
    light = graph.as_user(ADELE, "User.Read", appId=BUSY_LIGHT)
    for _ in range(5):
        answer = light.get("/v1.0/me", params={"$select": "id"}, headers=request_id())
        assert answer.status_code == 200
        graph.advance("PT10S")

    finding = kinds(client_of(report(graph), BUSY_LIGHT, ADELE))["repeatedRead"]
    assert finding["title"] == "Read /v1.0/me?%24select=id 5 times, 6 times a minute"
    assert finding["evidence"]["perMinute"] == 6


def test_since_reports_on_later_calls_only(graph: Graph) -> None:
    sync = graph.as_app(PRESENCE_SYNC, "Presence.ReadWrite.All")
    sync.get(f"/v1.0/users/{ADELE}/presence", headers=request_id())
    mark = report(graph)["lastSequence"]
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    wall.get(f"/v1.0/users/{ADELE}/presence", headers=request_id())

    later = report(graph, since=mark)
    assert [c["appId"] for c in later["clients"]] == [PRESENCE_WALL]
    assert later["since"] == mark
    assert later["calls"] == 1


@pytest.mark.parametrize("since", ["yesterday", "-1", "1.5"])
def test_a_bad_since_is_a_400_in_the_envelope(graph: Graph, since: str) -> None:
    response = graph.admin.get("/_mockgraph/report", params={"since": since})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert "journal sequence number" in error["message"]


def test_an_empty_journal_is_an_empty_report(graph: Graph) -> None:
    body = report(graph)
    assert body["clients"] == []
    assert body["summary"] == {"error": 0, "warning": 0, "info": 0}
