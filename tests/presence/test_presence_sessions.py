"""setPresence and clearPresence: sessions, precedence, fade, expiry (reference §2.3, §4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockgraph.settings import Settings
from tests.client import Graph
from tests.constants import ADELE, MEGAN, PATTI, PRESENCE_SYNC


def set_presence(
    client: httpx.Client,
    user_id: str,
    session: str,
    availability: str,
    activity: str,
    duration: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {
        "sessionId": session,
        "availability": availability,
        "activity": activity,
    }
    if duration is not None:
        body["expirationDuration"] = duration
    return client.post(f"/v1.0/users/{user_id}/presence/setPresence", json=body)


def state(graph: Graph, user_id: str) -> tuple[str, str]:
    body = graph.presence(user_id)
    return body["availability"], body["activity"]


def test_set_presence_answers_200_with_an_empty_body(graph: Graph) -> None:
    response = set_presence(graph.as_app(), PATTI, PRESENCE_SYNC, "Busy", "InACall", "PT1H")

    assert response.status_code == 200
    assert response.content == b""
    assert state(graph, PATTI) == ("Busy", "InACall")


@pytest.mark.parametrize(
    ("availability", "activity"),
    [
        ("Available", "Available"),
        ("Busy", "InACall"),
        ("Busy", "InAConferenceCall"),
        ("Away", "Away"),
        ("DoNotDisturb", "Presenting"),
    ],
)
def test_every_documented_pair_is_accepted(graph: Graph, availability: str, activity: str) -> None:
    assert set_presence(graph.as_app(), PATTI, "s", availability, activity).status_code == 200
    assert state(graph, PATTI) == (availability, activity)


@pytest.mark.parametrize(
    ("availability", "activity"),
    [
        ("Busy", "Busy"),
        ("Available", "InACall"),
        ("OutOfOffice", "OutOfOffice"),
        ("Busy", "InAMeeting"),
        ("Happy", "Available"),
        ("", ""),
    ],
)
def test_other_pairs_are_400_and_change_nothing(
    graph: Graph, availability: str, activity: str
) -> None:
    before = graph.presence(PATTI)
    response = set_presence(graph.as_app(), PATTI, "s", availability, activity)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert "supported pairs are" in response.json()["error"]["message"]
    assert graph.presence(PATTI) == before


def test_values_are_read_case_insensitively_and_written_pascal_case(graph: Graph) -> None:
    assert set_presence(graph.as_app(), PATTI, "s", "doNotDisturb", "PRESENTING").status_code == 200
    assert state(graph, PATTI) == ("DoNotDisturb", "Presenting")


@pytest.mark.parametrize("duration", ["PT4M59S", "PT4H1M", "P1D", "PT0S"])
def test_duration_out_of_range_is_graphs_own_answer(graph: Graph, duration: str) -> None:
    response = set_presence(graph.as_app(), PATTI, "s", "Busy", "InACall", duration)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"
    assert response.json()["error"]["message"] == (
        "The provided [ExpirationDuration] is out of range."
    )


@pytest.mark.parametrize("duration", ["1:00:00", "0:05:00", "60", "PT", "P1Y", "PT1H30"])
def test_duration_that_is_not_iso_8601_is_400(graph: Graph, duration: str) -> None:
    response = set_presence(graph.as_app(), PATTI, "s", "Busy", "InACall", duration)

    assert response.status_code == 400
    assert "not a valid duration value" in response.json()["error"]["message"]


def test_session_expires_after_its_duration(graph: Graph) -> None:
    set_presence(graph.as_app(), PATTI, "s", "Busy", "InACall", "PT30M")
    graph.advance("PT29M59S")
    assert state(graph, PATTI) == ("Busy", "InACall")
    graph.advance("PT1S")
    assert state(graph, PATTI) == ("Offline", "Offline")


def test_default_duration_is_five_minutes(graph: Graph) -> None:
    set_presence(graph.as_app(), PATTI, "s", "Busy", "InACall")
    graph.advance("PT4M59S")
    assert state(graph, PATTI) == ("Busy", "InACall")
    graph.advance("PT1S")
    assert state(graph, PATTI) == ("Offline", "Offline")


def test_available_fades_to_inactive_then_away(graph: Graph) -> None:
    set_presence(graph.as_app(), PATTI, "s", "Available", "Available", "PT1H")
    graph.advance("PT4M59S")
    assert state(graph, PATTI) == ("Available", "Available")
    graph.advance("PT1S")
    assert state(graph, PATTI) == ("Available", "AvailableInactive")
    graph.advance("PT5M")
    assert state(graph, PATTI) == ("Away", "Away")
    graph.advance("PT50M")
    assert state(graph, PATTI) == ("Offline", "Offline")


def test_refreshing_the_session_restarts_the_fade(graph: Graph) -> None:
    app = graph.as_app()
    set_presence(app, PATTI, "s", "Available", "Available", "PT1H")
    graph.advance("PT4M")
    set_presence(app, PATTI, "s", "Available", "Available", "PT1H")
    graph.advance("PT4M")
    assert state(graph, PATTI) == ("Available", "Available")


def test_busy_does_not_fade(graph: Graph) -> None:
    set_presence(graph.as_app(), PATTI, "s", "Busy", "InACall", "PT1H")
    graph.advance("PT59M")
    assert state(graph, PATTI) == ("Busy", "InACall")


def test_sessions_aggregate_by_precedence(graph: Graph) -> None:
    app = graph.as_app()
    set_presence(app, PATTI, "away", "Away", "Away", "PT1H")
    assert state(graph, PATTI) == ("Away", "Away")
    set_presence(app, PATTI, "available", "Available", "Available", "PT1H")
    assert state(graph, PATTI) == ("Available", "Available")
    set_presence(app, PATTI, "busy", "Busy", "InAConferenceCall", "PT1H")
    assert state(graph, PATTI) == ("Busy", "InAConferenceCall")
    set_presence(app, PATTI, "dnd", "DoNotDisturb", "Presenting", "PT1H")
    assert state(graph, PATTI) == ("DoNotDisturb", "Presenting")
    # A lower state set later does not win.
    set_presence(app, PATTI, "away", "Away", "Away", "PT1H")
    assert state(graph, PATTI) == ("DoNotDisturb", "Presenting")


def test_fixture_session_takes_part_in_aggregation(graph: Graph) -> None:
    # Megan's Teams client shows Away/BeRightBack; an app session set to Busy beats it.
    set_presence(graph.as_app(), MEGAN, "s", "Busy", "InACall", "PT10M")
    assert state(graph, MEGAN) == ("Busy", "InACall")
    graph.advance("PT10M")
    assert state(graph, MEGAN) == ("Away", "BeRightBack")


def test_clear_presence_removes_one_session(graph: Graph) -> None:
    app = graph.as_app()
    set_presence(app, PATTI, "a", "Busy", "InACall", "PT1H")
    set_presence(app, PATTI, "b", "Away", "Away", "PT1H")

    response = app.post(f"/v1.0/users/{PATTI}/presence/clearPresence", json={"sessionId": "a"})

    assert response.status_code == 200
    assert response.content == b""
    assert state(graph, PATTI) == ("Away", "Away")


def test_clearing_the_last_session_gives_offline(graph: Graph) -> None:
    app = graph.as_app()
    set_presence(app, PATTI, "a", "Busy", "InACall", "PT1H")
    app.post(f"/v1.0/users/{PATTI}/presence/clearPresence", json={"sessionId": "a"})
    assert state(graph, PATTI) == ("Offline", "Offline")


def test_clearing_the_fixture_teams_session_signs_the_user_out(graph: Graph) -> None:
    response = graph.as_app().post(
        f"/v1.0/users/{ADELE}/presence/clearPresence", json={"sessionId": "teams"}
    )
    assert response.status_code == 200
    assert state(graph, ADELE) == ("Offline", "Offline")


def test_clear_presence_of_an_unknown_session_is_404(graph: Graph) -> None:
    response = graph.as_app().post(
        f"/v1.0/users/{PATTI}/presence/clearPresence", json={"sessionId": "never-set"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFound"


def test_clear_presence_of_an_expired_session_is_404(graph: Graph) -> None:
    app = graph.as_app()
    set_presence(app, PATTI, "a", "Busy", "InACall", "PT5M")
    graph.advance("PT6M")
    response = app.post(f"/v1.0/users/{PATTI}/presence/clearPresence", json={"sessionId": "a"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"sessionId": ""},
        {"sessionId": 42, "availability": "Busy", "activity": "InACall"},
        {"sessionId": "s", "availability": "Busy"},
        {"sessionId": "s", "availability": "Busy", "activity": "InACall", "mood": "happy"},
        {"sessionId": "s", "availability": "Busy", "activity": "InACall", "expirationDuration": 5},
    ],
)
def test_malformed_set_presence_is_400_and_changes_nothing(
    graph: Graph, body: dict[str, Any]
) -> None:
    before = graph.presence(PATTI)
    response = graph.as_app().post(f"/v1.0/users/{PATTI}/presence/setPresence", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert graph.presence(PATTI) == before


def test_unknown_parameter_message_is_graphs(graph: Graph) -> None:
    response = graph.as_app().post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json={"sessionId": "s", "availability": "Busy", "activity": "InACall", "mood": "happy"},
    )
    assert response.json()["error"]["message"] == (
        "The parameter 'mood' in the request payload is not a valid parameter for the "
        "operation 'setPresence'."
    )


def test_sequence_number_grows_on_every_change(graph: Graph) -> None:
    app = graph.as_app()
    seen = [graph.presence(PATTI)["sequenceNumber"]]
    set_presence(app, PATTI, "s", "Available", "Available", "PT1H")
    seen.append(graph.presence(PATTI)["sequenceNumber"])
    graph.advance("PT5M")  # fade, with no write
    seen.append(graph.presence(PATTI)["sequenceNumber"])
    app.post(
        f"/v1.0/users/{PATTI}/presence/setStatusMessage",
        json={"statusMessage": {"message": {"content": "hi", "contentType": "text"}}},
    )
    seen.append(graph.presence(PATTI)["sequenceNumber"])

    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
    # Reading does not move it.
    assert graph.presence(PATTI)["sequenceNumber"] == seen[-1]


@pytest.mark.parametrize("settings", [Settings(strict_session_id=True)])
def test_strict_session_id_requires_the_callers_app_id(graph: Graph, settings: Settings) -> None:
    app = graph.as_app(PRESENCE_SYNC)
    response = set_presence(app, PATTI, "some-other-id", "Busy", "InACall")
    assert response.status_code == 400
    assert "Provide the ID of the application as sessionId" in response.json()["error"]["message"]
    assert set_presence(app, PATTI, PRESENCE_SYNC, "Busy", "InACall").status_code == 200


def test_any_session_id_is_accepted_by_default(graph: Graph) -> None:
    assert set_presence(graph.as_app(), PATTI, "any string", "Busy", "InACall").status_code == 200
