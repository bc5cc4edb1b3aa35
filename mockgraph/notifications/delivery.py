"""Delivery to webhooks: the validation handshake, one ordered queue per subscription, retries
with backoff, the attempt log, and the ticker that notices changes nobody asked about."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockgraph.errors import BadRequest
from mockgraph.notifications.models import Attempt, Delivery, Subscription, when

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("mockgraph.notifications")

# Graph waits this long for an endpoint to echo the validation token.
HANDSHAKE_TIMEOUT = 10.0
# Connections kept open to webhooks, shared by every subscription's worker.
MAX_CONNECTIONS = 64
# Logs one attempt: (attempt, status, error, perf_counter at the start, outcome).
Record = Callable[[int, int | None, str | None, float, str], None]


class Deliverer:
    """Every subscription's deliveries: a queue and a worker each, so order holds per
    subscription and no Graph call ever waits for a webhook."""

    def __init__(
        self,
        now: Callable[[str], float],
        *,
        attempts: int,
        backoff: float,
        timeout: float,
        log_size: int,
    ) -> None:
        self._now = now
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.log: deque[Attempt] = deque(maxlen=log_size)
        self._queues: dict[str, asyncio.Queue[Delivery]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._busy = 0
        self._http: httpx.AsyncClient | None = None

    def _client(self) -> httpx.AsyncClient:
        # httpx is imported on first use: it costs start-up time a server without
        # subscriptions never needs.
        import httpx

        if self._http is None:
            self._http = httpx.AsyncClient(
                # A worker waiting for a free connection is not the webhook being slow.
                timeout=httpx.Timeout(self.timeout, pool=None),
                limits=httpx.Limits(
                    max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
                ),
                follow_redirects=False,
            )
        return self._http

    async def handshake(self, subscription: Subscription, url: str) -> None:
        """Graph's validation request; 400 unless the endpoint echoes the token in time."""
        import httpx

        token = (
            f"Validation: Testing client application reachability for subscription "
            f"Request-Id: {uuid.uuid4()}"
        )
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            answer = await self._client().post(
                url,
                params={"validationToken": token},
                content=b"",
                headers={"Content-Type": "text/plain; charset=utf-8"},
                timeout=HANDSHAKE_TIMEOUT,
            )
            status = answer.status_code
            if status != 200 or answer.text != token:
                error = "the answer was not 200 with the decoded validationToken as its body"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" or type(exc).__name__
        outcome = "failed" if error else "validated"
        self._record(Delivery(subscription, url, "validation", {"validationToken": token}))(
            1, status, error, started, outcome
        )
        if error:
            raise BadRequest(
                f"Subscription validation request failed. The notification endpoint {url} must "
                "answer 200 OK with the decoded validationToken as text/plain within 10 "
                f"seconds ({error})."
            )

    def enqueue(self, delivery: Delivery) -> None:
        sub_id = delivery.subscription.id
        queue = self._queues.get(sub_id)
        if queue is None:
            queue = self._queues[sub_id] = asyncio.Queue()
            self._workers[sub_id] = asyncio.get_running_loop().create_task(
                self._work(queue), name=f"mockgraph-webhook-{sub_id}"
            )
        self._busy += 1
        queue.put_nowait(delivery)

    def cancel(self, sub_id: str) -> None:
        """Stop a subscription's worker, with whatever it still had to deliver."""
        worker = self._workers.pop(sub_id, None)
        self._queues.pop(sub_id, None)
        if worker is not None and not worker.done():
            worker.cancel()

    def cancel_all(self) -> None:
        for sub_id in list(self._workers):
            self.cancel(sub_id)
        self.log.clear()

    async def wait(self, timeout: float) -> int:
        """Wait until every pending delivery is done (retries included); the number left."""
        deadline = time.monotonic() + timeout
        while self._busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self._busy

    async def _work(self, queue: asyncio.Queue[Delivery]) -> None:
        while True:
            delivery = await queue.get()
            try:
                await self._deliver(delivery)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivering a notification failed")
            finally:
                self._busy -= 1
                queue.task_done()

    async def _deliver(self, delivery: Delivery) -> None:
        import httpx

        record = self._record(delivery)
        for attempt in range(1, self.attempts + 1):
            started = time.perf_counter()
            status: int | None = None
            error: str | None = None
            try:
                answer = await self._client().post(delivery.url, json=delivery.payload)
                status = answer.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            last = attempt == self.attempts
            outcome = "delivered" if error is None else ("gaveUp" if last else "retrying")
            record(attempt, status, error, started, outcome)
            if error is None:
                return
            if not last:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))

    def _record(
        self, delivery: Delivery
    ) -> Callable[[int, int | None, str | None, float, str], None]:
        """A function that logs one attempt at `delivery`."""
        subscription = delivery.subscription

        def record(
            attempt: int, status: int | None, error: str | None, started: float, outcome: str
        ) -> None:
            self.log.append(
                Attempt(
                    when(self._now(subscription.tenant_id)),
                    subscription.tenant_id,
                    subscription.id,
                    delivery.kind,
                    delivery.url,
                    delivery.payload,
                    attempt,
                    status,
                    error,
                    (time.perf_counter() - started) * 1000,
                    outcome,
                )
            )

        return record


class Ticker:
    """Calls `tick` every `period` seconds once started, so that fades and expiries happen as
    time passes, with no call to notice them."""

    def __init__(self, tick: Callable[[], Any], period: float = 0.25) -> None:
        self._tick = tick
        self._period = period
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mockgraph-scan")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._period)
            try:
                self._tick()
            except Exception:
                log.exception("scanning for presence changes failed")
