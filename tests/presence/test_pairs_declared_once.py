"""Graph's availability/activity pairs are declared once, in domain/values.py; every other
place (the actions, the dashboard's menus, the OpenAPI examples) reads that declaration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockgraph.domain.values import (
    ACTIVITIES,
    AVAILABILITIES,
    PREFERRED_PRESENCE_PAIRS,
    SESSION_RANK,
    SET_PRESENCE_PAIRS,
)
from tests.client import Graph
from tests.constants import ADELE, PRESENCE_SYNC

PACKAGE = Path(__file__).resolve().parents[2] / "mockgraph"
DECLARATION = PACKAGE / "domain" / "values.py"
ACTIONS = {"setPresence": SET_PRESENCE_PAIRS, "setUserPreferredPresence": PREFERRED_PRESENCE_PAIRS}


def _body(action: str, availability: str, activity: str) -> dict[str, Any]:
    body = {"availability": availability, "activity": activity}
    return {"sessionId": PRESENCE_SYNC, **body} if action == "setPresence" else body


def test_every_pair_is_made_of_declared_values() -> None:
    for availability, activity in SET_PRESENCE_PAIRS | PREFERRED_PRESENCE_PAIRS:
        assert availability in AVAILABILITIES
        assert activity in ACTIVITIES


def test_every_availability_has_a_rank_among_sessions() -> None:
    assert set(SESSION_RANK) == set(AVAILABILITIES)


@pytest.mark.parametrize("value", ["InAConferenceCall", "OffWork", "UrgentInterruptionsOnly"])
def test_no_other_module_lists_the_vocabulary_again(value: str) -> None:
    # Values that only a list of pairs or of the vocabulary would name.
    found = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in {".py", ".js", ".html", ".css"}
        and path != DECLARATION
        and value in path.read_text(encoding="utf-8")
    ]
    assert not found, f"{value} is spelled outside domain/values.py: {found}"


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_takes_its_declared_pairs_and_no_other(graph: Graph, action: str) -> None:
    app = graph.as_app()
    allowed = ACTIONS[action]
    every = {(a, b) for a in AVAILABILITIES for b in ACTIVITIES}
    for availability, activity in sorted(every):
        response = app.post(
            f"/v1.0/users/{ADELE}/presence/{action}", json=_body(action, availability, activity)
        )
        expected = 200 if (availability, activity) in allowed else 400
        assert response.status_code == expected, (availability, activity, response.text)


def test_the_dashboard_offers_the_declared_pairs(graph: Graph) -> None:
    meta = graph.admin.get("/_mockgraph/ui/meta").json()
    assert {tuple(p) for p in meta["setPresencePairs"]} == SET_PRESENCE_PAIRS
    assert {tuple(p) for p in meta["preferredPresencePairs"]} == PREFERRED_PRESENCE_PAIRS


def test_the_openapi_examples_use_declared_pairs(graph: Graph) -> None:
    paths = graph.admin.get("/openapi.json").json()["paths"]
    seen = 0
    for path, operations in paths.items():
        action = path.rsplit("/", 1)[-1]
        if action not in ACTIONS:
            continue
        example = operations["post"]["requestBody"]["content"]["application/json"]["example"]
        assert (example["availability"], example["activity"]) in ACTIONS[action], path
        seen += 1
    assert seen >= 2 * len(ACTIONS)
