"""Fair delivery: one tenant's dead webhooks do not delay another tenant's notifications, and
a subscription's backlog is capped, the oldest waiting dropped and listed."""

from __future__ import annotations

import asyncio
import time

from mockgraph.notifications.delivery import Deliverer
from mockgraph.notifications.models import Delivery, Subscription


def _subscription(tenant: str, sub_id: str, url: str) -> Subscription:
    return Subscription(
        sub_id, tenant, "app", "creator", "/communications/presences", (), url, None, None,
        0.0, False, None, None, None,
    )  # fmt: skip


async def _webhooks() -> tuple[asyncio.Server, asyncio.Server, list[float]]:
    """A dead webhook (takes the connection, answers nothing until the client hangs up) and a
    healthy one (202)."""
    delivered: list[float] = []

    async def dead(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            pass
        writer.close()

    async def healthy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                return
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            delivered.append(time.monotonic())
            writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()

    return (
        await asyncio.start_server(dead, "127.0.0.1", 0),
        await asyncio.start_server(healthy, "127.0.0.1", 0),
        delivered,
    )


async def _stop(deliverer: Deliverer, *servers: asyncio.Server) -> None:
    """Cancel every delivery and every webhook's connection, and let them finish."""
    deliverer.cancel_all()
    await asyncio.sleep(0.1)
    for server in servers:
        server.close()
        await server.wait_closed()


def _url(server: asyncio.Server) -> str:
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"


def test_dead_webhooks_of_other_tenants_do_not_delay_a_healthy_tenant() -> None:
    async def scenario() -> float:
        dead, healthy, delivered = await _webhooks()
        deliverer = Deliverer(lambda _: 0.0, attempts=1, backoff=0.1, timeout=2.0, log_size=100)
        # 40 tenants, each with webhooks that will time out.
        for tenant in range(40):
            for index in range(4):
                sub = _subscription(f"dead-{tenant}", f"d-{tenant}-{index}", _url(dead))
                deliverer.enqueue(Delivery(sub, sub.notification_url, "change", {}))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        sub = _subscription("healthy", "h", _url(healthy))
        deliverer.enqueue(Delivery(sub, sub.notification_url, "change", {}))
        while not delivered and time.monotonic() - started < 10:
            await asyncio.sleep(0.01)
        await _stop(deliverer, dead, healthy)
        return delivered[0] - started

    assert asyncio.run(scenario()) < 1.0


def test_a_full_backlog_drops_the_oldest_waiting_and_says_so() -> None:
    async def scenario() -> Deliverer:
        dead, healthy, _ = await _webhooks()
        deliverer = Deliverer(
            lambda _: 0.0, attempts=1, backoff=0.1, timeout=5.0, log_size=100, backlog=10
        )
        sub = _subscription("t", "s", _url(dead))
        for index in range(25):
            deliverer.enqueue(Delivery(sub, sub.notification_url, "change", {"n": index}))
        await asyncio.sleep(0.05)
        left = await deliverer.wait(0)
        assert left == 10
        await _stop(deliverer, dead, healthy)
        return deliverer

    deliverer = asyncio.run(scenario())
    assert deliverer.dropped == {}  # cancel_all forgets the subscription and its count


def test_drops_are_listed_as_dropped_attempts() -> None:
    async def scenario() -> list[tuple[str, object]]:
        dead, healthy, _ = await _webhooks()
        deliverer = Deliverer(
            lambda _: 0.0, attempts=1, backoff=0.1, timeout=5.0, log_size=100, backlog=10
        )
        sub = _subscription("t", "s", _url(dead))
        for index in range(25):
            deliverer.enqueue(Delivery(sub, sub.notification_url, "change", {"n": index}))
        assert deliverer.dropped == {"s": 15}
        listed = [(a.outcome, a.payload) for a in deliverer.log]
        await _stop(deliverer, dead, healthy)
        return listed

    listed = asyncio.run(scenario())
    # The head (in flight) stays; the oldest waiting ones (1..15) go, in order.
    assert listed == [("dropped", {"n": n}) for n in range(1, 16)]
