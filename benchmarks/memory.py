"""Case 7 of `make bench` (`--case memory`): RSS after a long load, and with many busy users."""

from __future__ import annotations

import time

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import Report, Row
from benchmarks.harness.servers import mockgraph_server, running
from benchmarks.harness.tenant import reader_token, token, user_id, write_fixtures
from benchmarks.harness.wrk import wrk

AFTER_CASE = "7. memory after"
WITH_CASE = "7. memory with"
# Two users of the built-in seed (mockgraph/default_fixtures.json): the reader, the read.
SEED_READER = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
SEED_USER = "66825e03-7ef5-42da-9069-724602c31f6b"


def run_memory(bench: Bench, many: int) -> None:
    print("case 7: memory", flush=True)
    memory_after_load(bench)
    memory_with_users(bench, many)


def memory_after_load(bench: Bench) -> None:
    """RSS idle, then after 300,000 GETs (the journal on, at its default bound): thirty times
    what the journal keeps. The soak (case 14) is the long run, with every kind of call."""
    total = 5_000 if bench.quick else 300_000
    with running(mockgraph_server()) as server:
        reader = token(server.url, userId=SEED_READER, scopes=["Presence.Read.All"])
        idle = server.rss()
        sent = 0
        deadline = time.monotonic() + (30 if bench.quick else 90)
        while sent < total and time.monotonic() < deadline:
            sent += wrk(
                server.url + f"/v1.0/users/{SEED_USER}/presence",
                1 if bench.quick else 10,
                headers=[f"Authorization: Bearer {reader}"],
            ).requests
        after = server.rss()
    bench.report.rows.append(
        Row(
            f"{AFTER_CASE} {sent:,} requests",
            "mockgraph",
            rss_idle_mib=idle,
            rss_after_mib=after,
            requests=sent,
            note="journal on, default bound (10,000)",
        )
    )
    print(f"  RSS idle {idle:.0f} MiB, after {sent:,} requests {after:.0f} MiB", flush=True)


def memory_with_users(bench: Bench, many: int) -> None:
    """RSS with `many` users, each with a session and a status message, all read once."""
    busy = bench.work / "users-busy.json"
    write_fixtures(busy, many, busy=True)
    with running(mockgraph_server(busy, name="mockgraph")) as server:
        reader = reader_token(server.url)
        with httpx.Client(headers={"Authorization": f"Bearer {reader}"}, timeout=60) as client:
            # Read every user once, so that every rendered presence is cached too.
            for start in range(0, many, 650):
                ids = [user_id(i) for i in range(start, min(start + 650, many))]
                client.post(
                    server.url + "/v1.0/communications/getPresencesByUserId", json={"ids": ids}
                ).raise_for_status()
        rss = server.rss()
    bench.report.rows.append(
        Row(
            f"{WITH_CASE} {many:,} users",
            "mockgraph",
            rss_after_mib=rss,
            startup_ms=server.startup_ms,
            note="each with a session and a status message, all read",
        )
    )
    print(f"  RSS with {many:,} busy users, all read: {rss:.0f} MiB", flush=True)


def evaluate_memory(report: Report) -> None:
    """RSS after the load against idle, and with 100,000 busy users against a bound."""
    memory = report.first(AFTER_CASE)
    if memory and memory.rss_idle_mib and memory.rss_after_mib:
        report.target(
            "RSS after the load <= 1.5x idle",
            memory.rss_after_mib <= 1.5 * memory.rss_idle_mib,
            f"{memory.rss_after_mib:.0f} MiB vs {memory.rss_idle_mib:.0f} MiB idle "
            f"({memory.requests:,} requests)",
        )
    crowd = report.first(WITH_CASE)
    if crowd and crowd.rss_after_mib:
        report.target(
            "RSS with 100,000 busy users < 300 MiB",
            crowd.rss_after_mib < 300,
            f"{crowd.rss_after_mib:.0f} MiB",
        )
