"""Case 8 of `make bench` (`--case fanout`): subscriptions on distinct users, a burst of
changes, and a local webhook (benchmarks/webhook.py) that notes when each notification came."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import Report, Row, percentile
from benchmarks.harness.servers import (
    Sampler,
    Server,
    mockgraph_server,
    running,
    webhook_server,
)
from benchmarks.harness.tenant import READER_APP, WRITER_APP, user_id, write_fixtures
from mockgraph.notifications.webhooks import WebhookClient

FANOUT_CASE = "8. notification fan-out"
# Each round moves every user to the next state, so that every change is a notification.
FANOUT_STATES = [
    ("Busy", "InACall"),
    ("Away", "Away"),
    ("DoNotDisturb", "Presenting"),
    ("Available", "Available"),
    ("Busy", "InAConferenceCall"),
]
FANOUT_SENDERS = 32


@dataclass
class FanOut:
    subscriptions: int
    changes: int
    delivered: int
    failed_changes: int
    burst_s: float
    elapsed_s: float
    latencies_ms: list[float]
    rss_subscribed_mib: float


async def _subscribe_all(client: httpx.AsyncClient, webhook: str, count: int) -> None:
    """One subscription per user, each made by that user (Graph allows one per user per app)."""
    expiry = (datetime.now(UTC) + timedelta(minutes=55)).isoformat()
    gate = asyncio.Semaphore(16)

    async def subscribe(index: int) -> None:
        async with gate:
            minted = await client.post(
                "/_mockgraph/tokens",
                json={
                    "userId": user_id(index),
                    "scopes": ["Presence.Read.All"],
                    "appId": READER_APP,
                },
            )
            created = await client.post(
                "/v1.0/subscriptions",
                headers={"Authorization": f"Bearer {minted.json()['access_token']}"},
                json={
                    "changeType": "updated",
                    "notificationUrl": webhook + "/notify",
                    "resource": f"/communications/presences/{user_id(index)}",
                    "expirationDateTime": expiry,
                    "clientState": "fan-out",
                },
            )
            created.raise_for_status()

    await asyncio.gather(*(subscribe(i) for i in range(count)))


def _change(index: int, users: int) -> bytes:
    """The setPresence body of the `index`-th change: its round's state."""
    availability, activity = FANOUT_STATES[(index // users) % len(FANOUT_STATES)]
    body = {
        "sessionId": WRITER_APP,
        "availability": availability,
        "activity": activity,
        "expirationDuration": "PT1H",
    }
    return json.dumps(body).encode()


async def _burst(
    server: str, writer: str, users: int, changes: int
) -> tuple[dict[str, list[float]], int]:
    """`changes` setPresence calls over `users` users; when each was sent, and how many failed.

    Each sender owns its own users and goes round after round through them, so one user's
    changes are made one after the other and the k-th notification about a user answers its
    k-th change. The calls go through mockgraph's own lean webhook client: httpx would spend
    more CPU sending the burst than mockgraph spends serving and delivering it.
    """
    sent: dict[str, list[float]] = {user_id(i): [] for i in range(users)}
    failed = 0
    client = WebhookClient(keep=FANOUT_SENDERS)
    headers = [("Authorization", f"Bearer {writer}"), ("Content-Type", "application/json")]

    async def sender(first: int) -> None:
        nonlocal failed
        for index in range(changes):
            if index % users % FANOUT_SENDERS != first:
                continue
            target = user_id(index % users)
            body = _change(index, users)
            sent[target].append(time.monotonic())
            answer = await client.post(
                f"{server}/v1.0/users/{target}/presence/setPresence", body, headers, 30
            )
            failed += answer.status != 200

    await asyncio.gather(*(sender(first) for first in range(FANOUT_SENDERS)))
    return sent, failed


async def fan_out(
    mockgraph: Server, webhook: str, users: int, changes: int, seconds: float
) -> FanOut:
    """Subscribe to `users` users, change their presence `changes` times, and wait (at most
    `seconds`) until the webhook has answered every notification."""
    server = mockgraph.url
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        await _subscribe_all(client, webhook, users)
        subscribed = mockgraph.rss()
        minted = await client.post(
            "/_mockgraph/tokens", json={"appId": WRITER_APP, "roles": ["Presence.ReadWrite.All"]}
        )
        writer = minted.json()["access_token"]
        started = time.monotonic()
        sent, failed = await _burst(server, writer, users, changes)
        burst = time.monotonic() - started
        while time.monotonic() < started + seconds:
            if int((await client.get(webhook + "/count")).text) >= changes:
                break
            await asyncio.sleep(0.05)
        arrivals: list[tuple[str, float]] = (await client.get(webhook + "/arrivals")).json()
    latencies, seen = [], dict.fromkeys(sent, 0)
    for target, stamp in arrivals:
        index = seen[target]
        seen[target] += 1
        if index < len(sent[target]):
            latencies.append((stamp - sent[target][index]) * 1000)
    last = max((stamp for _, stamp in arrivals), default=started)
    return FanOut(
        users, changes, len(arrivals), failed, burst, last - started, latencies, subscribed
    )


def run_fanout(bench: Bench) -> None:
    """Case 8, bounded in time; its row, or the reason it has none."""
    users, changes = (50, 250) if bench.quick else (1000, 5000)
    seconds = 30 if bench.quick else 180
    print(f"case 8: notification fan-out, {users:,} subscriptions", flush=True)
    fixtures = bench.work / "users-fanout.json"
    write_fixtures(fixtures, users, idle=True)
    with running(mockgraph_server(fixtures)) as server, running(webhook_server()) as webhook:
        case = fan_out(server, webhook.url, users, changes, seconds)
        with Sampler(server) as sampler:
            try:
                # The whole case, subscribing included, is bounded in time.
                result = asyncio.run(asyncio.wait_for(case, timeout=2 * seconds))
            except TimeoutError:
                bench.report.skipped[FANOUT_CASE] = f"not done in {2 * seconds} s"
                print(f"  not done in {2 * seconds} s", flush=True)
                return
        after = server.rss()
    row = _row(result, max(sampler.peak, after))
    bench.report.rows.append(row)
    print(
        f"  {result.delivered:,}/{changes:,} delivered in {result.elapsed_s:.1f} s: "
        f"{row.rps or 0:.0f}/s, p50 {row.p50_ms or 0:.1f} ms, p99 {row.p99_ms or 0:.1f} ms, "
        f"RSS {result.rss_subscribed_mib:.0f} -> peak {row.rss_after_mib:.0f} MiB "
        f"(after {after:.0f})",
        flush=True,
    )


def _row(result: FanOut, peak: float) -> Row:
    latencies = sorted(result.latencies_ms)
    return Row(
        f"{FANOUT_CASE}, {result.subscriptions:,} subscriptions",
        "mockgraph",
        rps=result.delivered / result.elapsed_s if result.elapsed_s else None,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        rss_idle_mib=result.rss_subscribed_mib,
        rss_after_mib=peak,
        requests=result.delivered,
        errors=result.changes - result.delivered + result.failed_changes,
        note=f"burst of {result.changes:,} changes sent in {result.burst_s:.1f} s; req/s: "
        "deliveries/s; latency: from sending the change to the webhook's 202; RSS: "
        "subscribed, before the burst, and at its peak",
    )


def evaluate_fanout(report: Report) -> None:
    """Every change notified, and memory at the burst's peak against before it."""
    fanout = report.first(FANOUT_CASE)
    if fanout and fanout.rss_idle_mib and fanout.rss_after_mib:
        report.target(
            "fan-out: every change notified",
            not fanout.errors,
            f"{fanout.requests:,} delivered, {fanout.errors} missing or failed",
        )
        report.target(
            "fan-out: RSS at the burst's peak <= 1.5x before it",
            fanout.rss_after_mib <= 1.5 * fanout.rss_idle_mib,
            f"{fanout.rss_after_mib:.0f} MiB vs {fanout.rss_idle_mib:.0f} MiB",
        )
