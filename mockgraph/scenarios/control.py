"""The scenario of one app: start, pause, resume, stop and seek, and the ticker that plays it."""

from __future__ import annotations

import asyncio
import gc
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
from mockgraph.state.store import Store, Tenant

log = logging.getLogger("mockgraph")
# The ticker wakes at each moment (a step's, or the clock's own change to what a subscription
# watches), and at least this often (wall seconds): calls catch the tenant up themselves, so
# the ticker is there for notifications between calls, and for what a call changed.
IDLE = 0.05
# ... and at most this often: at 600x on 10,000 users a moment falls due every half
# millisecond, and a turn of the loop for each cost the server a tenth of a core where one
# every TICK costs half that. Calls catch up before they read, so no caller sees the clock
# behind for it; a notification waits up to TICK longer (docs/performance.md, "Scenarios").
TICK = 0.005
# A scenario this large is frozen out of the garbage collector's scans once loaded.
FREEZE_AT = 10_000
# The most steps one call's catch-up applies (a bound, far above a second's worth at 600x).
CATCH_UP = 50_000
# The first year a scenario may not start in.
LAST_YEAR = 9000


class Scenarios:
    """The one scenario an app plays (or none), on one tenant's clock.

    At speed 1 the tenant's clock runs on its own (wall time) and the ticker applies each step
    as the clock passes it; at any other speed the clock is frozen and the ticker moves it,
    `speed` virtual seconds per real second, applying each step at its own moment.

    Every Graph call on the scenario's tenant first catches it up (`catch_up`): the steps due
    by the clock's target are applied and the clock is set to it, so no caller ever sees the
    clock or the presence behind where the scenario should be, however busy the server is.
    The ticker does the same between calls, so notifications go out on time.
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
        # The ids of the tenants a running scenario plays on (one or none): the gateway
        # catches a tenant up before each call on it when its id is in here (a live view).
        self.playing: set[str] = set()
        # After each call's catch-up: how far the clock was still behind its target (virtual
        # seconds; 0 unless CATCH_UP cut it short), and the largest since the start.
        self.lags: deque[float] = deque(maxlen=2000)
        self.lag_max = 0.0
        # After each play that applied a moment: how late the oldest one was (virtual s).
        self.delays: deque[float] = deque(maxlen=2000)
        # A start waiting for the server's loop (mockgraph serve --scenario).
        self.pending: Callable[[], None] | None = None

    # --- control --------------------------------------------------------------------

    def start(
        self, scenario: Scenario, tenant_id: str, speed: float, *, paused: bool = False
    ) -> None:
        start = scenario.start
        if start is None:
            raise BadRequest("The scenario has no start; give one (an ISO date-time).")
        if start.year >= LAST_YEAR:
            # With steps and status messages at most 100 years on each, every moment stays a
            # date Python can write.
            raise BadRequest(f"The scenario's start must be before the year {LAST_YEAR}.")
        self.stop()
        self.run = Run(scenario, start.timestamp(), self.store, tenant_id, self.subscribers)
        if len(scenario.steps) >= FREEZE_AT:
            # Its steps and its cast live as long as the run and form no cycles: moved out of
            # the collector's way (they are still freed when dropped), or each full collection
            # would walk them all: a third of a second at 10,000 users, the clock stalled.
            gc.freeze()
        self.speed, self.lag_max = speed, 0.0
        self.lags, self.delays = deque(maxlen=2000), deque(maxlen=2000)
        self._set_state("paused")
        if not paused:
            self.resume()

    def pause(self) -> None:
        run = self._running_or_paused()
        if self.state == "running":
            self.catch_up(run.tenant)
            if self.state != "running":
                return  # a step failed: the scenario stopped
            run.tenant.clock.freeze()
            self._set_state("paused")

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
        self._set_state("running")
        self._wake()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.run is not None:
            self.run.release()
            self.run.stop()
        if self.run is not None and self.state in ("running", "paused", "finished"):
            self._set_state("stopped")

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
        self._set_state("paused")
        if was == "running":
            self.resume()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.playing.clear()
        if state == "running" and self.run is not None:
            self.playing.add(self.run.tenant_id)

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
        return self._advance(run, BATCH, reader=False)

    def catch_up(self, tenant: Tenant) -> bool:
        """Before a call reads `tenant`: every step due by the clock's target applied (their
        notifications queued), and the clock at the target. True when every moment up to the
        clock's time has been played and its subscribers told: a scan would find nothing."""
        run = self.run
        if run is None or self.state != "running" or tenant.id != run.tenant_id:
            return False
        if not self.follow and run.open is None:
            wall, virtual = self._anchor
            target = virtual + (self.wall() - wall) * self.speed
            clock = tenant.clock
            if (
                clock.timestamp() <= target < run.next_moment
                and target < self.subscribers.next_change(tenant)
            ):
                # Nothing due by the target (most calls, at any speed): the clock moves on.
                clock.move_frozen(target)
                self.lags.append(0.0)
                return True
        try:
            self._advance(run, CATCH_UP, reader=True)
        except Exception:
            log.exception("the scenario's step failed; the scenario is stopped")
            self.stop()
            return False
        # At speed 1 the clock runs on its own: its changes between moments are not played.
        return not self.follow and run.open is None

    def _advance(self, run: Run, limit: int, *, reader: bool) -> bool:
        """Play to the target, at most `limit` steps. For a `reader` (a call about to read the
        tenant), note how far the clock is still behind the target: the lag a caller sees.
        The ticker's own turns stop short of it on purpose (BATCH), and a call after them
        catches up, so theirs is no lag anyone sees; how late steps were is noted for both."""
        target = self.target()
        clock = run.tenant.clock
        # The clock runs on its own at speed 1: steps are applied at their moments, late by
        # a tick or a call.
        done = run.play_to(target, limit, move_clock=not self.follow)
        if reader and not self.follow:
            lag = max(0.0, target - clock.timestamp())
            self.lags.append(lag)
            if lag > self.lag_max:
                self.lag_max = lag
        if run.completed and not self.follow:
            self.delays.append(max(0.0, self.target() - run.completed[0]))
        if done and run.finished and target >= run.end:
            clock.freeze()
            self._set_state("finished")
        return done

    def _wake(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: serve's start-up wakes it (see start_pending)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._play(), name="mockgraph-scenario")

    async def _play(self) -> None:
        while self.state == "running":
            done = True
            try:
                done = self.tick()
            except Exception:
                log.exception("the scenario's step failed; the scenario is stopped")
                self.stop()
            # Steps left over: the loop's next turn, after the calls waiting meanwhile; else
            # the next moment's wall time (TICK at the soonest), or IDLE on.
            await asyncio.sleep(max(TICK, min(IDLE, self._until_next())) if done else 0)

    def _until_next(self) -> float:
        """Wall seconds until the next moment (a step's, or the clock's own change to what a
        subscription watches) is due; inf when there is none or the clock runs on its own."""
        run = self.run
        if run is None or self.follow:
            return float("inf")
        moment = run.next_due(run.tenant)
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
        lags, delays = sorted(self.lags), sorted(self.delays)
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
            "lagSeconds": {**_percentiles(lags), "max": self.lag_max},
            "stepDelaySeconds": {**_percentiles(delays), "max": delays[-1] if delays else 0.0},
        }


def _percentiles(ordered: list[float]) -> dict[str, float]:
    """p50 and p99 of a sorted sample (0 when empty)."""
    if not ordered:
        return {"p50": 0.0, "p99": 0.0}
    return {"p50": ordered[len(ordered) // 2], "p99": ordered[int(len(ordered) * 0.99)]}


def _at(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)
