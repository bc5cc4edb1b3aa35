"""POST /communications/getPresencesByUserId (reference §2.2)."""

from __future__ import annotations

import uuid

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, MEGAN, PRESENCE_WALL, UNKNOWN

PATH = "/v1.0/communications/getPresencesByUserId"


def test_results_come_in_request_order(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").post(
        PATH, json={"ids": [MEGAN, ADELE, ALEX]}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == (
        "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.presence)"
    )
    assert [p["id"] for p in body["value"]] == [MEGAN, ADELE, ALEX]
    assert [p["availability"] for p in body["value"]] == ["Away", "Available", "DoNotDisturb"]


def test_doc_example_replays(graph: Graph) -> None:
    # Graph's example response is shortened; each member it shows is here with its shape.
    graph.as_app().post(
        f"/v1.0/users/{ADELE}/presence/setPresence",
        json={"sessionId": "s", "availability": "Busy", "activity": "InACall"},
    )
    body = graph.as_user(MEGAN, "Presence.Read.All").post(PATH, json={"ids": [ADELE, ALEX]}).json()
    first = body["value"][0]
    assert {k: first[k] for k in ("id", "availability", "outOfOfficeSettings")} == {
        "id": ADELE,
        "availability": "Busy",
        "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
    }


def test_well_formed_unknown_id_is_presence_unknown(graph: Graph) -> None:
    body = (
        graph.as_app(PRESENCE_WALL, "Presence.Read.All")
        .post(PATH, json={"ids": [UNKNOWN, ADELE]})
        .json()
    )
    assert body["value"][0]["id"] == UNKNOWN
    assert (body["value"][0]["availability"], body["value"][0]["activity"]) == (
        "PresenceUnknown",
        "PresenceUnknown",
    )


def test_unknown_id_entry_has_every_member_a_known_entry_has(graph: Graph) -> None:
    # Graph's serializer writes every member of presence, null where nothing is known.
    body = (
        graph.as_app(PRESENCE_WALL, "Presence.Read.All")
        .post(PATH, json={"ids": [UNKNOWN, ADELE]})
        .json()
    )
    unknown, known = body["value"]
    assert list(unknown) == list(known)
    assert unknown["workLocation"] is None
    assert unknown["sequenceNumber"] is None


def test_own_entry_shows_own_message_dates(graph: Graph) -> None:
    adele = graph.as_user(ADELE)
    adele.post(
        "/v1.0/me/presence/setStatusMessage",
        json={"statusMessage": {"message": {"content": "hi", "contentType": "text"}}},
    )
    body = adele.post(PATH, json={"ids": [ADELE]}).json()
    assert "publishedDateTime" in body["value"][0]["statusMessage"]
    other = graph.as_user(ALEX).post(PATH, json={"ids": [ADELE]}).json()
    assert "publishedDateTime" not in other["value"][0]["statusMessage"]


def test_650_ids_are_allowed_and_651_are_not(graph: Graph) -> None:
    wall = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    ids = [str(uuid.UUID(int=i + 1)) for i in range(651)]

    ok = wall.post(PATH, json={"ids": ids[:650]})
    too_many = wall.post(PATH, json={"ids": ids})

    assert ok.status_code == 200
    assert len(ok.json()["value"]) == 650
    assert too_many.status_code == 400
    assert "650" in too_many.json()["error"]["message"]


@pytest.mark.parametrize(
    "body", [{"ids": ["not-a-guid"]}, {"ids": "x"}, {"ids": [5]}, {}, {"ids": [ADELE], "extra": 1}]
)
def test_malformed_requests_are_400(graph: Graph, body: dict[str, object]) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").post(PATH, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_delegated_caller_needs_read_all(graph: Graph) -> None:
    response = graph.as_user(ADELE, "Presence.Read").post(PATH, json={"ids": [ADELE]})
    assert response.status_code == 403


def test_get_is_405(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(PATH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"]["code"] == "MethodNotAllowed"
