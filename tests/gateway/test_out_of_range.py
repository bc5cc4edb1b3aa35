"""Values Python cannot hold or the system cannot look up are Graph's 400, never a 500: a
duration past any date, a date-time moved out of the calendar by its offset, a time-zone
name that names a folder, a URL the parser or the resolver refuses, a 5,000-digit integer."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mockgraph.state.fixtures import FixtureError, load_fixtures
from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI

TOO_LONG = ["P1000000000D", "PT99999999999999999999H", "PT" + "1" * 400 + "S", "P36526D"]


@pytest.mark.parametrize("duration", TOO_LONG)
def test_a_session_longer_than_any_date_is_a_400(graph: Graph, duration: str) -> None:
    body = {
        "sessionId": "s",
        "availability": "Busy",
        "activity": "InACall",
        "expirationDuration": duration,
    }
    response = graph.as_app().post(f"/v1.0/users/{PATTI}/presence/setPresence", json=body)

    assert response.status_code == 400
    assert graph.presence(PATTI)["availability"] == "Offline"


def test_a_preferred_presence_for_ever_is_a_400_and_the_state_still_exports(
    graph: Graph,
) -> None:
    body = {"availability": "Busy", "activity": "Busy", "expirationDuration": "P3000000D"}
    response = graph.as_app().post(
        f"/v1.0/users/{PATTI}/presence/setUserPreferredPresence", json=body
    )

    assert response.status_code == 400
    assert "at most 100 years" in response.json()["error"]["message"]
    assert graph.admin.get("/_mockgraph/state").status_code == 200


def test_a_clock_set_outside_the_calendar_is_a_400(graph: Graph) -> None:
    response = graph.admin.post("/_mockgraph/clock", json={"set": "0001-01-01T00:00:00+01:00"})

    assert response.status_code == 400
    assert graph.admin.get("/_mockgraph/clock").status_code == 200


def test_the_clock_stops_short_of_the_calendars_end(graph: Graph) -> None:
    """Advanced 100 years at a time, it is refused before an expiry could pass 9999."""
    answers = [
        graph.admin.post("/_mockgraph/clock", json={"advance": "P36500D"}).status_code
        for _ in range(80)
    ]

    assert 400 in answers
    assert set(answers[answers.index(400) :]) == {400}
    assert graph.admin.get("/_mockgraph/clock").status_code == 200
    assert graph.admin.get("/_mockgraph/state").status_code == 200
    far = graph.admin.post("/_mockgraph/clock", json={"set": "9950-01-01T00:00:00Z"})
    assert far.status_code == 400


def test_a_body_of_a_vertical_tab_is_not_an_empty_body(graph: Graph) -> None:
    response = graph.as_user(ADELE, "Presence.ReadWrite").post(
        "/v1.0/me/presence/clearUserPreferredPresence",
        content=b"\x0b",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400


def test_a_wrong_type_nested_too_deeply_to_echo_is_a_400(graph: Graph) -> None:
    for depth in range(850, 1000):
        body = b'{"users": ' + b"[" * depth + b"]" * depth + b"}"
        response = graph.admin.put(
            "/_mockgraph/state", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code in (400, 422), (depth, response.text)


@pytest.mark.parametrize(
    "expiry",
    [
        {"dateTime": "2030-01-01T00:00:00", "timeZone": "America"},  # a folder of zones
        {"dateTime": "2030-01-01T00:00:00", "timeZone": "x" * 300},  # longer than a file name
        {"dateTime": "0001-01-01T00:00:00", "timeZone": "Tokyo Standard Time"},
        {"dateTime": "9999-12-31T23:00:00", "timeZone": "Hawaiian Standard Time"},
    ],
)
def test_a_status_message_expiry_out_of_range_is_a_400(
    graph: Graph, expiry: dict[str, str]
) -> None:
    body: dict[str, Any] = {
        "statusMessage": {
            "message": {"content": "Back soon", "contentType": "text"},
            "expiryDateTime": expiry,
        }
    }
    response = graph.as_user(ADELE, "Presence.ReadWrite").post(
        "/v1.0/me/presence/setStatusMessage", json=body
    )

    assert response.status_code == 400
    assert graph.presence(ADELE)["statusMessage"] is None


@pytest.mark.parametrize("url", ["http://[::1", "http://x\x00y/"])
def test_a_notification_url_that_cannot_be_reached_is_a_400(graph: Graph, url: str) -> None:
    now = datetime.fromisoformat(graph.admin.get("/_mockgraph/clock").json()["now"])
    body = {
        "changeType": "updated",
        "notificationUrl": url,
        "resource": f"/communications/presences/{PATTI}",
        "expirationDateTime": (now + timedelta(minutes=30)).isoformat(),
    }
    response = graph.as_user(ALEX, "Presence.Read.All").post("/v1.0/subscriptions", json=body)

    assert response.status_code == 400, response.text
    assert url.split("/")[2].split("\x00")[0] in response.json()["error"]["message"]


def test_a_seed_file_with_a_5000_digit_number_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.json"
    path.write_text('{"users": [' + "1" * 5000 + "]}")

    with pytest.raises(FixtureError, match=r"fixtures.json: \$: Invalid JSON"):
        load_fixtures(path)
