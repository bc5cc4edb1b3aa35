"""The soak case (`--case soak`, not part of `make bench`): 200,000 mixed calls, sign-ins
included, against one server, its RSS sampled every 10 s; memory must stay flat.

The mix: presence reads and writes, getPresencesByUserId, user lists with $filter, password
grants with refresh tokens and refresh-token redemptions, authorization codes from the sign-in
page (login_hint) never redeemed, journal reads, and hostile calls (a URL past the limit, a
nested $batch, two Authorization headers). Every figure is printed as a Markdown table for
docs/performance.md.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import Report, Row
from benchmarks.harness.servers import mockgraph_server, running
from benchmarks.harness.tenant import TENANT, token

CASE = "14. soak"
CALLS = 200_000
SAMPLE_EVERY = 10.0
DEADLINE = 1800.0  # the whole soak stops after 30 minutes, whatever it has sent
WORKERS = 8
# Of the built-in seed (mockgraph/default_fixtures.json).
ADELE = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
ADELE_UPN = "adele.vance@contoso.example"
ADELE_PASSWORD = "Adele-Pa55!"
BUSY_LIGHT = "4e6a8c0b-2d4f-4a6c-8e0a-2c4e6a8c0b13"
PRESENCE_SYNC = "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11"
PATTI = "5c7e9a1b-3d5f-4b7d-8e9f-1a3c5e7b9d21"
TOKEN_URL = f"/{TENANT}/oauth2/v2.0/token"
AUTHORIZE_URL = f"/{TENANT}/oauth2/v2.0/authorize"


@dataclass
class Soak:
    url: str
    reader: str
    writer: str
    limit: int
    sent: int = 0
    errors: int = 0  # 5xx or transport errors; a 4xx the mix asks for is expected
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _mix(soak: Soak) -> list[Callable[[httpx.Client], httpx.Response]]:
    """One round of the mix, 20 calls; every call is bounded by the client's timeout."""
    read = {"Authorization": f"Bearer {soak.reader}"}
    write = {"Authorization": f"Bearer {soak.writer}"}
    busy = {"sessionId": "soak", "availability": "Busy", "activity": "InACall"}
    password = {
        "grant_type": "password",
        "client_id": BUSY_LIGHT,
        "username": ADELE_UPN,
        "password": ADELE_PASSWORD,
        "scope": "offline_access User.Read",
    }
    sign_in = {
        "client_id": BUSY_LIGHT,
        "response_type": "code",
        "redirect_uri": "http://localhost",
        "scope": "User.Read",
        "login_hint": ADELE_UPN,
    }

    page = {k: v for k, v in sign_in.items() if k != "login_hint"}
    nested = {"requests": [{"id": "1", "method": "POST", "url": "/$batch", "body": {}}]}
    presence = f"/v1.0/users/{PATTI}/presence"
    two = [("Authorization", read["Authorization"]), ("Authorization", "Bearer x")]

    def refresh(client: httpx.Client) -> httpx.Response:
        granted = client.post(TOKEN_URL, data=password).json()["refresh_token"]
        form = {**password, "grant_type": "refresh_token", "refresh_token": granted}
        return client.post(TOKEN_URL, data=form)

    def get(path: str, **options: object) -> Callable[[httpx.Client], httpx.Response]:
        return lambda client: client.get(path, **options)  # type: ignore[arg-type]

    def post(path: str, **options: object) -> Callable[[httpx.Client], httpx.Response]:
        return lambda client: client.post(path, **options)  # type: ignore[arg-type]

    return [
        *[get(presence, headers=read)] * 8,
        *[post(f"{presence}/setPresence", json=busy, headers=write)] * 3,
        post("/v1.0/communications/getPresencesByUserId", json={"ids": [PATTI]}, headers=read),
        get("/v1.0/users", params={"$filter": "startswith(displayName,'A')"}, headers=write),
        refresh,
        get(AUTHORIZE_URL, params=sign_in),
        get(AUTHORIZE_URL, params=page),
        get("/_mockgraph/requests"),
        get(presence, params={"x": "a" * 20_000}, headers=read),
        post("/v1.0/$batch", json=nested, headers=read),
        get(presence, headers=two),
    ]


Call = Callable[[httpx.Client], httpx.Response]


def _worker(soak: Soak, calls: list[Call], stop: float) -> None:
    with httpx.Client(base_url=soak.url, timeout=30, follow_redirects=False) as client:
        for call in itertools.cycle(calls):
            with soak.lock:
                if soak.sent >= soak.limit or time.monotonic() > stop:
                    return
                soak.sent += 1
            try:
                failed = call(client).status_code >= 500
            except (httpx.TransportError, KeyError, ValueError):
                failed = True
            if failed:
                with soak.lock:
                    soak.errors += 1


def _sample(soak: Soak, server_rss: Callable[[], float], done: threading.Event) -> None:
    started = time.monotonic()
    while True:
        soak.samples.append((time.monotonic() - started, server_rss(), soak.sent))
        if done.wait(SAMPLE_EVERY):
            soak.samples.append((time.monotonic() - started, server_rss(), soak.sent))
            return


def run_soak(bench: Bench) -> None:
    print("case 14: soak", flush=True)
    calls = 2_000 if bench.quick else CALLS
    with running(mockgraph_server()) as server:
        roles = ["Presence.ReadWrite.All", "User.Read.All"]
        soak = Soak(
            server.url,
            token(server.url, userId=ADELE, scopes=["Presence.Read.All"], appId=BUSY_LIGHT),
            token(server.url, appId=PRESENCE_SYNC, roles=roles),
            calls,
        )
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(soak, server.rss, done), daemon=True)
        sampler.start()
        stop = time.monotonic() + DEADLINE
        mix = _mix(soak)
        threads = [
            threading.Thread(target=_worker, args=(soak, mix[i:] + mix[:i], stop))
            for i in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        sampler.join()
    _report(bench.report, soak)


def _report(report: Report, soak: Soak) -> None:
    # The baseline: once a quarter of the calls are in, the journal (10,000 calls) is full and
    # every cache warm; from there on RSS should stay flat.
    warm = next(rss for _, rss, sent in soak.samples if sent >= soak.sent // 4)
    peak = max(rss for _, rss, _ in soak.samples)
    report.rows.append(
        Row(
            f"{CASE}, {soak.sent:,} mixed calls",
            "mockgraph",
            rss_idle_mib=warm,
            rss_after_mib=soak.samples[-1][1],
            requests=soak.sent,
            errors=soak.errors,
            note=f"RSS every {SAMPLE_EVERY:g} s, peak {peak:.0f} MiB; before: at a quarter",
        )
    )
    print("\n| seconds | calls sent | RSS (MiB) |\n|---:|---:|---:|")
    for seconds, rss, sent in soak.samples:
        print(f"| {seconds:.0f} | {sent:,} | {rss:.1f} |")
    print(f"\n{soak.sent:,} calls, {soak.errors} errors, peak {peak:.1f} MiB", flush=True)


def evaluate_soak(report: Report) -> None:
    """Flat memory: the end within 10 % (or 8 MiB) of the RSS at a quarter of the calls."""
    row = report.first(CASE)
    if row is None or row.rss_after_mib is None or row.rss_idle_mib is None:
        return
    allowed = max(row.rss_idle_mib * 1.1, row.rss_idle_mib + 8)
    report.target(
        "soak: RSS flat (end <= max(1.1x, +8 MiB) of the RSS at a quarter of the calls)",
        row.rss_after_mib <= allowed,
        f"{row.rss_after_mib:.0f} MiB vs {row.rss_idle_mib:.0f} MiB at a quarter",
    )
    report.target("soak: no 5xx", row.errors == 0, f"{row.errors} errors")
