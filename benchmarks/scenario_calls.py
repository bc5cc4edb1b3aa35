"""What a running scenario costs each of case 1's calls, in process, where the machine's noise
does not swamp it (docs/performance.md, "Scenarios", stop 32).

    python -m benchmarks.scenario_calls [--calls 10000] [--rounds 5] [--renewals] [--at 10:00]

Not a case of `make bench`: a tool for the work on case 15. One app, made in this process:
office-day on 10,000 users at 600x, sought to `--at` (10:00), 1,000 of them each subscribed to by
itself, delivering to a webhook on a loopback port of this process's loop. Case 1's call
(GET a presence, a delegated token) goes straight into the ASGI app, `--calls` times a round,
with the scenario's wall clock moved 60 µs a call (case 1's pace over HTTP); deliveries run
every 50 calls. Printed: CPU µs per call, each round and the median, running, then paused at
the same virtual time on a second app made alike. `--renewals` adds case 15's renewals, a
PATCH of the next subscription every 67 calls (250 a second at that pace). The request log,
which `serve` sets up and which costs a paused call and a running one alike, is left out; so
is the cost of HTTP itself, which in the server makes a call from another connection (a
renewal) or to one (a delivery) cost several times what it costs here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from starlette.types import Message

from benchmarks.harness.scenario_clients import SPEED, reader_request
from benchmarks.harness.tenant import PRESENCE_BODY_PATH, user_id, write_fixtures
from mockgraph.app import create_app
from mockgraph.settings import Settings

SUBSCRIPTIONS = 1000
# Case 1's pace over HTTP: the wall time a call takes the server.
PACE = 60e-6
CONTROL = b"127.0.0.1:8000"
# Case 15 renews its 1,000 subscriptions every 4 s (250 a second): one per 67 calls at PACE.
RENEW_EVERY = 67


class InProcess:
    """One app and the calls made straight into it."""

    def __init__(self, fixtures: Path) -> None:
        self.app = create_app(Settings(fixtures=fixtures))
        self.wall = [1000.0]
        self.app.state.scenarios.wall = lambda: self.wall[0]

    async def call(
        self, method: str, path: str, body: Any = None, bearer: str = "", host: bytes = b""
    ) -> tuple[int, bytes]:
        raw = json.dumps(body).encode() if body is not None else b""
        headers = [(b"host", host or b"graph.microsoft.com")]
        if body is not None:
            headers += [(b"content-type", b"application/json")]
            headers += [(b"content-length", str(len(raw)).encode())]
        if bearer:
            headers.append((b"authorization", f"Bearer {bearer}".encode()))
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "scheme": "https",
            "server": ("graph.microsoft.com", 443),
            "client": ("127.0.0.1", 5000),
            "http_version": "1.1",
            "root_path": "",
        }
        sent: list[Message] = []
        given = False

        async def receive() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": raw, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    async def control(self, path: str, body: Any) -> bytes:
        status, answer = await self.call("POST", path, body, host=CONTROL)
        if status != 200:
            raise SystemExit(f"{path}: {status} {answer[:300]!r}")
        return answer


async def _webhook(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer the validation handshake with its token, and each notification 202."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            target = head.split(b" ")[1]
            if b"validationToken=" in target:
                from_query = target.split(b"validationToken=")[1].decode()
                token = unquote_plus(from_query).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(token), token)
                )
            else:
                writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        writer.close()  # the client went, or the run is over


async def _prepared(
    server: InProcess, webhook_port: int, *, paused: bool, at: str = "10:00"
) -> tuple[str, list[tuple[str, str]]]:
    """office-day running at `at` with its subscriptions (or paused there): a reader's token,
    and each subscription's id with its user's token."""
    start = {"action": "start", "profile": "office-day", "users": 10_000, "seed": 1}
    await server.control("/_mockgraph/scenario", {**start, "speed": SPEED})
    await server.control("/_mockgraph/scenario", {"action": "seek", "to": at})
    runtime = server.app.state.runtime
    tenant = runtime.store.tenant(runtime.fixtures.tenant_id)
    reader, made = "", []
    for index in range(SUBSCRIPTIONS):
        request = {**reader_request(index), "expiresIn": 604800}
        bearer = json.loads(await server.control("/_mockgraph/tokens", request))["access_token"]
        expires = (tenant.clock.now() + timedelta(minutes=59)).isoformat()
        body = {
            "changeType": "updated",
            "notificationUrl": f"http://127.0.0.1:{webhook_port}/notify",
            "resource": f"/communications/presences/{user_id(index)}",
            "expirationDateTime": expires,
        }
        status, answer = await server.call("POST", "/v1.0/subscriptions", body, bearer)
        if status != 201:
            raise SystemExit(f"subscribing: {status} {answer[:300]!r}")
        made.append((json.loads(answer)["id"], bearer))
        reader = reader or bearer
    if paused:
        await server.control("/_mockgraph/scenario", {"action": "pause"})
    return reader, made


async def _renew(server: InProcess, made: list[tuple[str, str]], index: int) -> None:
    """PATCH subscription `index` (round robin) to 59 virtual minutes from its tenant's now."""
    sub_id, bearer = made[index % len(made)]
    runtime = server.app.state.runtime
    clock = runtime.store.tenant(runtime.fixtures.tenant_id).clock
    body = {"expirationDateTime": (clock.now() + timedelta(minutes=59)).isoformat()}
    status, answer = await server.call("PATCH", f"/v1.0/subscriptions/{sub_id}", body, bearer)
    if status != 200:
        raise SystemExit(f"renewing: {status} {answer[:300]!r}")


async def _rounds(
    server: InProcess, tokens: tuple[str, list[tuple[str, str]]], calls: int, rounds: int
) -> list[float]:
    path = PRESENCE_BODY_PATH.format(id=user_id(1))
    bearer, made = tokens
    figures, renewed = [], 0
    for _ in range(rounds):
        started = time.process_time()
        for index in range(calls):
            server.wall[0] += PACE
            status, _ = await server.call("GET", path, None, bearer)
            if status != 200:
                raise SystemExit(f"GET presence: {status}")
            if made and index % RENEW_EVERY == 0:
                await _renew(server, made, renewed)
                renewed += 1
            if index % 50 == 0:
                await asyncio.sleep(0)  # the deliveries' turn
        figures.append((time.process_time() - started) / calls * 1e6)
    return figures


async def _measure(fixtures: Path, calls: int, rounds: int, renewals: bool, at: str) -> None:
    listening = await asyncio.start_server(_webhook, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        for paused in (False, True):
            server = InProcess(fixtures)
            bearer, made = await _prepared(server, port, paused=paused, at=at)
            figures = await _rounds(server, (bearer, made if renewals else []), calls, rounds)
            shown = ", ".join(f"{f:.1f}" for f in figures)
            name = "paused " if paused else "running"
            print(f"{name}: {shown} µs a call; median {statistics.median(figures):.1f}")
            server.app.state.scenarios.stop()
    finally:
        listening.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000, help="calls a round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--renewals",
        action="store_true",
        help="renew a subscription every 67 calls, case 15's 250 renewals a second",
    )
    parser.add_argument("--at", default="10:00", help="the day's time to seek to (HH:MM)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        fixtures = Path(work) / "fixtures.json"
        write_fixtures(fixtures, 1000, idle=True)
        asyncio.run(_measure(fixtures, args.calls, args.rounds, args.renewals, args.at))


if __name__ == "__main__":
    main()
