"""The bundled profiles: the same seed gives the same day; every step is one the service takes."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime

import pytest

from mockgraph.scenarios.profiles import PROFILES
from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PRESENCE_WALL

START = "2026-03-02T08:00:00+01:00"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_a_profile_plays_to_its_end_with_no_refused_step(graph: Graph, profile: str) -> None:
    scenario = graph.control.scenario(profile, users=9, seed=3, start=START)
    scenario.advance_to(scenario.state()["end"])
    state = scenario.state()
    assert state["applied"] == state["steps"] > 9
    assert [s for s in scenario.steps() if s["error"]] == []


def test_the_same_seed_gives_the_same_day_and_another_seed_another(graph: Graph) -> None:
    def day(seed: int) -> list[tuple[object, ...]]:
        scenario = graph.control.scenario("office-day", users=8, seed=seed, start=START)
        scenario.advance_to("20:00")
        return [(s["at"], s["userId"], s["action"], s["activity"]) for s in scenario.steps()]

    assert day(5) == day(5)
    assert day(5) != day(6)


def test_users_the_fixtures_lack_are_drawn_from_the_seed(graph: Graph) -> None:
    graph.control.scenario("all-hands", users=10, seed=2, start=START)
    first = {u["userPrincipalName"] for u in graph.control.users()}
    graph.control.scenario("all-hands", users=10, seed=2, start=START)
    assert {u["userPrincipalName"] for u in graph.control.users()} == first
    assert len(first) == 10


def test_a_drawn_users_photo_shows_nobody_elses_initials(graph: Graph) -> None:
    """Drawn users get the fixtures' silhouettes without their owners' initials."""
    graph.control.scenario("all-hands", users=30, seed=2, start=START)
    client = graph.as_app(PRESENCE_WALL, "ProfilePhoto.Read.All")

    def photo(user_id: str) -> str:
        response = client.get(f"/v1.0/users/{user_id}/photo/$value")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/jpeg"
        return hashlib.sha256(response.content).hexdigest()[:12]

    fixtures = {photo(user_id) for user_id in (ADELE, ALEX, LEE, MEGAN, NESTOR)}
    drawn = {photo(u["id"]) for u in graph.control.users()[6:]}
    assert len(drawn) > 1
    assert not drawn & fixtures


@pytest.mark.parametrize("profile", ["office-day", "contact-centre", "flaky-network"])
def test_no_virtual_second_holds_a_burst_once_the_day_has_started(profile: str) -> None:
    # People join a meeting over minutes, not on its scheduled second (docs/scenarios.md,
    # "Profiles"); the start's own moment is the state the day starts from.
    start = datetime.fromisoformat(START)
    steps = PROFILES[profile](10_000, 1, start).steps
    per_second = Counter(step.offset for step in steps if step.offset > 0)
    assert max(per_second.values()) <= 100
