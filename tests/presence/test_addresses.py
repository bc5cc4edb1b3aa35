"""Every action at every address it exists at, in both versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import Graph
from tests.constants import ADELE, PATTI, UNKNOWN

BODIES: dict[str, dict[str, Any]] = {
    "setPresence": {"sessionId": "s", "availability": "Away", "activity": "Away"},
    "setUserPreferredPresence": {"availability": "Away", "activity": "Away"},
    "setStatusMessage": {"statusMessage": {"message": {"content": "hi", "contentType": "text"}}},
    "clearUserPreferredPresence": {},
}
ADDRESSES = ["/{v}/users/{id}/presence", "/{v}/communications/presences/{id}", "/{v}/me/presence"]


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("action", list(BODIES))
def test_action_at_every_address(graph: Graph, version: str, address: str, action: str) -> None:
    adele = graph.as_user(ADELE)
    base = address.format(v=version, id=ADELE)

    response = adele.post(f"{base}/{action}", json=BODIES[action])

    assert response.status_code == 200, response.text
    assert response.content == b""


def test_clear_presence_at_every_address(graph: Graph) -> None:
    adele = graph.as_user(ADELE)
    for address in ADDRESSES:
        base = address.format(v="v1.0", id=ADELE)
        adele.post(f"{base}/setPresence", json=BODIES["setPresence"])
        assert adele.post(f"{base}/clearPresence", json={"sessionId": "s"}).status_code == 200


@pytest.mark.parametrize("action", [*BODIES, "clearPresence"])
def test_writes_to_an_unknown_user_are_404(graph: Graph, action: str) -> None:
    body = BODIES.get(action, {"sessionId": "s"})
    response = graph.as_app().post(f"/v1.0/users/{UNKNOWN}/presence/{action}", json=body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFound"


def test_me_for_a_user_the_tenant_does_not_have_is_404(graph: Graph) -> None:
    response = graph.as_user(UNKNOWN, "Presence.Read").get("/v1.0/me/presence")
    assert response.status_code == 404


def test_write_is_visible_at_every_address(graph: Graph) -> None:
    graph.as_app().post(
        f"/beta/communications/presences/{PATTI}/setPresence", json=BODIES["setPresence"]
    )
    reader = graph.as_user(PATTI, "Presence.Read")
    for address in ADDRESSES:
        body = reader.get(address.format(v="v1.0", id=PATTI)).json()
        assert body["availability"] == "Away", address
