"""Where case 15's figure goes: paired rounds of case 1 beside office-day at 600x, with the
parts of the case (subscriptions, renewals, users) each removable, so that what one of them
costs case 1 is measured rather than guessed (docs/performance.md, "Scenarios").

    python -m benchmarks.scenario_parts [--rounds 8] [--subscriptions 0] [--no-renewals]
                                        [--at 16:00]

Not a case of `make bench`: a tool for the work on case 15. Each round measures case 1 with
the scenario paused (quiet: no steps, renewals or deliveries), then running, both from the
same virtual time (a seek back), so that every round loads the same stretch of the day and is
measured against a quiet figure taken a few seconds before it. The figure is calls answered
per second of the server's CPU (wrk saturates it: req/s, with the scheduler's share left out).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.harness.lean_http import LeanConnection
from benchmarks.harness.scenario_clients import (
    SPEED,
    Subscriber,
    find_anchor,
    reader_request,
    virtual_time,
)
from benchmarks.harness.servers import (
    Server,
    cpu_seconds,
    mockgraph_server,
    own_core,
    running,
    webhook_server,
)
from benchmarks.harness.tenant import PRESENCE_BODY_PATH, token, user_id, write_fixtures
from benchmarks.harness.wrk import wrk

# Renewed at the pause, subscriptions outlive a round unrenewed: 1.5 + 2 x `seconds` of wall
# time is 45 virtual minutes at 3 s, under their 59.
MAX_SECONDS = 3.5


@dataclass(frozen=True)
class Parts:
    """What runs beside case 1; all of it by default, as case 15 runs."""

    users: int = 10_000
    subscriptions: int = 1000
    renewals: bool = True
    at: str | None = None  # the day's time (HH:MM) the rounds load; None: just after the start


async def _paired(
    server: Server, webhook: Server, parts: Parts, rounds: int, seconds: float
) -> None:
    """Rounds of case 1 with the scenario paused (quiet: no steps, renewals or deliveries),
    then running, each round from the same virtual time (a seek back), so that every round
    loads the same stretch of the day and a round's ratio is measured against a quiet figure
    of the same minute. Prints each round's ratio and their median."""
    url = server.url + PRESENCE_BODY_PATH.format(id=user_id(1))
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        body = {"action": "start", "profile": "office-day", "users": parts.users, "seed": 1}
        started = await client.post("/_mockgraph/scenario", json={**body, "speed": SPEED})
        begin = started.json()["start"]
        if parts.at is not None:  # subscribed after the seek: a seek on ends subscriptions
            for control in ({"action": "pause"}, {"action": "seek", "to": parts.at}):
                answer = await client.post("/_mockgraph/scenario", json=control)
                if answer.status_code != 200:
                    raise SystemExit(f"--at {parts.at}: {answer.json()['error']['message']}")
            begin = (await client.get("/_mockgraph/scenario")).json()["now"]
            await client.post("/_mockgraph/scenario", json={"action": "resume"})
        sub = Subscriber(client, webhook.url, await find_anchor(client, virtual_time(begin)))
        await sub.subscribe(parts.subscriptions)
        await client.post("/_mockgraph/scenario", json={"action": "pause"})
        # The rounds start from here, the subscriptions renewed to 58 virtual minutes after
        # it: longer than a round runs (MAX_SECONDS), so none ends within one unrenewed.
        since = (await client.get("/_mockgraph/scenario")).json()["now"]
        sub.anchor, sub.speed = (time.monotonic(), virtual_time(since)), 0.0
        connections = [LeanConnection(server.url) for _ in range(16)]
        await sub.renew_once(connections)
        for connection in connections:
            await connection.close()
        sub.speed = SPEED
        bearer = await asyncio.to_thread(token, server.url, **reader_request(0))
        auth = [f"Authorization: Bearer {bearer}"]
        ratios = []
        for number in range(rounds):
            await client.post("/_mockgraph/scenario", json={"action": "seek", "to": since})
            # A seek back replays the day, subscribers told: those deliveries made first.
            await client.post("/_mockgraph/notifications/flush", timeout=120)
            quiet = await asyncio.to_thread(_per_cpu_second, server, url, seconds, auth)
            await client.post("/_mockgraph/scenario", json={"action": "resume"})
            sub.anchor = await find_anchor(client, virtual_time(since))
            renewing = asyncio.create_task(sub.renew_forever()) if parts.renewals else None
            await asyncio.sleep(1.5)
            during = await asyncio.to_thread(_per_cpu_second, server, url, seconds, auth)
            if renewing is not None:
                renewing.cancel()
                await asyncio.gather(renewing, return_exceptions=True)
            await client.post("/_mockgraph/scenario", json={"action": "pause"})
            ratios.append(during / quiet)
            print(
                f"round {number + 1}: {quiet:,.0f} req/s quiet, {during:,.0f} during: "
                f"{during / quiet:.3f}x"
            )
        failed = sub.window.renewal_failures or "none"
        print(
            f"median {statistics.median(ratios):.3f}x over {rounds} rounds; "
            f"renewals failed: {failed}"
        )


def _per_cpu_second(server: Server, url: str, seconds: float, headers: list[str]) -> float:
    """Case 1's calls answered per second of the server's CPU (it is saturated: req/s too)."""
    pid = server.process.pid if server.process is not None else 0
    used, started = cpu_seconds(pid), time.monotonic()
    load = wrk(url, seconds, headers=headers)
    return load.rps * (time.monotonic() - started) / max(1e-9, cpu_seconds(pid) - used)


def _fixtures(work: Path, subscriptions: int) -> Path:
    """The fixtures' users: those subscribed to, and at least case 15's 1,000 (the same cast)."""
    fixtures = work / "users-scenario.json"
    write_fixtures(fixtures, max(1000, subscriptions), idle=True)
    return fixtures


def main() -> None:
    flags = argparse.ArgumentParser(description=_paired.__doc__)
    flags.add_argument("--rounds", type=int, default=8)
    flags.add_argument(
        "--seconds", type=float, default=3.0, help=f"seconds per wrk run (<= {MAX_SECONDS})"
    )
    flags.add_argument("--users", type=int, default=10_000, help="the scenario's users")
    flags.add_argument("--subscriptions", type=int, default=1000)
    flags.add_argument("--no-renewals", action="store_true", help="renew only between rounds")
    flags.add_argument("--at", help="the day's time the rounds load (HH:MM); default: the start")
    args = flags.parse_args()
    if not 1 <= args.seconds <= MAX_SECONDS or args.rounds < 1:
        flags.error(f"--seconds must be 1 to {MAX_SECONDS}, --rounds at least 1")
    parts = Parts(args.users, args.subscriptions, not args.no_renewals, args.at)
    with (
        tempfile.TemporaryDirectory() as work,
        running(mockgraph_server(_fixtures(Path(work), args.subscriptions))) as server,
        running(webhook_server()) as webhook,
        own_core(server, webhook) as placement,
    ):
        print(f"office-day at 600x, {parts}; {placement}")
        asyncio.run(_paired(server, webhook, parts, args.rounds, args.seconds))


if __name__ == "__main__":
    main()
