"""POST and GET /_mockgraph/scenario, and the testing helpers, over the in-process app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockgraph.scenarios.setup import SCHEMA_PATH, schema
from tests.client import Graph
from tests.constants import MEGAN

START = "2026-03-02T09:00:00+01:00"


def megans_morning() -> dict[str, Any]:
    """Megan signs in at 09:00 and takes a call from 10:20 to 10:40."""
    steps = [
        {"at": "PT0S", "user": MEGAN, "action": "signOut", "client": "teams"},
        {"at": "PT0S", "user": MEGAN, "action": "signIn", "client": "teams"},
        {
            "at": "PT1H20M",
            "user": MEGAN,
            "action": "setPresence",
            "sessionId": "softphone",
            "availability": "Busy",
            "activity": "InACall",
            "expirationDuration": "PT30M",
        },
        {"at": "PT1H40M", "user": MEGAN, "action": "clearPresence", "sessionId": "softphone"},
    ]
    return {
        "name": "megan",
        "start": START,
        "timeZones": ["Europe/Berlin"],
        "users": 1,
        "steps": steps,
    }


def presence(graph: Graph, user: str) -> dict[str, Any]:
    token = graph.control.app_token("7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11")
    response = graph.admin.get(
        f"/v1.0/users/{user}/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_at_10_30_megan_is_in_a_call(graph: Graph) -> None:
    scenario = graph.control.scenario(file=megans_morning())
    scenario.advance_to("10:30")
    assert (presence(graph, MEGAN)["availability"], presence(graph, MEGAN)["activity"]) == (
        "Busy",
        "InACall",
    )
    scenario.advance_to("10:45")
    assert presence(graph, MEGAN)["activity"] == "Available"
    state = scenario.state()
    assert state["now"].startswith("2026-03-02T09:45:00")
    assert (state["state"], state["applied"], state["errors"]) == ("paused", 4, 0)


def test_seeking_back_replays_from_the_start(graph: Graph) -> None:
    scenario = graph.control.scenario(file=megans_morning())
    scenario.advance_to("10:30")
    scenario.advance_to("09:30")
    assert presence(graph, MEGAN)["activity"] == "Available"
    assert [s["action"] for s in scenario.steps()] == ["signOut", "signIn"]


def test_a_profile_reports_its_name_seed_and_time(graph: Graph) -> None:
    graph.control.scenario("office-day", users=12, seed=7, start=START)
    state = graph.control.advance_to("12:00")
    assert (state["profile"], state["seed"], state["users"]) == ("office-day", 7, 12)
    assert state["now"].startswith("2026-03-02T11:00:00")
    assert state["applied"] > 12
    assert state["errors"] == 0
    users = graph.control.users()
    assert len(users) == 12  # six fixtures, six drawn from the seed


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "jump"}, "action"),
        ({"action": "seek"}, "to goes with seek"),
        ({"action": "start", "profile": "night-shift"}, "no profile 'night-shift'"),
        ({"action": "start", "users": 0}, "users"),
        ({"action": "start", "speed": 5000}, "speed"),
        ({"action": "pause", "seed": 3}, "start only"),
        (
            {
                "action": "start",
                "scenario": {
                    "name": "x",
                    "users": 1,
                    "steps": [{"at": "soon", "user": 0, "action": "signIn"}],
                },
            },
            "not a valid duration",
        ),
        (
            {
                "action": "start",
                "scenario": {
                    "name": "x",
                    "users": 1,
                    "steps": [{"at": "PT1M", "user": 3, "action": "signIn"}],
                },
            },
            "not in the cast",
        ),
    ],
)
def test_a_bad_body_is_a_400_in_the_envelope(
    graph: Graph, body: dict[str, Any], message: str
) -> None:
    response = graph.admin.post("/_mockgraph/scenario", json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]


def test_seek_before_start_is_a_400(graph: Graph) -> None:
    response = graph.admin.post("/_mockgraph/scenario", json={"action": "seek", "to": "10:00"})
    assert response.status_code == 400
    assert "start one first" in response.json()["error"]["message"]


def test_the_shipped_schema_is_the_models() -> None:
    assert json.loads(Path(SCHEMA_PATH).read_text()) == schema()
