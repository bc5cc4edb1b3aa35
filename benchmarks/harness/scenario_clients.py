"""The clients of case 15 and of its paired rounds (benchmarks/scenario_parts.py): the
subscriptions a run makes and renews on the scenario's 600x clock, and where that clock stood
when (its anchor)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from benchmarks.harness.lean_http import LeanConnection
from benchmarks.harness.tenant import READER_APP, user_id

SPEED = 600.0
# An hour of the clock is 6 s at 600x. A renewal asks for 59 virtual minutes after the clock's
# time less one (5.8 s of wall time): a pass over them all every 4 s (back to back when a pass
# takes longer), each renewed every 40 virtual minutes, as often as a careful real client.
RENEW_EVERY = 4.0
LIFETIME = timedelta(minutes=59)


@dataclass
class Window:
    """What the measured window saw, on the server's and the webhook's side."""

    started: float = 0.0
    wall: float = 0.0
    applied: int = 0
    cpu: float = 0.0
    # The server's CPU share while wrk loaded case 1; the webhook's and this process's.
    cpu_case_1: float = 0.0
    case_1_rps: float = 0.0  # case 1 loaded once in the window (the lag and CPU under load)
    middle: str = ""  # the scenario's clock when that load began (ISO date-time)
    cpu_others: tuple[float, float] = (0.0, 0.0)
    lag_p99: list[float] = field(default_factory=list)
    lag_max: list[float] = field(default_factory=list)
    # As this client saw it: how far the clock a GET of the scenario answered was behind
    # where 600x since the anchor put it when the GET was sent (virtual s).
    lag_seen: list[float] = field(default_factory=list)
    delay_p99: list[float] = field(default_factory=list)
    renewals: int = 0
    renewal_failures: dict[int, int] = field(default_factory=dict)


def virtual_time(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


class Subscriber:
    """The run's subscriptions: made one per user by that user, and renewed until stopped."""

    def __init__(self, client: httpx.AsyncClient, webhook: str, started: tuple[float, float]):
        self.client, self.webhook = client, webhook
        self.anchor = started  # (wall time, monotonic; the scenario's clock then)
        self.made: list[tuple[str, str]] = []  # (subscription id, its user's token)
        self.window = Window()
        # How fast the scenario's clock runs from the anchor on (0 while it is paused).
        self.speed = SPEED

    def expiry(self) -> str:
        """59 virtual minutes after where the anchor puts the scenario's clock (every call
        catches the clock up to there), less a virtual minute for the anchor's error: within
        Graph's 60, and 18 virtual minutes to spare when the next renewal comes."""
        wall0, start = self.anchor
        now = start + (time.monotonic() - wall0) * self.speed - 60
        return (datetime.fromtimestamp(now, UTC) + LIFETIME).isoformat()

    async def subscribe(self, count: int) -> None:
        gate = asyncio.Semaphore(16)

        async def one(index: int) -> None:
            async with gate:
                minted = await self.client.post("/_mockgraph/tokens", json=reader_request(index))
                bearer = minted.json()["access_token"]
                created = await self.client.post(
                    "/v1.0/subscriptions",
                    headers={"Authorization": f"Bearer {bearer}"},
                    json={
                        "changeType": "updated",
                        "notificationUrl": self.webhook + "/notify",
                        "resource": f"/communications/presences/{user_id(index)}",
                        "expirationDateTime": self.expiry(),
                    },
                )
                if created.status_code != 201:
                    raise RuntimeError(f"subscribing: {created.status_code} {created.text}")
                self.made.append((created.json()["id"], bearer))

        await asyncio.gather(*(one(i) for i in range(count)))

    async def renew_forever(self, every: float = RENEW_EVERY) -> None:
        """PATCH every subscription made so far, on 16 keep-alive connections of a lean
        client (httpx's CPU would be taken from the server), a pass every `every` s (or back
        to back when a pass takes longer); until cancelled."""
        connections = [LeanConnection(str(self.client.base_url)) for _ in range(16)]
        try:
            while True:
                started = time.monotonic()
                await self.renew_once(connections)
                await asyncio.sleep(max(0.0, started + every - time.monotonic()))
        finally:
            for connection in connections:
                await connection.close()

    async def renew_once(self, connections: list[LeanConnection]) -> None:
        """One pass: every subscription made so far PATCHed once, spread over `connections`."""

        async def renew(connection: LeanConnection, made: list[tuple[str, str]]) -> None:
            for sub_id, bearer in made:
                status, _ = await connection.call(
                    "PATCH",
                    f"/v1.0/subscriptions/{sub_id}",
                    {"expirationDateTime": self.expiry()},
                    {"Authorization": f"Bearer {bearer}"},
                )
                self.window.renewals += 1
                if status != 200:
                    failures = self.window.renewal_failures
                    failures[status] = failures.get(status, 0) + 1

        made = list(self.made)
        await asyncio.gather(
            *(renew(c, made[i :: len(connections)]) for i, c in enumerate(connections))
        )


async def find_anchor(client: httpx.AsyncClient, start: float) -> tuple[float, float]:
    """The wall time (monotonic) at which the scenario's clock stood at `start`.

    The clock, moved by the ticker to its target, is at `start + (tick - anchor) * 600` after
    a tick; each of a few GETs of the scenario puts that tick within its round trip. The
    shortest round trip's midpoint gives the anchor, to about half of it plus a tick's period.
    """
    best: tuple[float, float] = (float("inf"), 0.0)
    for _ in range(5):
        sent = time.monotonic()
        now = virtual_time((await client.get("/_mockgraph/scenario")).json()["now"])
        received = time.monotonic()
        best = min(best, (received - sent, (sent + received) / 2 - (now - start) / SPEED))
    return best[1], start


def reader_request(index: int) -> dict[str, Any]:
    """A token of user `index` that reads presence, minted on the scenario's clock (tokens
    are checked on it) and valid for a week of it."""
    scopes = ["Presence.Read.All"]
    return {"userId": user_id(index), "scopes": scopes, "appId": READER_APP, "expiresIn": 604800}
