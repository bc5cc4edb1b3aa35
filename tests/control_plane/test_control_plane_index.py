"""The control plane describes itself: GET /_mockgraph and GET /_mockgraph/users."""

from __future__ import annotations

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, PRESENCE_SYNC


def test_index_lists_every_control_plane_call(graph: Graph) -> None:
    answer = graph.admin.get("/_mockgraph")
    assert answer.status_code == 200
    calls = {(c["method"], c["path"]): c["description"] for c in answer.json()["value"]}
    assert calls[("POST", "/_mockgraph/reset")].startswith("Back to the fixtures")
    assert calls[("GET", "/_mockgraph/users")].startswith("The tenant's users")
    assert ("DELETE", "/_mockgraph/users/{user_id}") in calls
    assert ("POST", "/_mockgraph/clock") in calls
    assert all(path.startswith("/_mockgraph") for _, path in calls)
    assert all(description for description in calls.values())


def test_users_shows_what_a_reader_sees(graph: Graph) -> None:
    graph.as_app(PRESENCE_SYNC).post(
        f"/v1.0/users/{ADELE}/presence/setPresence",
        json={
            "sessionId": PRESENCE_SYNC,
            "availability": "Busy",
            "activity": "InACall",
            "expirationDuration": "PT5M",
        },
    )
    users = {u["id"]: u for u in graph.admin.get("/_mockgraph/users").json()["value"]}

    assert len(users) == 6
    adele = users[ADELE]
    assert (adele["displayName"], adele["userPrincipalName"]) == (
        "Adele Vance",
        "adele.vance@contoso.example",
    )
    read = graph.presence(ADELE)
    del read["@odata.context"]
    assert adele["presence"] == read
    assert adele["sessions"] == 2
    # Another reader sees the status message, not its dates (as Graph answers them).
    assert users[LEE]["presence"]["statusMessage"] == graph.presence(LEE)["statusMessage"]
    assert set(users[LEE]["presence"]["statusMessage"]) == {"message"}
    assert users[ALEX]["presence"]["activity"] == "Presenting"

    graph.advance("PT5M")
    after = {u["id"]: u for u in graph.admin.get("/_mockgraph/users").json()["value"]}
    assert after[ADELE]["presence"]["availability"] == "Available"


def test_users_of_another_tenant(graph: Graph) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    answer = graph.admin.get("/_mockgraph/users", params={"tenant": other})
    assert answer.status_code == 200
    assert len(answer.json()["value"]) == 6
    bad = graph.admin.get("/_mockgraph/users", params={"tenant": "nope"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "BadRequest"


@pytest.mark.parametrize(
    ("path", "meant"),
    [
        ("/_mockgraph/token", "/_mockgraph/tokens"),
        ("/_mockgraph/helth", "/_mockgraph/health"),
        ("/mockgraph/reset", "/_mockgraph/reset"),
        (f"/_mockgraph/user/{ADELE}", f"/_mockgraph/users/{ADELE}"),
    ],
)
def test_a_near_miss_gets_a_did_you_mean(graph: Graph, path: str, meant: str) -> None:
    response = graph.admin.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "NotFound",
        "message": f"mockgraph has nothing at GET {path}; see /docs. Did you mean {meant}?",
    }


def test_a_path_near_nothing_gets_no_guess(graph: Graph) -> None:
    response = graph.admin.get("/_mockgraph/q")
    assert response.json()["error"]["message"] == (
        "mockgraph has nothing at GET /_mockgraph/q; see /docs."
    )
