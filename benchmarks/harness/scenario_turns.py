"""Case 15's figure for case 1: the scenario's server and a quiet one loaded in turns.

A ratio of two figures taken a minute apart on this shared machine moves by 0.05-0.1 between
identical runs (docs/performance.md, stop 33). So, as case 1's own log target does, the two
are loaded in turns, one wrk run each per round (A, B, then B, A, ...): the quiet server (case
1's fixtures, no scenario) while the scenario is paused and its renewals stopped, so that
nothing else runs on the servers' CPU; then the scenario's server, running, with its
renewals, once they have had a second to settle. Each round seeks the scenario back to the
same virtual time first, so every round loads the same stretch of the day, and waits for the
notifications of that seek's replay to be delivered (since stop 34: before, they were still
going out during the next load, mostly the quiet one, which shares the servers' CPU).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from benchmarks.harness.scenario_clients import SPEED, Subscriber, find_anchor, virtual_time
from benchmarks.harness.wrk import Load, wrk

# Seconds the scenario runs, its renewals and deliveries with it, before case 1 is loaded.
SETTLE = 1.0


class Renewing:
    """The subscriptions' renewals (Subscriber.renew_forever), stopped and started again."""

    def __init__(self, sub: Subscriber) -> None:
        self.sub = sub
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.sub.renew_forever())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None


async def _control(sub: Subscriber, action: str, **more: str) -> None:
    answer = await sub.client.post("/_mockgraph/scenario", json={"action": action, **more})
    if answer.status_code != 200:
        raise RuntimeError(f"{action}: {answer.status_code} {answer.text}")


async def pause(sub: Subscriber, renewing: Renewing, since: str) -> float:
    """Renewals stopped, the scenario paused and sought back to `since` (an ISO date-time):
    every round of case 1 loads the same stretch of the day. A seek back replays the day from
    its start, subscribers told (docs/scenarios.md): its thousands of notifications are
    delivered before this returns, or they would share the servers' CPU with the next load.
    The virtual time it is at."""
    await renewing.stop()
    await _control(sub, "pause")
    await _control(sub, "seek", to=since)
    await drain(sub)
    return virtual_time(since)


async def drain(sub: Subscriber) -> None:
    """Every delivery the scenario's server has pending made (POST /_mockgraph/notifications/
    flush waits for them)."""
    answer = await sub.client.post("/_mockgraph/notifications/flush", timeout=120)
    if answer.status_code != 200 or answer.json()["pending"]:
        raise RuntimeError(f"flushing the deliveries: {answer.status_code} {answer.text}")


async def move_on(sub: Subscriber, renewing: Renewing, to: str, count: int) -> str:
    """The scenario paused and moved on to `to` (HH:MM of its first day, or an ISO date-time),
    and its `count` subscriptions made again there: a seek on plays every step on the way, and
    the subscriptions, renewed no more, end on it. The ISO date-time the clock stands at."""
    await renewing.stop()
    await _control(sub, "pause")
    await _control(sub, "seek", to=to)
    await drain(sub)
    now: str = (await sub.client.get("/_mockgraph/scenario")).json()["now"]
    # Made on the paused clock: their expiries reckoned from where it stands.
    sub.made.clear()
    sub.anchor, sub.speed = (time.monotonic(), virtual_time(now)), 0.0
    try:
        await sub.subscribe(count)
    finally:
        sub.speed = SPEED
    return now


async def resume(sub: Subscriber, renewing: Renewing, paused_at: float) -> None:
    """The scenario running again from `paused_at`, its clock's anchor found anew (renewals
    reckon expiries from it), renewals started, and SETTLE seconds of it."""
    await _control(sub, "resume")
    sub.anchor = await find_anchor(sub.client, paused_at)
    renewing.start()
    await asyncio.sleep(SETTLE)


async def in_turns(
    sub: Subscriber,
    renewing: Renewing,
    targets: tuple[dict[str, Any], dict[str, Any]],
    since: str,
    rounds: int,
    seconds: float,
) -> tuple[list[Load], list[Load]]:
    """`rounds` wrk runs of `seconds` each on the quiet server and on the scenario's, in turns
    (quiet, scenario, then scenario, quiet, ...); `targets` are their wrk arguments (url,
    headers). Each round seeks the scenario back to `since` first. The scenario is running
    when this starts; it is left paused."""
    loads: tuple[list[Load], list[Load]] = ([], [])

    async def load(which: int) -> None:
        options = targets[which]
        loads[which].append(await asyncio.to_thread(wrk, seconds=seconds, **options))

    for index in range(rounds):
        paused_at = await pause(sub, renewing, since)
        if index % 2 == 0:
            await load(0)
            await resume(sub, renewing, paused_at)
            await load(1)
        else:
            await resume(sub, renewing, paused_at)
            await load(1)
            await pause(sub, renewing, since)
            await load(0)
    return loads
