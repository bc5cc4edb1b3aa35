"""setUserPreferredPresence and clearUserPreferredPresence (reference §2.5)."""

from __future__ import annotations

import pytest

from tests.client import Graph
from tests.constants import ADELE, PATTI


def state(graph: Graph, user_id: str) -> tuple[str, str]:
    body = graph.presence(user_id)
    return body["availability"], body["activity"]


def prefer(
    graph: Graph, user_id: str, availability: str, activity: str, duration: str | None = None
) -> int:
    body = {"availability": availability, "activity": activity}
    if duration:
        body["expirationDuration"] = duration
    response = graph.as_app().post(
        f"/v1.0/users/{user_id}/presence/setUserPreferredPresence", json=body
    )
    return response.status_code


@pytest.mark.parametrize(
    ("availability", "activity"),
    [
        ("Available", "Available"),
        ("Busy", "Busy"),
        ("DoNotDisturb", "DoNotDisturb"),
        ("BeRightBack", "BeRightBack"),
        ("Away", "Away"),
        ("Offline", "OffWork"),
    ],
)
def test_preferred_presence_beats_sessions(graph: Graph, availability: str, activity: str) -> None:
    # Adele's Teams client session shows Available.
    assert prefer(graph, ADELE, availability, activity) == 200
    assert state(graph, ADELE) == (availability, activity)


def test_preferred_presence_shows_only_while_a_session_exists(graph: Graph) -> None:
    assert prefer(graph, PATTI, "DoNotDisturb", "DoNotDisturb") == 200
    assert state(graph, PATTI) == ("Offline", "Offline")

    graph.as_app().post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json={
            "sessionId": "s",
            "availability": "Available",
            "activity": "Available",
            "expirationDuration": "PT10M",
        },
    )
    assert state(graph, PATTI) == ("DoNotDisturb", "DoNotDisturb")

    graph.advance("PT10M")
    assert state(graph, PATTI) == ("Offline", "Offline")


@pytest.mark.parametrize(
    ("availability", "activity", "lifetime"),
    [
        ("Busy", "Busy", "P1D"),
        ("DoNotDisturb", "DoNotDisturb", "P1D"),
        ("Away", "Away", "P7D"),
        ("Available", "Available", "P7D"),
    ],
)
def test_default_expiry_depends_on_availability(
    graph: Graph, availability: str, activity: str, lifetime: str
) -> None:
    prefer(graph, ADELE, availability, activity)
    days = int(lifetime[1:-1])
    graph.advance(f"P{days - 1}DT23H59M")
    assert state(graph, ADELE) == (availability, activity)
    graph.advance("PT1M")
    assert state(graph, ADELE) == ("Available", "Available")


def test_explicit_expiry(graph: Graph) -> None:
    prefer(graph, ADELE, "Busy", "Busy", "PT8H")
    graph.advance("PT8H")
    assert state(graph, ADELE) == ("Available", "Available")


@pytest.mark.parametrize("body", [b"{}", b""], ids=["empty object", "no body"])
def test_clear_preferred_presence(graph: Graph, body: bytes) -> None:
    prefer(graph, ADELE, "DoNotDisturb", "DoNotDisturb")
    headers = {"Content-Type": "application/json"} if body else {}

    response = graph.as_app().post(
        f"/v1.0/users/{ADELE}/presence/clearUserPreferredPresence", content=body, headers=headers
    )

    assert response.status_code == 200
    assert response.content == b""
    assert state(graph, ADELE) == ("Available", "Available")


@pytest.mark.parametrize(
    ("availability", "activity"),
    [("Busy", "InACall"), ("Offline", "Offline"), ("Available", "Busy"), ("x", "y")],
)
def test_unsupported_pair_is_400(graph: Graph, availability: str, activity: str) -> None:
    assert prefer(graph, ADELE, availability, activity) == 400
    assert state(graph, ADELE) == ("Available", "Available")


def test_negative_duration_is_out_of_range(graph: Graph) -> None:
    response = graph.as_app().post(
        f"/v1.0/users/{ADELE}/presence/setUserPreferredPresence",
        json={"availability": "Busy", "activity": "Busy", "expirationDuration": "-PT1H"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"
