"""A test's handle on the server's scenario (POST and GET /_mockgraph/scenario)."""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

# MockGraphAdmin._call: (method, path, body, params) -> the answer's JSON.
Call = Callable[..., dict[str, Any]]


class Scenario:
    """The scenario a test started: move it, pause it, read where it is and what it did."""

    def __init__(self, call: Call) -> None:
        self._call = call

    def _act(self, action: str, **more: Any) -> dict[str, Any]:
        return self._call("POST", "/scenario", {"action": action, **more})

    def state(self) -> dict[str, Any]:
        """`{"state", "name", "profile", "seed", "users", "speed", "now", ...}`."""
        return self._call("GET", "/scenario")

    def advance_to(self, when: str | datetime) -> dict[str, Any]:
        """Play the scenario to `when`: "10:30" (on its first day, in its first time zone) or a
        date-time; every step on the way is applied, and its notifications sent."""
        return self._act("seek", to=when if isinstance(when, str) else when.isoformat())

    def pause(self) -> dict[str, Any]:
        return self._act("pause")

    def resume(self) -> dict[str, Any]:
        return self._act("resume")

    def stop(self) -> dict[str, Any]:
        return self._act("stop")

    def steps(self, limit: int = 100_000) -> builtins.list[dict[str, Any]]:
        """The steps applied so far, oldest first, with the presence each left."""
        value: builtins.list[dict[str, Any]] = self._call(
            "GET", "/scenario/steps", params={"limit": limit}
        )["value"]
        return value

    def wait_finished(self, timeout: float = 60.0) -> dict[str, Any]:
        """Wait (polling) until a running scenario has played its last step."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state["state"] != "running" or time.monotonic() > deadline:
                return state
            time.sleep(0.05)
