"""Parallel CI jobs sharing one server, each in its own tenant, never see each other."""

from __future__ import annotations

import threading
import time
import uuid

import httpx

from tests.client import Graph
from tests.constants import PATTI, PRESENCE_SYNC

ROUNDS = 60
TIME_LIMIT = 30.0


def job(graph: Graph, tenant: str, failures: list[str]) -> None:
    """One CI job: set Patti's presence over and over and read back only its own writes."""
    with httpx.Client(base_url=graph.base_url, timeout=10) as http:

        def token(**body: object) -> str:
            answer = http.post("/_mockgraph/tokens", json={**body, "tenantId": tenant})
            return str(answer.json()["access_token"])

        auth = {
            "Authorization": "Bearer "
            + token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
        }
        http.post("/_mockgraph/reset", params={"tenant": tenant})
        deadline = time.monotonic() + TIME_LIMIT
        pairs = [("Busy", "InACall"), ("Away", "Away"), ("DoNotDisturb", "Presenting")]
        for round_ in range(ROUNDS):
            if time.monotonic() > deadline:
                failures.append(f"{tenant}: out of time")
                return
            availability, activity = pairs[(round_ + hash(tenant)) % len(pairs)]
            http.post(
                f"/v1.0/users/{PATTI}/presence/setPresence",
                headers=auth,
                json={"sessionId": tenant, "availability": availability, "activity": activity},
            )
            seen = http.get(f"/v1.0/users/{PATTI}/presence", headers=auth).json()
            if (seen["availability"], seen["activity"]) != (availability, activity):
                failures.append(f"{tenant}: wrote {availability}, read {seen['availability']}")
        journal = http.get("/_mockgraph/requests", params={"tenant": tenant}).json()["value"]
        if {e["tenant"] for e in journal} != {tenant} or len(journal) != 2 * ROUNDS:
            failures.append(
                f"{tenant}: journal holds {len(journal)} entries of "
                f"{ {e['tenant'] for e in journal} }"
            )


def test_tenants_are_isolated_under_concurrent_load(live: Graph) -> None:
    tenants = [str(uuid.uuid4()) for _ in range(6)]
    failures: list[str] = []
    threads = [threading.Thread(target=job, args=(live, t, failures)) for t in tenants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT + 10)

    assert failures == []
    # The fixtures' own tenant saw none of it.
    assert live.presence(PATTI)["availability"] == "Offline"
