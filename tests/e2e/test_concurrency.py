"""64 concurrent clients on overlapping users: no 5xx, no lost update, ordered sequence
numbers, and a journal that counts every request."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockgraph.app import create_app
from mockgraph.server import ServerThread
from mockgraph.settings import Settings
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI, PRESENCE_SYNC

CLIENTS = 64
PER_CLIENT = 60  # requests per client, at most
TIME_LIMIT = 30.0  # seconds, at most
USERS = [ADELE, ALEX, MEGAN, LEE, NESTOR, PATTI]
SESSIONS = ["one", "two", "three"]
PAIRS = [
    ("Available", "Available"),
    ("Busy", "InACall"),
    ("Away", "Away"),
    ("DoNotDisturb", "Presenting"),
    ("Busy", "InAConferenceCall"),
]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with ServerThread(create_app(Settings(journal_size=100_000))) as server:
        yield server.url


def client_run(url: str, token: str, seed: int, deadline: float, results: dict[str, Any]) -> None:
    rng = random.Random(seed)
    sent = 0
    statuses: list[int] = []
    seen: dict[str, list[str]] = {}
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        while sent < PER_CLIENT and time.monotonic() < deadline:
            user = rng.choice(USERS)
            roll = rng.random()
            if roll < 0.4:
                availability, activity = rng.choice(PAIRS)
                response = http.post(
                    f"/v1.0/users/{user}/presence/setPresence",
                    json={
                        "sessionId": rng.choice(SESSIONS),
                        "availability": availability,
                        "activity": activity,
                        "expirationDuration": "PT4H",
                    },
                )
            elif roll < 0.55:
                response = http.post(
                    f"/v1.0/users/{user}/presence/clearPresence",
                    json={"sessionId": rng.choice(SESSIONS)},
                )
            else:
                response = http.get(f"/v1.0/users/{user}/presence")
                if response.status_code == 200:
                    seen.setdefault(user, []).append(response.json()["sequenceNumber"])
            statuses.append(response.status_code)
            sent += 1
    results[str(seed)] = {"sent": sent, "statuses": statuses, "seen": seen}


def test_concurrent_clients_lose_nothing(server_url: str) -> None:
    admin = httpx.Client(base_url=server_url, timeout=30)
    admin.post("/_mockgraph/reset")
    token = admin.post(
        "/_mockgraph/tokens", json={"appId": PRESENCE_SYNC, "roles": ["Presence.ReadWrite.All"]}
    ).json()["access_token"]
    deadline = time.monotonic() + TIME_LIMIT
    results: dict[str, Any] = {}
    threads = [
        threading.Thread(target=client_run, args=(server_url, token, seed, deadline, results))
        for seed in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT + 30)

    sent = sum(r["sent"] for r in results.values())
    statuses = [s for r in results.values() for s in r["statuses"]]
    assert len(results) == CLIENTS
    assert all(s < 500 for s in statuses), sorted(set(statuses))
    assert set(statuses) <= {200, 404}  # 404: clearing a session that is not there

    # Each reader saw every user's sequence number move forward only.
    for result in results.values():
        for numbers in result["seen"].values():
            assert numbers == sorted(numbers)

    # The journal has every request, and replaying its writes in the server's order gives
    # exactly the sessions the server holds: no update was lost.
    journal = admin.get("/_mockgraph/requests").json()
    entries = [e for e in journal["value"] if e["appId"] == PRESENCE_SYNC]
    assert journal["dropped"] == 0
    assert len(entries) == sent
    expected: dict[tuple[str, str], tuple[str, str] | None] = {}
    for entry in sorted(entries, key=lambda e: e["sequence"]):
        user = entry["path"].split("/")[3]
        if entry["path"].endswith("/setPresence") and entry["status"] == 200:
            body = entry["body"]
            expected[(user, body["sessionId"])] = (body["availability"], body["activity"])
        elif entry["path"].endswith("/clearPresence") and entry["status"] == 200:
            expected[(user, entry["body"]["sessionId"])] = None
    state = admin.get("/_mockgraph/state").json()
    held = {
        (u["id"], s["sessionId"]): (s["availability"], s["activity"])
        for u in state["users"]
        for s in u["sessions"]
        if s["sessionId"] in SESSIONS
    }
    assert held == {key: value for key, value in expected.items() if value is not None}
    admin.close()
    print(f"\nconcurrency: {CLIENTS} clients, {sent} requests, 0 lost")
