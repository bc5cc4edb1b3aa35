"""Delivery to webhooks: the validation handshake, one ordered queue per subscription, several
subscriptions' notifications in one POST (paced per URL: pacing.py), retries with backoff, and
the attempt log."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from mockgraph.errors import BadRequest
from mockgraph.notifications.models import Attempt, Delivery, Subscription
from mockgraph.notifications.pacing import Pacing

if TYPE_CHECKING:
    from mockgraph.notifications.webhooks import WebhookClient

log = logging.getLogger("mockgraph.notifications")

# Graph waits this long for an endpoint to echo the validation token.
HANDSHAKE_TIMEOUT = 10.0
# Deliveries in flight at once per tenant, each on a connection of its own kept open for the
# next: a tenant's dead or slow webhooks hold its own workers only.
MAX_CONNECTIONS = 8
# Deliveries a subscription may have waiting; past it the oldest waiting one is dropped, as
# Graph drops notifications to an endpoint that keeps failing
# (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks, "Throttling").
MAX_BACKLOG = 1000
# "When many changes occur, Microsoft Graph may send multiple notifications that correspond to
# different subscriptions in the same POST request"
# (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks). A worker posts
# with its subscription's notification those of the others already waiting for the same URL,
# up to this many notifications in one POST (our figure: the page gives none).
MAX_BATCH = 100
_JSON = [("Content-Type", "application/json")]
# What a subscription still has to deliver, the head first.
Queue = deque[Delivery]
# Logs one attempt: (attempt, status, error, perf_counter at the start, outcome).
Record = Callable[[int, int | None, str | None, float, str], None]


class Deliverer:
    """Every subscription's deliveries, in order per subscription, by a bounded pool of workers
    per tenant sharing one HTTP client; no Graph call ever waits for a webhook, and no tenant's
    webhooks wait for another's.

    A subscription with something to deliver is in its tenant's ready queue at most once, so no
    two workers ever post for the same subscription at the same time. A failed attempt goes
    back to the ready queue only after its backoff, without holding a worker meanwhile. A
    subscription's backlog is capped at `backlog`: the oldest waiting delivery is dropped,
    logged and listed as a "dropped" attempt.
    """

    def __init__(
        self,
        now: Callable[[str], float],
        *,
        attempts: int,
        backoff: float,
        timeout: float,
        log_size: int,
        workers: int = MAX_CONNECTIONS,
        backlog: int = MAX_BACKLOG,
    ) -> None:
        self._now = now
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.log: deque[Attempt] = deque(maxlen=log_size)
        # What each subscription still has to deliver, the head first; no key when nothing.
        self._pending: dict[str, deque[Delivery]] = {}
        # The attempts made at each subscription's head so far.
        self._tries: dict[str, int] = {}
        # Per tenant: the subscriptions ready for an attempt, and the workers serving them.
        self._ready: dict[str, asyncio.Queue[str]] = {}
        # The subscriptions ready for an attempt (in a ready queue and not yet taken), and,
        # of those whose next delivery may share a POST, each (tenant, URL)'s in the order
        # they became ready. A worker that takes some of them into its POST leaves their
        # entries in the queue behind, to be passed over (they are no longer ready).
        self._queued: set[str] = set()
        self._joinable: dict[tuple[str, str], _Waiting] = {}
        # How soon each URL may have its next POST of change notifications (pacing.py).
        self._pacing = Pacing()
        self._workers: dict[str, list[asyncio.Task[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._size = workers
        self.backlog = backlog
        # Deliveries dropped from a full backlog, per subscription.
        self.dropped: dict[str, int] = {}
        self._busy = 0
        self._http: WebhookClient | None = None

    def _client(self) -> WebhookClient:
        # Imported on first use: a server without subscriptions never needs it.
        from mockgraph.notifications.webhooks import WebhookClient

        if self._http is None:
            self._http = WebhookClient(keep=self._size)
        return self._http

    async def handshake(self, subscription: Subscription, url: str) -> None:
        """Graph's validation request; 400 unless the endpoint echoes the token in time."""
        from mockgraph.notifications.webhooks import WebhookError

        token = (
            f"Validation: Testing client application reachability for subscription "
            f"Request-Id: {uuid.uuid4()}"
        )
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        # The notification URL's own query string is kept
        # (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks).
        parts = urlsplit(url)
        query = "&".join(filter(None, (parts.query, urlencode({"validationToken": token}))))
        try:
            answer = await self._client().post(
                urlunsplit(parts._replace(query=query, fragment="")),
                b"",
                [("Content-Type", "text/plain; charset=utf-8")],
                HANDSHAKE_TIMEOUT,
            )
            status = answer.status
            if status != 200 or answer.text != token:
                error = "the answer was not 200 with the decoded validationToken as its body"
        except WebhookError as exc:
            error = str(exc)
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
        self._busy += 1
        queue = self._pending.get(sub_id)
        if queue is not None:
            queue.append(delivery)
            if len(queue) > self.backlog:
                self._drop_oldest(sub_id, queue)
            return
        self._pending[sub_id] = deque((delivery,))
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # Queues and tasks belong to one event loop; an app moved to another starts over.
            self._loop, self._ready, self._workers = loop, {}, {}
            self._queued, self._joinable, self._pacing = set(), {}, Pacing()
            for waiting in self._pending:
                if waiting != sub_id:
                    self._make_ready(waiting)
        self._make_ready(sub_id)

    def _make_ready(self, sub_id: str) -> None:
        """Queue a subscription with something to deliver for its tenant's next free worker,
        and note it by URL if its next delivery may share a POST."""
        queue = self._pending.get(sub_id)
        if not queue or sub_id in self._queued:
            return
        head = queue[0]
        tenant_id = head.subscription.tenant_id
        self._queued.add(sub_id)
        if _joinable(head):
            waiting = self._joinable.setdefault((tenant_id, head.url), _Waiting())
            waiting[sub_id] = len(head.payload.get("value", ()))
            waiting.total += waiting[sub_id]
        self._ready_queue(tenant_id).put_nowait(sub_id)

    def _take(self, sub_id: str) -> Queue | None:
        """A ready subscription's queue, now no longer ready; None if it was not ready (taken
        into another's POST, or cancelled)."""
        if sub_id not in self._queued:
            return None
        self._queued.discard(sub_id)
        queue = self._pending.get(sub_id)
        if queue:
            head = queue[0]
            waiting = self._joinable.get((head.subscription.tenant_id, head.url))
            if waiting is not None:
                waiting.total -= waiting.pop(sub_id, 0)
                if not waiting:
                    del self._joinable[(head.subscription.tenant_id, head.url)]
        return queue or None

    def _ready_queue(self, tenant_id: str) -> asyncio.Queue[str]:
        """A tenant's ready queue, with a worker more if it has fewer than its share."""
        ready = self._ready.get(tenant_id)
        if ready is None:
            ready = self._ready[tenant_id] = asyncio.Queue()
        workers = self._workers.setdefault(tenant_id, [])
        if len(workers) < self._size:
            loop = asyncio.get_running_loop()
            name = f"mockgraph-webhook-{tenant_id}-{len(workers)}"
            workers.append(loop.create_task(self._work(ready), name=name))
        return ready

    def _drop_oldest(self, sub_id: str, queue: deque[Delivery]) -> None:
        """The oldest delivery not in flight goes (the head may be mid-attempt)."""
        dropped = queue[1]
        del queue[1]
        self._busy -= 1
        count = self.dropped[sub_id] = self.dropped.get(sub_id, 0) + 1
        self._record(dropped)(
            0, None, f"backlog of {self.backlog} full", time.perf_counter(), "dropped"
        )
        if count == 1 or count % 100 == 0:
            log.warning(
                "subscription %s: its webhook is behind by %d notifications; the oldest "
                "waiting one was dropped (%d so far)",
                sub_id,
                self.backlog,
                count,
            )

    def cancel(self, sub_id: str) -> None:
        """Drop whatever a subscription still had to deliver."""
        self._take(sub_id)
        queue = self._pending.pop(sub_id, None)
        self._tries.pop(sub_id, None)
        self.dropped.pop(sub_id, None)
        if queue is not None:
            self._busy -= len(queue)

    def cancel_all(self) -> None:
        for sub_id in list(self._pending):
            self.cancel(sub_id)
        self.log.clear()
        # Every tenant's workers go too; the next delivery starts its tenant's afresh.
        for workers in self._workers.values():
            for worker in workers:
                worker.cancel()
        self._ready, self._workers, self._queued, self._joinable = {}, {}, set(), {}
        self._pacing = Pacing()
        if self._http is not None:
            self._http.close()

    async def wait(self, timeout: float) -> int:
        """Wait until every pending delivery is done (retries included); the number left."""
        deadline = time.monotonic() + timeout
        while self._busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self._busy

    async def _work(self, ready: asyncio.Queue[str]) -> None:
        while True:
            sub_id = await ready.get()
            if self._hold(sub_id):
                continue  # its URL had a POST too lately (pacing.py)
            queue = self._take(sub_id)
            if queue is None:
                continue  # taken into another's POST meanwhile, or cancelled
            batch = [(sub_id, queue)]
            head = queue[0]
            if _joinable(head):
                self._pacing.posted((head.subscription.tenant_id, head.url), self._clock())
                batch += self._waiting_for(head)
            try:
                await self._attempt(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivering a notification failed")

    def _hold(self, sub_id: str) -> bool:
        """Hold a ready subscription back until its URL may have a POST again (pacing.py), if
        its next delivery may share a POST and fewer than a full POST's worth of notifications
        (its own included) wait for the URL; True when held."""
        queue = self._pending.get(sub_id)
        if sub_id not in self._queued or not queue or not _joinable(queue[0]):
            return False
        key = (queue[0].subscription.tenant_id, queue[0].url)
        until = self._pacing.opens(key, self._clock())
        waiting = self._joinable.get(key)
        if until is None or waiting is None or waiting.total >= MAX_BATCH:
            return False
        self._pacing.hold(key, sub_id, until, self._release)
        return True

    def _release(self, key: tuple[str, str]) -> None:
        """A URL may have a POST again: what was held back for it is ready (the first worker's
        POST takes the others along, up to MAX_BATCH)."""
        for sub_id in self._pacing.release(key):
            if sub_id in self._queued:
                self._ready_queue(key[0]).put_nowait(sub_id)

    @staticmethod
    def _clock() -> float:
        return asyncio.get_running_loop().time()

    def _waiting_for(self, head: Delivery) -> list[tuple[str, Queue]]:
        """The ready subscriptions whose next delivery is a change notification for `head`'s
        URL, oldest first, while the POST stays within MAX_BATCH notifications; taken."""
        waiting = self._joinable.get((head.subscription.tenant_id, head.url))
        room = MAX_BATCH - len(head.payload["value"])
        taken: list[tuple[str, Queue]] = []
        for sub_id in list(waiting or ()):
            queue = self._pending.get(sub_id)
            count = len(queue[0].payload["value"]) if queue else 0
            if count > room:
                break  # the next POST takes it, first: the order they came in is kept
            queue = self._take(sub_id)
            if queue is not None:
                taken.append((sub_id, queue))
                room -= count
        return taken

    async def _attempt(self, batch: list[tuple[str, Queue]]) -> None:
        """One POST of the head of each queue in `batch` (one subscription's, or several
        waiting for one URL), then what follows from it for each."""
        heads = [queue[0] for _, queue in batch]
        started = time.perf_counter()
        status, error = await self._post(heads)
        for (sub_id, queue), delivery in zip(batch, heads, strict=True):
            if self._pending.get(sub_id) is not queue:
                continue  # removed meanwhile: nothing more to say about it
            attempt = self._tries.get(sub_id, 0) + 1
            last = attempt == self.attempts
            outcome = "delivered" if error is None else ("gaveUp" if last else "retrying")
            self._record(delivery)(attempt, status, error, started, outcome)
            if error is not None and not last:
                self._tries[sub_id] = attempt
                asyncio.get_running_loop().call_later(
                    self.backoff * 2 ** (attempt - 1), self._make_ready, sub_id
                )
                continue
            self._tries.pop(sub_id, None)
            queue.popleft()
            self._busy -= 1
            if queue:
                self._make_ready(sub_id)
            else:
                del self._pending[sub_id]

    async def _post(self, heads: list[Delivery]) -> tuple[int | None, str | None]:
        """(status, error) of one POST of the notifications of `heads` (to the first's URL);
        error None for a 2xx."""
        from mockgraph.notifications.webhooks import WebhookError

        payload = heads[0].payload
        if len(heads) > 1:
            payload = {"value": [item for head in heads for item in head.payload["value"]]}
        body = json.dumps(payload, separators=(",", ":")).encode()
        try:
            answer = await self._client().post(heads[0].url, body, _JSON, self.timeout)
        except WebhookError as exc:
            return None, str(exc)
        return answer.status, None if 200 <= answer.status < 300 else f"HTTP {answer.status}"

    def _record(self, delivery: Delivery) -> Record:
        """A function that logs one attempt at `delivery`."""
        subscription = delivery.subscription

        def record(
            attempt: int, status: int | None, error: str | None, started: float, outcome: str
        ) -> None:
            self.log.append(
                Attempt(
                    self._now(subscription.tenant_id),
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


class _Waiting(dict[str, int]):
    """The ready subscriptions whose next delivery may share a POST to one URL, oldest first,
    each with its notification's item count; `total`, their sum."""

    total = 0


def _joinable(delivery: Delivery) -> bool:
    """A change notification of basic content: its POST may carry other subscriptions' too.
    (A rich one's `validationTokens` vouch for its own app; a lifecycle event goes alone.)"""
    return delivery.kind == "change" and len(delivery.payload) == 1
