"""Case 15 of `make bench` (`--case scenario`): the office-day scenario (issue 26) on 10,000
users at 600x, with 1,000 presence subscriptions delivering to a local webhook
(benchmarks/webhook.py), and case 1 served beside it.

Servers at their defaults (request log on). The scenario is started through
`POST /_mockgraph/scenario`, each of the first 1,000 users (the fixtures' users come first in
the cast) is subscribed to by itself, and for a bounded time the run notes the steps applied,
the notifications received, the server's CPU time and RSS, and the virtual clock's lag (the
server's `lagSeconds`, and the `now` a GET answers against where the anchor puts the clock when
it was sent), with case 1 loaded by wrk once in the middle of it. Case 1's figures for the
target then come in turns with a quiet server of its own (benchmarks/harness/scenario_turns.py):
from the window's middle (late morning), then from AFTERNOON, the day's busiest stretch, to
which the scenario is moved on and its users subscribed to again.
Subscriptions live on the tenant's clock, which runs 600x: an hour of it is 6 s of wall time,
so the run renews every subscription every 40 virtual minutes, on a lean client whose CPU
does not crowd the server's. On a machine of two CPUs or more, the servers have the first to
themselves and wrk, the webhook and this process share the rest (`own_core`): the webhook and
the renewing client are the benchmark's helpers, and their CPU is not the server's to pay.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import Report, Row, percentile
from benchmarks.harness.scenario_clients import (
    SPEED,
    Subscriber,
    Window,
    find_anchor,
    reader_request,
    virtual_time,
)
from benchmarks.harness.scenario_latency import Latency, latency
from benchmarks.harness.scenario_turns import Renewing, in_turns, move_on
from benchmarks.harness.servers import (
    Sampler,
    Server,
    cpu_seconds,
    mockgraph_server,
    own_core,
    running,
    webhook_server,
)
from benchmarks.harness.tenant import (
    PRESENCE_BODY_PATH,
    reader_token,
    token,
    user_id,
    write_fixtures,
)
from benchmarks.harness.wrk import Load, median_load, wrk

SCENARIO_CASE = "15. office-day scenario"
TURNS = (
    "quiet, scenario, then scenario, quiet, ...; each round from the same virtual time, the "
    "deliveries of the seek's replay made first; the scenario paused and its renewals stopped "
    "while the quiet one ran"
)
QUIET_CASE = "15. GET presence (case 1), no scenario"
DURING_CASE = "15. GET presence (case 1), during the scenario"
# The day's busiest stretch: from 14:30 to 18:00 office-day plays 3,300-4,500 steps a second
# at 600x on 10,000 users (the later time zones' day over the first's evening), against
# 2,000-3,300 through the late morning the window's middle falls in.
AFTERNOON = "15:50"
AFTERNOON_QUIET = f"15. GET presence (case 1), no scenario, beside {AFTERNOON}"
AFTERNOON_DURING = f"15. GET presence (case 1), during the scenario at {AFTERNOON}"


@dataclass
class Played:
    """What a run of the scenario gave: the window, its journal and the webhook's arrivals,
    the wall time (monotonic) the scenario's clock started from, and case 1's runs in turns
    (quiet, during) from the window's middle and from AFTERNOON."""

    window: Window
    journal: list[dict[str, Any]]
    arrivals: list[tuple[str, float]]
    wall0: float
    turns: tuple[list[Load], list[Load]]
    afternoon: tuple[list[Load], list[Load]]


async def _watch(
    client: httpx.AsyncClient, window: Window, seconds: float, anchor: tuple[float, float]
) -> None:
    """Poll the scenario's state every 0.25 s for `seconds`: its lag figures, the server's and
    this client's (the clock answered against where the anchor puts it at the GET's send)."""
    deadline = time.monotonic() + seconds
    wall0, start = anchor
    while time.monotonic() < deadline:
        await asyncio.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        sent = time.monotonic()
        state = (await client.get("/_mockgraph/scenario")).json()
        behind = start + (sent - wall0) * SPEED - virtual_time(state["now"])
        window.lag_seen.append(max(0.0, behind))
        window.lag_p99.append(state["lagSeconds"]["p99"])
        window.lag_max.append(state["lagSeconds"]["max"])
        window.delay_p99.append(state["stepDelaySeconds"]["p99"])


async def _applied(client: httpx.AsyncClient) -> int:
    state = (await client.get("/_mockgraph/scenario")).json()
    if state["state"] != "running":
        raise RuntimeError(f"the scenario is {state['state']}, not running")
    applied: int = state["applied"]
    return applied


async def _measure(
    bench: Bench, servers: tuple[Server, Server], sub: Subscriber, seconds: float, case_1: Any
) -> Window:
    """The window: steps, CPU and lag over `seconds`, case 1 loaded in its middle (one wrk
    run, for the lag and the CPU under load; case 1's figure comes from the turns after)."""
    window, client = sub.window, sub.client
    pid, webhook_pid = (s.process.pid if s.process else 0 for s in servers)
    applied = await _applied(client)
    started, cpu = time.monotonic(), cpu_seconds(pid)
    others = (cpu_seconds(webhook_pid), time.process_time())
    window.started = started
    watcher = asyncio.create_task(_watch(client, window, seconds, sub.anchor))
    # Case 1 beside the scenario, in a thread (wrk is a process of its own), mid-window.
    warmup = 0 if bench.quick else 2
    await asyncio.sleep(max(0.0, (seconds - warmup - bench.seconds) / 2))
    if warmup:
        await asyncio.to_thread(wrk, seconds=warmup, **case_1)
    window.middle = (await client.get("/_mockgraph/scenario")).json()["now"]
    loaded, before = time.monotonic(), cpu_seconds(pid)
    window.case_1_rps = (await asyncio.to_thread(wrk, seconds=bench.seconds, **case_1)).rps
    window.cpu_case_1 = (cpu_seconds(pid) - before) / (time.monotonic() - loaded)
    await watcher
    window.wall = time.monotonic() - started
    window.cpu = cpu_seconds(pid) - cpu
    window.cpu_others = (
        (cpu_seconds(webhook_pid) - others[0]) / window.wall,
        (time.process_time() - others[1]) / window.wall,
    )
    window.applied = await _applied(client) - applied
    return window


async def _play(
    bench: Bench,
    servers: tuple[Server, Server, Server],
    subscriptions: int,
    seconds: float,
    quiet: dict[str, Any],
) -> Played:
    """Start the scenario, subscribe, measure the window, then case 1 in turns with the quiet
    server (`quiet`: its wrk arguments), stop it: what was played and measured."""
    server, webhook, _ = servers
    users = 1000 if bench.quick else 10_000
    body = {"action": "start", "profile": "office-day", "users": users, "seed": 1}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        started = await client.post("/_mockgraph/scenario", json={**body, "speed": SPEED})
        started.raise_for_status()
        anchor = await find_anchor(client, virtual_time(started.json()["start"]))
        reader = await asyncio.to_thread(token, server.url, **reader_request(0))
        during = {
            "url": server.url + PRESENCE_BODY_PATH.format(id=user_id(1)),
            "headers": [f"Authorization: Bearer {reader}"],
        }
        sub = Subscriber(client, webhook.url, anchor)
        renewing = Renewing(sub)
        renewing.start()
        try:
            await sub.subscribe(subscriptions)
            window = await _measure(bench, (server, webhook), sub, seconds, during)
            # The journal and the arrivals of the window, whose clock ran unpaused.
            journal = await client.get("/_mockgraph/scenario/steps", params={"limit": 100_000})
            arrivals = (await client.get(webhook.url + "/arrivals")).json()
            targets, rounds = (quiet, during), (bench.runs, bench.seconds)
            turns = await in_turns(sub, renewing, targets, window.middle, *rounds)
            # Then the busy afternoon: moved on to it, subscribed again there (a seek on ends
            # the subscriptions on the way), and in turns from there.
            since = await move_on(sub, renewing, AFTERNOON, subscriptions)
            afternoon = await in_turns(sub, renewing, targets, since, *rounds)
        finally:
            await renewing.stop()
        await client.post("/_mockgraph/scenario", json={"action": "stop"})
    return Played(window, journal.json()["value"], arrivals, anchor[0], turns, afternoon)


def run_scenario(bench: Bench) -> None:
    """Case 15, bounded in time: the scenario's window, then case 1 on it and on a quiet
    server in turns; rows and figures."""
    subscriptions = 50 if bench.quick else 1000
    seconds = 10 if bench.quick else 40
    print(f"case 15: office-day at 600x, {subscriptions:,} subscriptions", flush=True)
    fixtures = bench.work / "users-scenario.json"
    write_fixtures(fixtures, subscriptions, idle=True)
    with (
        running(mockgraph_server(fixtures)) as server,
        running(mockgraph_server(fixtures)) as quiet,
        running(webhook_server()) as webhook,
        own_core(server, webhook, beside=(quiet,)) as placement,
    ):
        path = PRESENCE_BODY_PATH.format(id=user_id(1))
        reader = reader_token(quiet.url)
        case_1: dict[str, Any] = {
            "url": quiet.url + path,
            "headers": [f"Authorization: Bearer {reader}"],
        }
        if not bench.quick:
            wrk(seconds=2, **case_1)  # its warm-up; the scenario's server warms in the window
        idle = (server.rss(), quiet.rss())
        play = _play(bench, (server, webhook, quiet), subscriptions, seconds, case_1)
        with Sampler(server) as sampler:
            try:
                played = asyncio.run(asyncio.wait_for(play, timeout=4 * seconds + 120))
            except TimeoutError:
                bench.report.skipped[SCENARIO_CASE] = f"not done in {4 * seconds + 120} s"
                return
        turns = f"the two loaded in turns ({TURNS}); {placement}"
        for names, runs, where in (
            ((QUIET_CASE, DURING_CASE), played.turns, "the window's middle"),
            ((AFTERNOON_QUIET, AFTERNOON_DURING), played.afternoon, AFTERNOON),
        ):
            notes = (
                "no scenario: a server of its own with case 1's fixtures",
                f"office-day running at 600x, loaded from {where}, {subscriptions:,} "
                "subscriptions renewed over and over",
            )
            for name, box, load, rss, said in zip(
                names, (quiet, server), runs, (idle[1], idle[0]), notes, strict=True
            ):
                note = f"{said}; {turns}"
                bench.add_row(name, box, median_load(load), load, rss, note, spread=True)
    window, since = played.window, played.window.started
    arrivals = [(u, s) for u, s in played.arrivals if s >= since]
    found = latency(played.journal, arrivals, played.wall0, since)
    size = f"{1000 if bench.quick else 10_000:,} users at 600x, {subscriptions:,} subscriptions"
    _report(bench.report, window, found, (idle[0], sampler.peak), (size, len(played.arrivals)))


def _report(
    report: Report,
    window: Window,
    found: Latency,
    rss: tuple[float, float],
    run: tuple[str, int],
) -> None:
    (idle, peak), (size, notified) = rss, run
    lag_p99 = max(window.lag_p99, default=0.0)
    lag_max = max(window.lag_max, default=0.0)
    seen = sorted(window.lag_seen)
    seen_p99, seen_max = percentile(seen, 99) or 0.0, max(seen, default=0.0)
    delay_p99 = max(window.delay_p99, default=0.0)
    cpu = window.cpu / window.wall if window.wall else 0.0
    rate = window.applied / window.wall if window.wall else 0.0
    report.rows.append(
        Row(
            f"{SCENARIO_CASE}, {size}",
            "mockgraph",
            rps=rate,
            p50_ms=percentile(found.latencies_ms, 50),
            p99_ms=percentile(found.latencies_ms, 99),
            rss_idle_mib=idle,
            rss_after_mib=peak,
            requests=window.applied,
            note=f"req/s: steps applied/s over {window.wall:.0f} s; latency: from a step's "
            f"moment (wall) to the webhook, {found.notified:,} of {found.visible:,} visible "
            f"changes of watched users matched ({found.covered_s:.0f} s of journal); "
            f"{notified:,} notifications in all; CPU {cpu:.0%} of a core; RSS: before the "
            f"start, peak; clock lag (virtual s) p99 {lag_p99:.3f}, max {lag_max:.3f} as the "
            f"server measured it, p99 {seen_p99:.3f}, max {seen_max:.3f} as {len(seen):,} GETs "
            f"saw it; steps applied after their moment by up to {delay_p99:.3f} s (p99); "
            f"{window.renewals:,} renewals, failed: {window.renewal_failures or 'none'}; case 1 "
            f"loaded once mid-window {window.case_1_rps:,.0f} req/s, the server's CPU "
            f"{window.cpu_case_1:.0%} meanwhile; the webhook {window.cpu_others[0]:.0%}, "
            f"the benchmark's client {window.cpu_others[1]:.0%}",
        )
    )
    report.figures[SCENARIO_CASE] = {
        "lag_p99_s": lag_p99,
        "lag_max_s": max(lag_max, seen_max),
        "lag_seen_max_s": seen_max,
        "cpu_share": cpu,
        "changes_per_s": rate,
    }
    row = report.rows[-1]
    print(f"  {rate:,.0f} steps/s, p50 {row.p50_ms} ms, p99 {row.p99_ms} ms; {row.note}")


def evaluate_scenario(report: Report) -> None:
    """The clock keeps up (lag < 1 virtual second) and case 1 keeps >= 0.8x of itself."""
    figures = report.figures.get(SCENARIO_CASE)
    if figures:
        report.target(
            "scenario: virtual clock lag < 1 s (max over the run)",
            figures["lag_max_s"] < 1.0,
            f"max {figures['lag_max_s']:.3f} s (the server's or a client's, the larger), "
            f"p99 {figures['lag_p99_s']:.3f} s",
        )
    for names, where in (
        ((QUIET_CASE, DURING_CASE), "the window's middle, late morning"),
        ((AFTERNOON_QUIET, AFTERNOON_DURING), f"{AFTERNOON}, the busiest stretch"),
    ):
        quiet, during = (report.row(name, "mockgraph") for name in names)
        if quiet and during and quiet.rps and during.rps:
            report.target(
                f"scenario ({where}): case 1 during it >= 0.8x without it",
                during.rps >= 0.8 * quiet.rps,
                f"{during.rps / quiet.rps:.2f}x ({during.rps:,.0f} vs {quiet.rps:,.0f} req/s)",
            )
