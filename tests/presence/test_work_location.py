"""The location actions: /me only, delegated only; manual beats automatic beats none."""

from __future__ import annotations

import pytest

from tests.client import Graph
from tests.constants import ADELE, PRESENCE_SYNC

OFFICE = {"workLocationType": "office", "placeId": "eb706f15-137e-4722-b4d1-b601481d9251"}
REMOTE = {"workLocationType": "Remote"}


def location(graph: Graph) -> object:
    return graph.as_user(ADELE).get("/v1.0/me/presence").json()["workLocation"]


def test_manual_beats_automatic_beats_none(graph: Graph) -> None:
    adele = graph.as_user(ADELE, "Presence.ReadWrite", "Presence.Read")
    assert location(graph) == {"workLocationType": "unspecified", "source": "none", "placeId": None}

    response = adele.post("/v1.0/me/presence/setAutomaticLocation", json=OFFICE)
    assert response.status_code == 200
    assert response.content == b""
    assert location(graph) == {**OFFICE, "source": "automatic"}

    adele.post("/v1.0/me/presence/setManualLocation", json=REMOTE)
    assert location(graph) == {"workLocationType": "remote", "source": "manual", "placeId": None}

    adele.post("/v1.0/me/presence/clearAutomaticLocation")
    assert location(graph)["source"] == "manual"  # type: ignore[index]

    adele.post("/v1.0/me/presence/setAutomaticLocation", json=OFFICE)
    adele.post("/v1.0/me/presence/clearLocation")
    assert location(graph)["source"] == "none"  # type: ignore[index]


def test_clear_automatic_falls_back_to_none(graph: Graph) -> None:
    adele = graph.as_user(ADELE)
    adele.post("/v1.0/me/presence/setAutomaticLocation", json=OFFICE)
    adele.post("/v1.0/me/presence/clearAutomaticLocation", json={})
    assert location(graph) == {"workLocationType": "unspecified", "source": "none", "placeId": None}


@pytest.mark.parametrize(
    "action",
    ["setManualLocation", "setAutomaticLocation", "clearAutomaticLocation", "clearLocation"],
)
def test_location_actions_exist_only_at_me(graph: Graph, action: str) -> None:
    adele = graph.as_user(ADELE)
    for path in (
        f"/v1.0/users/{ADELE}/presence/{action}",
        f"/v1.0/communications/presences/{ADELE}/{action}",
    ):
        response = adele.post(path, json=OFFICE if action.startswith("set") else {})
        assert response.status_code == 400, path
        assert f"/me/presence/{action}" in response.json()["error"]["message"]


def test_app_tokens_cannot_use_location_actions(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_SYNC).post("/v1.0/me/presence/setManualLocation", json=OFFICE)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "/me request is only valid with delegated authentication flow."
    )


def test_location_needs_presence_readwrite(graph: Graph) -> None:
    response = graph.as_user(ADELE, "Presence.Read").post(
        "/v1.0/me/presence/setManualLocation", json=OFFICE
    )
    assert response.status_code == 403


def test_unknown_work_location_type_is_400(graph: Graph) -> None:
    response = graph.as_user(ADELE).post(
        "/v1.0/me/presence/setManualLocation", json={"workLocationType": "beach"}
    )
    assert response.status_code == 400
    assert "unspecified, office, remote, timeOff" in response.json()["error"]["message"]
    assert location(graph)["source"] == "none"  # type: ignore[index]


def test_location_change_moves_the_sequence_number(graph: Graph) -> None:
    before = graph.presence(ADELE)["sequenceNumber"]
    graph.as_user(ADELE).post("/v1.0/me/presence/setManualLocation", json=REMOTE)
    assert graph.presence(ADELE)["sequenceNumber"] > before
