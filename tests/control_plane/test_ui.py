"""The dashboard's page and what it reads, over the ASGI app (the browser test is in e2e/)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, LEE, NESTOR, PATTI, PRESENCE_SYNC


def changes(graph: Graph, **params: Any) -> dict[str, Any]:
    response = graph.admin.get("/_mockgraph/ui/changes", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def card(board: dict[str, Any], user_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(u for u in board["users"] if u["id"] == user_id)
    return found


def test_home_leads_to_the_dashboard_which_loads_nothing_from_outside(graph: Graph) -> None:
    home = graph.admin.get("/", follow_redirects=False)
    assert home.status_code == 307
    assert home.headers["location"] == "/_mockgraph/ui"
    page = graph.admin.get("/_mockgraph/ui")
    assert page.status_code == 200
    assert "/docs" in page.text
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert asset.startswith(("/", "data:")), asset
        if asset.startswith("/_mockgraph/ui/assets/"):
            text = graph.admin.get(asset).text
            assert "http://" not in text, asset
            assert "https://" not in text, asset
            # Data from the server goes into the page as text only.
            assert "innerHTML" not in text


def test_the_board_shows_every_user_as_a_reader_sees_them(graph: Graph) -> None:
    board = changes(graph)["board"]
    assert board["total"] == board["matched"] == 6
    assert board["counts"] == {
        "Available": 1,
        "Away": 1,
        "Busy": 1,
        "DoNotDisturb": 1,
        "Offline": 2,
    }
    lee = card(board, LEE)
    assert (lee["availability"], lee["activity"]) == ("Busy", "InAMeeting")
    assert lee["statusMessage"]["content"] == "Quarterly review until 3pm"
    assert lee["sessions"] == [
        {
            "sessionId": "teams",
            "app": "Teams",
            "availability": "Busy",
            "activity": "InAMeeting",
            "expiresAt": None,
        }
    ]
    assert card(board, NESTOR)["outOfOfficeSettings"] == {
        "isOutOfOffice": True,
        "message": "Back on Monday.",
    }


def test_a_part_comes_again_only_when_it_changed(graph: Graph) -> None:
    first = changes(graph)
    versions = {name: first[name]["version"] for name in ("board", "deliveries", "faults")}
    again = changes(graph, **versions, journal=first["journal"]["last"])
    assert set(again) == {"tenant", "clock", "journal"}
    assert again["journal"]["entries"] == []

    sync = graph.as_app(PRESENCE_SYNC)
    answer = sync.post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json={"sessionId": PRESENCE_SYNC, "availability": "Busy", "activity": "InACall"},
    )
    assert answer.status_code == 200
    later = changes(graph, **versions, journal=first["journal"]["last"])
    patti = card(later["board"], PATTI)
    assert (patti["availability"], patti["sessions"][0]["app"]) == (
        "Busy",
        "Presence Sync (application read and write)",
    )
    assert patti["sessions"][0]["expiresAt"] == later["clock"]["now"] + 5 * 60 * 1000
    [entry] = later["journal"]["entries"]
    assert entry["caller"] == "Presence Sync (application read and write)"
    assert entry["latencyMs"] >= 0
    assert entry["body"]["activity"] == "InACall"


def test_the_clock_expires_what_the_board_shows(graph: Graph) -> None:
    user = graph.as_user(ADELE)
    answer = user.post(
        f"/v1.0/users/{ADELE}/presence/setPresence",
        json={"sessionId": BUSY_LIGHT, "availability": "Available", "activity": "Available"},
    )
    assert answer.status_code == 200
    assert len(card(changes(graph)["board"], ADELE)["sessions"]) == 2
    graph.advance("PT5M")
    adele = card(changes(graph)["board"], ADELE)
    # The fixture's Teams session stays; the five-minute session is gone.
    assert [s["sessionId"] for s in adele["sessions"]] == ["teams"]


def test_the_clock_fades_what_the_board_shows(graph: Graph) -> None:
    sync = graph.as_app(PRESENCE_SYNC)
    answer = sync.post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json={
            "sessionId": PRESENCE_SYNC,
            "availability": "Available",
            "activity": "Available",
            "expirationDuration": "PT1H",
        },
    )
    assert answer.status_code == 200
    before = changes(graph)["board"]
    graph.advance("PT5M")
    after = changes(graph, board=before["version"])["board"]
    patti = card(after, PATTI)
    assert (patti["activity"], patti["sessions"][0]["activity"]) == (
        "AvailableInactive",
        "AvailableInactive",
    )


def test_the_journal_part_names_callers_and_keeps_errors(graph: Graph) -> None:
    before = changes(graph)["journal"]["last"]
    delegated = graph.as_user(ALEX)
    refused = delegated.post(
        f"/v1.0/users/{ADELE}/presence/setPresence",
        json={"sessionId": BUSY_LIGHT, "availability": "Busy", "activity": "InACall"},
    )
    assert refused.status_code == 401
    [entry] = changes(graph, journal=before)["journal"]["entries"]
    assert entry["caller"] == "Alex Wilber via Busy Light (delegated read and write)"
    assert entry["errorCode"] == refused.json()["error"]["code"]
    assert entry["response"]["error"]["message"] == refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"tenant": "<script>"}, 400),
        ({"page": -1}, 400),
        ({"pageSize": 0}, 400),
        ({"pageSize": 100_000}, 400),
        ({"journal": "x"}, 400),
        ({"search": "x" * 201}, 400),
        ({"search": "<img src=x onerror=alert(1)>"}, 200),
        ({"page": 999_999}, 200),
    ],
)
def test_no_input_breaks_the_board(graph: Graph, params: dict[str, Any], status: int) -> None:
    response = graph.admin.get("/_mockgraph/ui/changes", params=params)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error"]["code"] == "BadRequest"


def test_a_thousand_users_page_and_search(graph: Graph) -> None:
    for n in range(994):
        added = graph.admin.post(
            "/_mockgraph/users",
            json={"id": f"00000000-0000-4000-8000-{n:012d}", "displayName": f"Person {n:04d}"},
        )
        assert added.status_code == 200, added.text
    board = changes(graph, pageSize=50, page=3)["board"]
    assert (board["total"], board["pages"], len(board["users"])) == (1000, 20, 50)
    found = changes(graph, search="PERSON 0421")["board"]
    assert [u["displayName"] for u in found["users"]] == ["Person 0421"]
    last = changes(graph, pageSize=50, page=999_999)["board"]
    assert last["page"] == 19


def test_with_an_admin_key_the_page_opens_and_its_data_does_not() -> None:
    app: FastAPI = create_app(Settings(admin_key="sesame"))
    with httpx.Client(transport=InProcessTransport(app), base_url="http://mockgraph.test") as c:
        assert c.get("/_mockgraph/ui").status_code == 200
        assert c.get("/_mockgraph/ui/assets/app.js").status_code == 200
        assert c.get("/_mockgraph/ui/changes").status_code == 401
        keyed = c.get("/_mockgraph/ui/changes", headers={"Authorization": "Bearer sesame"})
        assert keyed.status_code == 200
        assert c.get(f"/_mockgraph/ui/photos/{ADELE}").status_code == 401


def test_the_built_in_webhook_answers_graphs_handshake(graph: Graph) -> None:
    token = "Validation: Testing client application reachability"
    echoed = graph.admin.post("/_mockgraph/webhook", params={"validationToken": token})
    assert (echoed.status_code, echoed.text) == (200, token)
    assert echoed.headers["content-type"].startswith("text/plain")
    assert graph.admin.post("/_mockgraph/webhook", json={"value": []}).status_code == 202


def test_a_user_with_a_photo_shows_it_and_one_without_shows_initials(graph: Graph) -> None:
    answer = changes(graph)
    board, tenant = answer["board"], answer["tenant"]
    assert card(board, ADELE)["hasPhoto"] is True
    assert card(board, PATTI)["hasPhoto"] is False
    shown = graph.admin.get(f"/_mockgraph/ui/photos/{ADELE}", params={"tenant": tenant})
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.content.startswith(b"\xff\xd8")
    # The same stored photo Graph serves, cut to the board's size.
    graph_photo = graph.as_user(ADELE, "User.Read").get("/v1.0/me/photos/96x96/$value")
    assert graph_photo.status_code == 200
    assert shown.content == graph_photo.content
    again = graph.admin.get(
        f"/_mockgraph/ui/photos/{ADELE}", headers={"If-None-Match": shown.headers["etag"]}
    )
    assert again.status_code == 304
    for missing in (PATTI, "00000000-0000-0000-0000-000000000000", "<script>"):
        none = graph.admin.get(f"/_mockgraph/ui/photos/{missing}")
        assert none.status_code == 404, missing
        assert none.json()["error"]["code"] == "NotFound"


def test_users_come_in_natural_order(graph: Graph) -> None:
    for n in (10, 2, 1, 100, 20):
        added = graph.admin.post(
            "/_mockgraph/users",
            json={"id": f"00000000-0000-4000-8000-{n:012d}", "displayName": f"Person {n}"},
        )
        assert added.status_code == 200, added.text
    board = changes(graph, search="person")["board"]
    assert [u["displayName"] for u in board["users"]] == [
        "Person 1",
        "Person 2",
        "Person 10",
        "Person 20",
        "Person 100",
    ]


def test_the_journal_names_each_call_by_its_graph_operation(graph: Graph) -> None:
    before = changes(graph)["journal"]["last"]
    sync = graph.as_app(PRESENCE_SYNC, "Presence.ReadWrite.All", "User.Read.All")
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/v1.0/users/{ADELE}/presence", None),
        ("POST", f"/v1.0/users/{ADELE}/presence/setPresence", {}),
        ("GET", "/v1.0/users", None),
        ("GET", f"/v1.0/users/{ADELE}/memberOf", None),
        ("GET", "/v1.0/nowhere/at/all", None),
    ]
    for method, path, body in calls:
        sync.request(method, path, json=body)
    entries = changes(graph, journal=before)["journal"]["entries"]
    assert [(e["operation"], e["path"]) for e in entries] == [
        ("get presence", f"/v1.0/users/{ADELE}/presence"),
        ("setPresence", f"/v1.0/users/{ADELE}/presence/setPresence"),
        ("list users", "/v1.0/users"),
        ("…/memberOf", f"/v1.0/users/{ADELE}/memberOf"),
        ("…/all", "/v1.0/nowhere/at/all"),
    ]
