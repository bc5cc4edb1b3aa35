"""`mockgraph serve --scenario`: a real server process plays a profile from its start, set by
flags or by MOCKGRAPH_SCENARIO_* variables; presence changes live, over Graph."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from tests.processes import Served

START = "2026-03-02T08:00:00+01:00"
SPEED = 60.0


def scenario(server: Served) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/_mockgraph/scenario", timeout=5)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def signed_in_users(server: Served) -> list[str]:
    """The users the scenario has signed in so far (from its journal)."""
    steps = httpx.get(f"{server.url}/_mockgraph/scenario/steps", timeout=5).json()["value"]
    return [s["userId"] for s in steps if s["action"] == "signIn" and s["error"] is None]


def presences(server: Served, token: str, ids: list[str]) -> dict[str, str]:
    answer = httpx.post(
        f"{server.url}/v1.0/communications/getPresencesByUserId",
        headers={"Authorization": f"Bearer {token}"},
        json={"ids": ids},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return {p["id"]: p["availability"] for p in answer.json()["value"]}


def watch_it_play(server: Served, users: int, seed: int) -> None:
    state = scenario(server)
    assert state["state"] == "running"
    assert (state["profile"], state["seed"], state["speed"]) == ("office-day", seed, SPEED)
    assert state["users"] == users
    assert datetime.fromisoformat(state["start"]) == datetime.fromisoformat(START)
    # The clock moves 60 virtual seconds a second; steps are applied as it passes them.
    first = datetime.fromisoformat(state["now"])
    token = server.token(userId=READER, scopes=["Presence.Read.All"], expiresIn=604800)
    deadline = time.monotonic() + 30
    later = state
    while time.monotonic() < deadline and later["applied"] == state["applied"]:
        time.sleep(0.5)
        later = scenario(server)
    # Arrivals are spread to the second from 08:00: more steps come within seconds.
    assert later["applied"] > state["applied"], later
    moved = (datetime.fromisoformat(later["now"]) - first).total_seconds()
    assert moved >= 60, later
    seen = signed_in_users(server)
    assert seen
    # Everyone was signed out at the start; a user the scenario signed in reads as present.
    available = presences(server, token, seen[-20:])
    assert any(a != "Offline" for a in available.values()), available


READER = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"  # Adele, in the fixtures (and the cast)


def test_serve_plays_the_scenario_its_flags_name(tmp_path: Path) -> None:
    server = Served(
        tmp_path,
        "--scenario", "office-day", "--users", "200", "--speed", "60",
        "--scenario-seed", "7", "--scenario-start", START, "--log-level", "warning",
    ).start()  # fmt: skip
    try:
        watch_it_play(server, 200, 7)
    finally:
        assert server.stop() == 0


def test_serve_plays_the_scenario_its_variables_name(tmp_path: Path) -> None:
    env = {
        "MOCKGRAPH_SCENARIO": "office-day",
        "MOCKGRAPH_SCENARIO_USERS": "50",
        "MOCKGRAPH_SCENARIO_SPEED": "60",
        "MOCKGRAPH_SCENARIO_SEED": "3",
        "MOCKGRAPH_SCENARIO_START": START,
        "MOCKGRAPH_LOG_LEVEL": "warning",
    }
    server = Served(tmp_path, env=env).start()
    try:
        watch_it_play(server, 50, 3)
    finally:
        assert server.stop() == 0
