"""Scenario files cut from the bundled profiles, for tests that need a short stretch of one."""

from __future__ import annotations

from typing import Any

from mockgraph.scenarios.model import Scenario


def as_file(scenario: Scenario, name: str, start: str, until: float) -> dict[str, Any]:
    """The scenario's steps up to `until` seconds after its start, as a scenario file."""
    steps = []
    for step in scenario.steps:
        if step.offset > until:
            break
        fields = {k: getattr(step, k) for k in step._fields if k != "offset"}
        given = {k: v for k, v in fields.items() if v is not None}
        steps.append({"at": f"PT{int(step.offset)}S", **given})
    return {"name": name, "start": start, "users": scenario.users, "steps": steps}
