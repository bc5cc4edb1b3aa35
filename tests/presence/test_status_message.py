"""setStatusMessage and who sees what of it (reference §2.6, §4.3)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, PRESENCE_WALL


def set_message(graph: Graph, status: dict[str, Any] | None) -> int:
    response = graph.as_user(ADELE).post(
        "/v1.0/me/presence/setStatusMessage", json={"statusMessage": status}
    )
    return response.status_code


def test_own_reader_sees_published_and_never_expiring(graph: Graph) -> None:
    status = {"message": {"content": "Hey I am available now", "contentType": "text"}}
    assert set_message(graph, status) == 200

    body = graph.as_user(ADELE).get("/v1.0/me/presence").json()

    assert body["statusMessage"] == {
        "message": {"content": "Hey I am available now", "contentType": "text"},
        # The clock of these tests starts at 2026-03-02T09:00Z.
        "publishedDateTime": "2026-03-02T09:00:00.0000000Z",
        "expiryDateTime": {"dateTime": "9999-12-31T23:59:59.9999999", "timeZone": "UTC"},
    }


def test_other_readers_see_only_the_message(graph: Graph) -> None:
    set_message(
        graph,
        {
            "message": {"content": "Hey I am available now", "contentType": "text"},
            "expiryDateTime": {
                "dateTime": "2026-03-02T17:00:00.0000000",
                "timeZone": "Pacific Standard Time",
            },
        },
    )
    # Graph's doc example 3, reading another user: the two dates are absent, not null.
    expected = {"message": {"content": "Hey I am available now", "contentType": "text"}}

    as_alex = graph.as_user(ALEX, "Presence.Read.All").get(f"/v1.0/users/{ADELE}/presence")
    as_app = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(
        f"/v1.0/communications/presences/{ADELE}"
    )

    assert as_alex.json()["statusMessage"] == expected
    assert as_app.json()["statusMessage"] == expected
    assert '"publishedDateTime"' not in as_alex.text


def test_expiry_echoes_the_callers_time_zone_and_removes_the_message(graph: Graph) -> None:
    # 09:00 UTC is 01:00 in Los Angeles (PST, UTC-8) on 2026-03-02.
    set_message(
        graph,
        {
            "message": {"content": "In a meeting", "contentType": "text"},
            "expiryDateTime": {
                "dateTime": "2026-03-02T02:00:00",
                "timeZone": "Pacific Standard Time",
            },
        },
    )
    own = graph.as_user(ADELE).get("/v1.0/me/presence").json()
    assert own["statusMessage"]["expiryDateTime"] == {
        "dateTime": "2026-03-02T02:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }

    graph.advance("PT59M59S")
    assert graph.presence(ADELE)["statusMessage"] is not None
    graph.advance("PT1S")
    assert graph.presence(ADELE)["statusMessage"] is None


def test_iana_time_zones_are_accepted(graph: Graph) -> None:
    assert (
        set_message(
            graph,
            {
                "message": {"content": "x", "contentType": "text"},
                "expiryDateTime": {"dateTime": "2026-03-02T10:30:00", "timeZone": "Europe/Berlin"},
            },
        )
        == 200
    )
    graph.advance("PT30M")  # 10:30 Berlin is 09:30 UTC
    assert graph.presence(ADELE)["statusMessage"] is None


@pytest.mark.parametrize(
    "status",
    [
        None,
        {"message": {"content": "", "contentType": "text"}},
        {"message": None},
    ],
)
def test_null_or_empty_content_clears_the_message(
    graph: Graph, status: dict[str, Any] | None
) -> None:
    set_message(graph, {"message": {"content": "hello", "contentType": "text"}})
    assert set_message(graph, status) == 200
    assert graph.presence(ADELE)["statusMessage"] is None


def test_fixture_message_keeps_its_published_date(graph: Graph) -> None:
    body = graph.as_user(LEE).get("/v1.0/me/presence").json()
    assert body["statusMessage"]["publishedDateTime"] == "2026-01-05T09:00:00.0000000Z"
    assert body["statusMessage"]["message"]["content"] == "Quarterly review until 3pm"


def test_app_may_set_any_users_message(graph: Graph) -> None:
    response = graph.as_app().post(
        f"/v1.0/users/{ALEX}/presence/setStatusMessage",
        json={"statusMessage": {"message": {"content": "Set by the app", "contentType": "text"}}},
    )
    assert response.status_code == 200
    assert graph.presence(ALEX)["statusMessage"]["message"]["content"] == "Set by the app"


@pytest.mark.parametrize(
    ("status", "fragment"),
    [
        ({"message": {"content": "x", "contentType": "html"}}, "only supported format is 'text'"),
        (
            {"message": {"content": "x"}, "expiryDateTime": {"dateTime": "tomorrow"}},
            "not a valid local date-time",
        ),
        (
            {"message": {"content": "x"}, "expiryDateTime": {"dateTime": "2026-03-02T10:00:00Z"}},
            "not a valid local date-time",
        ),
        (
            {"message": {"content": "x"}, "expiryDateTime": {"dateTime": "2026-02-30T10:00:00"}},
            "not a date",
        ),
        (
            {
                "message": {"content": "x"},
                "expiryDateTime": {"dateTime": "2026-03-02T10:00:00", "timeZone": "Mars/Olympus"},
            },
            "time zone 'Mars/Olympus'",
        ),
        ({"message": {"content": 7}}, "must be a string"),
        ({"message": {"content": "x", "font": "bold"}}, "'font' does not exist"),
    ],
)
def test_bad_messages_are_400_and_change_nothing(
    graph: Graph, status: dict[str, Any], fragment: str
) -> None:
    set_message(graph, {"message": {"content": "kept", "contentType": "text"}})
    response = graph.as_user(ADELE).post(
        "/v1.0/me/presence/setStatusMessage", json={"statusMessage": status}
    )
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert graph.presence(ADELE)["statusMessage"]["message"]["content"] == "kept"


def test_missing_status_message_parameter_is_400(graph: Graph) -> None:
    response = graph.as_user(ADELE).post("/v1.0/me/presence/setStatusMessage", json={})
    assert response.status_code == 400
    assert "statusMessage" in response.json()["error"]["message"]
