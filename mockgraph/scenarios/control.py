"""The scenario of one app: start, pause, resume, stop and seek, and the ticker that plays it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mockgraph.domain.times import format_offset_datetime
from mockgraph.errors import BadRequest
from mockgraph.scenarios.engine import BATCH, Run, Subscribers
from mockgraph.scenarios.model import Scenario
from mockgraph.state.store import Store

log = logging.getLogger("mockgraph")
# The ticker wakes often enough that the clock trails its target by under half a virtual
# second (at 600x: every 0.83 ms), but no more often than every millisecond.
LAG_GOAL = 0.5


class Scenarios:
    """The one scenario an app plays (or none), on one tenant's clock.

    At speed 1 the tenant's clock runs on its own (wall time) and the ticker applies each step
    as the clock passes it; at any other speed the clock is frozen and the ticker moves it,
    `speed` virtual seconds per real second, applying each step at its own moment.
    """

    def __init__(
        self,
        store: Store,
        subscribers: Subscribers,
        *,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.subscribers, self.wall = store, subscribers, wall
        self.run: Run | None = None
        self.state = "idle"  # idle, running, paused, finished, stopped
        self.speed = 1.0
        self.follow = False  # speed 1 on a running clock: wall time
        self._anchor = (0.0, 0.0)  # (wall, virtual) when last started or resumed
        self._task: asyncio.Task[None] | None = None
        self.lags: deque[float] = deque(maxlen=2000)
        # A start waiting for the server's loop (mockgraph serve --scenario).
        self.pending: Callable[[], None] | None = None

    # --- control --------------------------------------------------------------------

    def start(
        self, scenario: Scenario, tenant_id: str, speed: float, *, paused: bool = False
    ) -> None:
        start = scenario.start
        if start is None:
            raise BadRequest("The scenario has no start; give one (an ISO date-time).")
        self.stop()
        self.run = Run(scenario, start.timestamp(), self.store, tenant_id, self.subscribers)
        self.speed, self.lags = speed, deque(maxlen=2000)
        self.state = "paused"
        if not paused:
            self.resume()

    def pause(self) -> None:
        run = self._running_or_paused()
        if self.state == "running":
            self._catch_up()
            run.tenant.clock.freeze()
            self.state = "paused"

    def resume(self) -> None:
        run = self._running_or_paused()
        if self.state != "paused":
            return
        clock = run.tenant.clock
        self.follow = self.speed == 1.0
        # What is due where it resumes (a start's first moment: 10,000 users signed out) is
        # applied before its clock runs: the state it starts from, not a step to keep up with.
        run.play_to(clock.timestamp())
        if self.follow:
            clock.resume()
        self._anchor = (self.wall(), clock.timestamp())
        self.state = "running"
        self._wake()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.run is not None:
            self.run.release()
        if self.run is not None and self.state in ("running", "paused", "finished"):
            self.state = "stopped"

    def seek(self, to: datetime) -> None:
        """Move the scenario to `to`: forward plays every step on the way (notifications
        included), backward replays the scenario from its start."""
        run = self._running_or_paused()
        target = to.timestamp()
        if not run.start <= target <= run.end + 86_400:
            raise BadRequest(
                f"to must be within the scenario: from {format_offset_datetime(_at(run.start))} "
                f"to a day after its last step ({format_offset_datetime(_at(run.end))})."
            )
        was = self.state
        if was == "running":
            self.pause()
        if target < run.tenant.clock.timestamp():
            run.rewind()
        run.play_to(target)
        self.state = "paused"
        if was == "running":
            self.resume()

    def _running_or_paused(self) -> Run:
        if self.run is None or self.state not in ("running", "paused", "finished"):
            raise BadRequest("No scenario is loaded; start one first.")
        return self.run

    # --- playing ----------------------------------------------------------------------

    def target(self) -> float:
        """Where the clock should be now: the wall time since the anchor, times the speed."""
        wall, virtual = self._anchor
        if self.follow and self.run is not None:
            return self.run.tenant.clock.timestamp()
        return virtual + (self.wall() - wall) * self.speed

    def tick(self) -> bool:
        """Apply what is due (at most BATCH steps) and move the clock; the ticker calls this.
        False when steps due are left for the next turn of the loop."""
        run = self.run
        if run is None or self.state != "running":
            return True
        target = self.target()
        clock = run.tenant.clock
        # The clock runs on its own at speed 1: steps are applied at their moments, late by
        # a tick.
        done = run.play_to(target, BATCH, move_clock=not self.follow)
        if not self.follow:
            self._lag(run)
        if done and run.finished and target >= run.end:
            clock.freeze()
            self.state = "finished"
        return done

    def _lag(self, run: Run) -> None:
        """How late the oldest moment this tick completed was, in virtual seconds, once it
        was complete: the target then, less the moment's time."""
        if run.completed:
            self.lags.append(max(0.0, self.target() - run.completed[0]))

    def _catch_up(self) -> None:
        if self.run is not None and self.state == "running":
            self.tick()

    def _wake(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: serve's start-up wakes it (see start_pending)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._play(), name="mockgraph-scenario")

    async def _play(self) -> None:
        period = min(0.05, max(0.001, LAG_GOAL / max(self.speed, 1.0)))
        while self.state == "running":
            done = True
            try:
                done = self.tick()
            except Exception:
                log.exception("the scenario's step failed; the scenario is stopped")
                self.stop()
            # Steps left over: the loop's next turn, after the calls waiting meanwhile; else
            # the next moment's wall time, or a period on (the clock moves for its readers).
            await asyncio.sleep(min(period, self._until_next()) if done else 0)

    def _until_next(self) -> float:
        """Wall seconds until the next moment (a step's, or the clock's own change to what a
        subscription watches) is due; inf when there is none or the clock runs on its own."""
        run = self.run
        if run is None or self.follow:
            return float("inf")
        moment = min(run.next_time() or float("inf"), self.subscribers.next_change(run.tenant))
        wall, virtual = self._anchor
        return max(0.0, wall + (moment - virtual) / self.speed - self.wall())

    def start_pending(self) -> None:
        """On the server's loop, start what settings asked for (serve --scenario)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending()
        if self.state == "running":
            self._anchor = (self.wall(), self._anchor[1])
            self._wake()

    # --- reading ------------------------------------------------------------------------

    def as_json(self) -> dict[str, Any]:
        run = self.run
        if run is None:
            return {"state": self.state}
        scenario = run.scenario
        clock = run.tenant.clock
        lags = sorted(self.lags)
        return {
            "state": self.state,
            "name": scenario.name,
            "profile": scenario.profile,
            "seed": scenario.seed,
            "users": scenario.users,
            "speed": self.speed,
            "tenantId": run.tenant_id,
            "start": format_offset_datetime(_at(run.start)),
            "end": format_offset_datetime(_at(run.end)),
            "now": format_offset_datetime(clock.now()),
            "timeZone": (scenario.time_zones or ["UTC"])[0],
            "steps": len(run.steps),
            "applied": run.applied,
            "errors": run.errors,
            "lagSeconds": {
                "p50": lags[len(lags) // 2] if lags else 0.0,
                "p99": lags[int(len(lags) * 0.99)] if lags else 0.0,
                "max": lags[-1] if lags else 0.0,
            },
        }


def _at(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)
