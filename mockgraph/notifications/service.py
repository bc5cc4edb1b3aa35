"""Subscriptions to presence and their delivery: Graph's rules (reference §5), run for real."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography import x509
from pydantic import Field

from mockgraph.auth.tokens import Principal, TokenAuthority
from mockgraph.domain.times import format_offset_datetime, parse_offset_datetime
from mockgraph.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
)
from mockgraph.fixtures import GUID
from mockgraph.notifications import crypto
from mockgraph.presence import service
from mockgraph.presence.models import GraphBody, parse_body
from mockgraph.store import Store, Tenant

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("mockgraph.notifications")

MAX_LIFETIME = timedelta(minutes=60)
MIN_LIFETIME = timedelta(minutes=45)
MAX_IDS = 650
MAX_CLIENT_STATE = 128
# A lifecycle reauthorizationRequired goes out this long before a subscription expires.
LIFECYCLE_LEAD = timedelta(minutes=5)
# Graph's change-tracking app: the `azp` of validation tokens.
GRAPH_NOTIFICATIONS_APP = "0bf30f3b-4a52-48df-9a82-234910c4a086"
_SINGLE = re.compile(r"^/?communications/presences/([^/?]+)$", re.IGNORECASE)
_BULK = re.compile(r"^/?communications/presences\?\$filter=id\s+in\s+\((.*)\)\s*$", re.IGNORECASE)


class SubscriptionBody(GraphBody):
    """POST /subscriptions, as Graph takes it."""

    changeType: str
    notificationUrl: str
    resource: str
    expirationDateTime: str
    clientState: str | None = None
    lifecycleNotificationUrl: str | None = None
    includeResourceData: bool = False
    encryptionCertificate: str | None = None
    encryptionCertificateId: str | None = None
    latestSupportedTlsVersion: str | None = None
    notificationQueryOptions: str | None = None
    notificationUrlAppId: str | None = None
    notificationContentType: str | None = None


class RenewalBody(GraphBody):
    expirationDateTime: str = Field(description="The new expiry, at most 60 minutes ahead.")


@dataclass
class Subscription:
    id: str
    tenant_id: str
    app_id: str
    creator_id: str
    resource: str
    user_ids: tuple[str, ...]
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expires_at: float
    include_resource_data: bool
    certificate: x509.Certificate | None
    certificate_text: str | None
    certificate_id: str | None
    last_seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    lifecycle_sent: bool = False

    def as_json(self, version: str) -> dict[str, Any]:
        return {
            "@odata.context": f"https://graph.microsoft.com/{version}/$metadata#subscriptions"
            "/$entity",
            "id": self.id,
            "resource": self.resource,
            "applicationId": self.app_id,
            "changeType": "updated",
            "clientState": self.client_state,
            "notificationUrl": self.notification_url,
            "notificationQueryOptions": None,
            "lifecycleNotificationUrl": self.lifecycle_url,
            "expirationDateTime": _when(self.expires_at),
            "creatorId": self.creator_id,
            "includeResourceData": self.include_resource_data,
            "latestSupportedTlsVersion": "v1_2",
            "encryptionCertificate": self.certificate_text,
            "encryptionCertificateId": self.certificate_id,
            "notificationUrlAppId": None,
            "notificationContentType": None,
        }


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt, for GET /_mockgraph/notifications."""

    time: str
    tenant: str
    subscription_id: str
    kind: str  # "validation", "change" or "lifecycle"
    url: str
    payload: Any
    attempt: int
    status: int | None
    error: str | None
    latency_ms: float
    outcome: str  # "delivered", "retrying", "gaveUp", "validated" or "failed"

    def as_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "tenant": self.tenant,
            "subscriptionId": self.subscription_id,
            "kind": self.kind,
            "url": self.url,
            "payload": self.payload,
            "attempt": self.attempt,
            "status": self.status,
            "error": self.error,
            "latencyMs": round(self.latency_ms, 1),
            "outcome": self.outcome,
        }


@dataclass
class Delivery:
    subscription: Subscription
    url: str
    kind: str
    payload: dict[str, Any]


def _when(timestamp: float) -> str:
    return format_offset_datetime(datetime.fromtimestamp(timestamp, UTC))


def presence_user_ids(resource: str) -> tuple[str, ...]:
    """The users a presence resource names; 400 for any other resource."""
    single = _SINGLE.match(resource.strip())
    bulk = _BULK.match(resource.strip())
    if single:
        ids = [single.group(1)]
    elif bulk:
        ids = [part.strip().strip("'\"") for part in bulk.group(1).split(",") if part.strip()]
    else:
        raise BadRequest(
            f"The resource '{resource}' is not supported: mockgraph emulates presence "
            "subscriptions only, '/communications/presences/{id}' or "
            "\"/communications/presences?$filter=id in ('{id}','{id}')\"."
        )
    if not ids or len(ids) > MAX_IDS:
        raise BadRequest(
            f"A presence subscription names 1 to {MAX_IDS} users; {len(ids)} were given."
        )
    for user_id in ids:
        if not GUID.match(user_id):
            raise BadRequest(f"'{user_id}' in the resource is not a user object id (a GUID).")
    return tuple(dict.fromkeys(i.lower() for i in ids))


class Notifier:
    """Every subscription's delivery: a queue and a worker each, so order holds per
    subscription and no Graph call ever waits for a webhook."""

    def __init__(
        self,
        store: Store,
        tokens: TokenAuthority,
        *,
        https_only: bool = False,
        attempts: int = 5,
        backoff: float = 0.2,
        timeout: float = 3.0,
        log_size: int = 10_000,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.https_only = https_only
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.log: deque[Attempt] = deque(maxlen=log_size)
        self._queues: dict[str, asyncio.Queue[Delivery]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._busy = 0
        self._ticker: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    def _client(self) -> httpx.AsyncClient:
        # httpx is imported on first use: it costs start-up time a server without
        # subscriptions never needs.
        import httpx

        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        return self._http

    # --- the Graph operations -------------------------------------------------------

    async def route(
        self,
        tenant: Tenant,
        principal: Principal,
        method: str,
        sub_id: str | None,
        raw: bytes,
        version: str,
    ) -> tuple[int, bytes]:
        """/subscriptions and /subscriptions/{id}."""
        _authorize(principal)
        now = tenant.clock.timestamp()
        self.expire(tenant, now)
        if sub_id is None:
            if method == "POST":
                body = parse_body(SubscriptionBody, raw, "subscription")
                created = await self.create(tenant, principal, body, now)
                return 201, _json(created.as_json(version))
            if method == "GET":
                mine = [
                    s.as_json(version)
                    for s in tenant.subscriptions.values()
                    if s.app_id == principal.app_id and s.creator_id == principal.user_id
                ]
                for item in mine:
                    del item["@odata.context"]
                return 200, _json(
                    {
                        "@odata.context": f"https://graph.microsoft.com/{version}"
                        "/$metadata#subscriptions",
                        "value": mine,
                    }
                )
            raise MethodNotAllowed(
                "The method is not allowed here; /subscriptions takes GET and POST.",
                headers={"Allow": "GET, POST"},
            )
        found = tenant.subscriptions.get(sub_id.lower())
        if (
            found is None
            or found.app_id != principal.app_id
            or (found.creator_id != principal.user_id)
        ):
            raise NotFound(f"The object was not found: subscription '{sub_id}'.")
        if method == "GET":
            return 200, _json(found.as_json(version))
        if method == "PATCH":
            renewal = parse_body(RenewalBody, raw, "subscription")
            found.expires_at = self._expiry(renewal.expirationDateTime, now)
            found.lifecycle_sent = False
            return 200, _json(found.as_json(version))
        if method == "DELETE":
            self.remove(tenant, found.id)
            return 204, b""
        raise MethodNotAllowed(
            "The method is not allowed here; a subscription takes GET, PATCH and DELETE.",
            headers={"Allow": "GET, PATCH, DELETE"},
        )

    async def create(
        self, tenant: Tenant, principal: Principal, body: SubscriptionBody, now: float
    ) -> Subscription:
        if body.changeType.lower() != "updated":
            raise BadRequest(
                f"The changeType '{body.changeType}' is not supported for presence; use 'updated'."
            )
        user_ids = presence_user_ids(body.resource)
        expires_at = self._expiry(body.expirationDateTime, now)
        if body.clientState is not None and len(body.clientState) > MAX_CLIENT_STATE:
            raise BadRequest(f"clientState is longer than {MAX_CLIENT_STATE} characters.")
        for url in filter(None, (body.notificationUrl, body.lifecycleNotificationUrl)):
            self._check_url(url)
        certificate = None
        if body.includeResourceData:
            if not body.encryptionCertificate or not body.encryptionCertificateId:
                raise BadRequest(
                    "includeResourceData needs an encryptionCertificate and an "
                    "encryptionCertificateId to encrypt the resource data with."
                )
            certificate = crypto.load_certificate(body.encryptionCertificate)
            crypto.check_certificate(certificate)
        assert principal.app_id is not None
        assert principal.user_id is not None
        for existing in tenant.subscriptions.values():
            if existing.app_id == principal.app_id and existing.creator_id == principal.user_id:
                raise Conflict(
                    f"Subscription Id {existing.id} already exists for the requested "
                    "combination: one presence subscription per user per app."
                )
        subscription = Subscription(
            id=str(uuid.uuid4()),
            tenant_id=tenant.id,
            app_id=principal.app_id,
            creator_id=principal.user_id,
            resource=body.resource,
            user_ids=user_ids,
            notification_url=body.notificationUrl,
            lifecycle_url=body.lifecycleNotificationUrl,
            client_state=body.clientState,
            expires_at=expires_at,
            include_resource_data=body.includeResourceData,
            certificate=certificate,
            certificate_text=body.encryptionCertificate,
            certificate_id=body.encryptionCertificateId,
        )
        # Graph validates each endpoint before it creates anything.
        await self._handshake(tenant, subscription, body.notificationUrl)
        if body.lifecycleNotificationUrl:
            await self._handshake(tenant, subscription, body.lifecycleNotificationUrl)
        for user_id in user_ids:
            subscription.last_seen[user_id] = self._state(tenant, user_id, now)
        tenant.subscriptions[subscription.id] = subscription
        self._start_ticker()
        return subscription

    def _expiry(self, text: str, now: float) -> float:
        when = parse_offset_datetime(text, "expirationDateTime").timestamp()
        if when <= now:
            raise BadRequest(
                "Subscription expiration can only be in the future; the "
                "expirationDateTime has passed."
            )
        if when > now + MAX_LIFETIME.total_seconds() + 1:
            raise BadRequest("Subscription expiration can only be 60 minutes in the future.")
        # "Any value under 45 minutes after the time of the request is automatically set to
        # 45 minutes after the request time."
        return max(when, now + MIN_LIFETIME.total_seconds())

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BadRequest(f"The notification URL '{url}' is not an absolute http(s) URL.")
        if self.https_only and parts.scheme != "https":
            raise BadRequest(
                f"The notification URL '{url}' must use https "
                "(MOCKGRAPH_WEBHOOK_HTTPS_ONLY is set, as in Graph)."
            )

    async def _handshake(self, tenant: Tenant, subscription: Subscription, url: str) -> None:
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
                timeout=10.0,
            )
            status = answer.status_code
            ok = status == 200 and answer.text == token
            if not ok:
                error = "the answer was not 200 with the decoded validationToken as its body"
        except httpx.HTTPError as exc:
            ok = False
            error = f"{type(exc).__name__}: {exc}" or type(exc).__name__
        self._log(
            tenant,
            subscription,
            "validation",
            url,
            {"validationToken": token},
            1,
            status,
            error,
            started,
            "validated" if ok else "failed",
        )
        if not ok:
            raise BadRequest(
                f"Subscription validation request failed. The notification endpoint {url} must "
                "answer 200 OK with the decoded validationToken as text/plain within 10 "
                f"seconds ({error})."
            )

    def remove(self, tenant: Tenant, sub_id: str) -> None:
        tenant.subscriptions.pop(sub_id, None)
        worker = self._workers.pop(sub_id, None)
        self._queues.pop(sub_id, None)
        if worker is not None and not worker.done():
            worker.cancel()

    def forget(self, tenant_id: str | None) -> None:
        """A reset: stop the subscriptions (and their deliveries) of one tenant, or all."""
        tenants = (
            [self.store.known(tenant_id)]
            if tenant_id is not None
            else list(self.store.tenants.values())
        )
        for tenant in tenants:
            if tenant is None:
                continue
            for sub_id in list(tenant.subscriptions):
                self.remove(tenant, sub_id)
        if tenant_id is None:
            for sub_id in list(self._workers):
                worker = self._workers.pop(sub_id)
                worker.cancel()
            self._queues.clear()
            self.log.clear()

    # --- noticing changes -----------------------------------------------------------

    def _state(self, tenant: Tenant, user_id: str, now: float) -> tuple[str, str]:
        user = tenant.user(user_id)
        if user is None:
            return ("PresenceUnknown", "PresenceUnknown")
        view = user.current(now)
        return (view.availability, view.activity)

    def expire(self, tenant: Tenant, now: float) -> None:
        for subscription in list(tenant.subscriptions.values()):
            if now >= subscription.expires_at:
                self.remove(tenant, subscription.id)

    def scan(self, tenant: Tenant) -> None:
        """Notify every subscription whose users' aggregated presence changed since last seen,
        send lifecycle notifications that are due, and stop expired subscriptions."""
        if not tenant.subscriptions:
            return
        now = tenant.clock.timestamp()
        self.expire(tenant, now)
        for subscription in list(tenant.subscriptions.values()):
            if (
                subscription.lifecycle_url
                and not subscription.lifecycle_sent
                and now >= subscription.expires_at - LIFECYCLE_LEAD.total_seconds()
            ):
                subscription.lifecycle_sent = True
                self._enqueue(
                    Delivery(
                        subscription,
                        subscription.lifecycle_url,
                        "lifecycle",
                        self._lifecycle(tenant, subscription),
                    )
                )
            changed = []
            for user_id in subscription.user_ids:
                state = self._state(tenant, user_id, now)
                if state != subscription.last_seen.get(user_id):
                    subscription.last_seen[user_id] = state
                    changed.append(user_id)
            if changed:
                self._enqueue(
                    Delivery(
                        subscription,
                        subscription.notification_url,
                        "change",
                        self._changes(tenant, subscription, changed, now),
                    )
                )

    def _changes(
        self, tenant: Tenant, subscription: Subscription, user_ids: list[str], now: float
    ) -> dict[str, Any]:
        items = []
        for user_id in user_ids:
            item: dict[str, Any] = {
                "subscriptionId": subscription.id,
                "clientState": subscription.client_state,
                "changeType": "updated",
                "tenantId": tenant.id,
                "resource": f"communications/presences/{user_id}",
                "subscriptionExpirationDateTime": _when(subscription.expires_at),
                "resourceData": {
                    "@odata.id": f"users/{user_id}/presence",
                    "@odata.type": "#microsoft.graph.presence",
                    "id": user_id,
                },
                "organizationId": tenant.id,
            }
            if subscription.certificate is not None:
                user = tenant.user(user_id)
                data = (
                    {
                        "id": user_id,
                        "availability": "PresenceUnknown",
                        "activity": "PresenceUnknown",
                    }
                    if user is None
                    else service.entity_dict(user, service.OTHER)
                )
                resource = {
                    "@odata.id": f"users/{user_id}/presence",
                    "@odata.type": "#microsoft.graph.presence",
                    **data,
                }
                item["encryptedContent"] = crypto.encrypt(
                    resource, subscription.certificate, subscription.certificate_id or ""
                )
            items.append(item)
        payload: dict[str, Any] = {"value": items}
        if subscription.certificate is not None:
            payload["validationTokens"] = [self._validation_token(tenant, subscription, now)]
        return payload

    def _lifecycle(self, tenant: Tenant, subscription: Subscription) -> dict[str, Any]:
        return {
            "value": [
                {
                    "subscriptionId": subscription.id,
                    "subscriptionExpirationDateTime": _when(subscription.expires_at),
                    "tenantId": tenant.id,
                    "clientState": subscription.client_state,
                    "lifecycleEvent": "reauthorizationRequired",
                    "organizationId": tenant.id,
                }
            ]
        }

    def _validation_token(self, tenant: Tenant, subscription: Subscription, now: float) -> str:
        issued = int(now)
        return self.tokens.sign(
            {
                "aud": subscription.app_id,
                "iss": f"https://sts.windows.net/{tenant.id}/",
                "iat": issued,
                "nbf": issued,
                "exp": issued + 3600,
                "azp": GRAPH_NOTIFICATIONS_APP,
                "azpacr": "2",
                "tid": tenant.id,
                "ver": "1.0",
                "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, "mockgraph:graph-notifications")),
                "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, "mockgraph:graph-notifications")),
                "uti": secrets.token_urlsafe(16),
            }
        )

    # --- delivering -----------------------------------------------------------------

    def _enqueue(self, delivery: Delivery) -> None:
        sub_id = delivery.subscription.id
        queue = self._queues.get(sub_id)
        if queue is None:
            queue = self._queues[sub_id] = asyncio.Queue()
            self._workers[sub_id] = asyncio.get_running_loop().create_task(
                self._work(queue), name=f"mockgraph-webhook-{sub_id}"
            )
        self._busy += 1
        queue.put_nowait(delivery)

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

        tenant = self.store.known(delivery.subscription.tenant_id)
        for attempt in range(1, self.attempts + 1):
            started = time.perf_counter()
            status: int | None = None
            error: str | None = None
            try:
                answer = await self._client().post(
                    delivery.url, json=delivery.payload, timeout=self.timeout
                )
                status = answer.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            last = attempt == self.attempts
            outcome = "delivered" if error is None else ("gaveUp" if last else "retrying")
            self._log(
                tenant,
                delivery.subscription,
                delivery.kind,
                delivery.url,
                delivery.payload,
                attempt,
                status,
                error,
                started,
                outcome,
            )
            if error is None:
                return
            if not last:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))

    def _log(
        self,
        tenant: Tenant | None,
        subscription: Subscription,
        kind: str,
        url: str,
        payload: Any,
        attempt: int,
        status: int | None,
        error: str | None,
        started: float,
        outcome: str,
    ) -> None:
        now = (tenant.clock if tenant is not None else self.store.clock).timestamp()
        self.log.append(
            Attempt(
                _when(now),
                subscription.tenant_id,
                subscription.id,
                kind,
                url,
                payload,
                attempt,
                status,
                error,
                (time.perf_counter() - started) * 1000,
                outcome,
            )
        )

    async def flush(self, timeout: float = 60.0) -> int:
        """Wait until every pending delivery is done (retries included); the number left."""
        for tenant in list(self.store.tenants.values()):
            self.scan(tenant)
        deadline = time.monotonic() + timeout
        while self._busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self._busy

    # --- time -------------------------------------------------------------------------

    def _start_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(
                self._tick(), name="mockgraph-scan"
            )

    async def _tick(self) -> None:
        """Fades and expiries happen as time passes, with no call to notice them."""
        while True:
            await asyncio.sleep(0.25)
            for tenant in list(self.store.tenants.values()):
                try:
                    self.scan(tenant)
                except Exception:
                    log.exception("scanning for presence changes failed")


def _authorize(principal: Principal) -> None:
    if not principal.delegated:
        raise Forbidden(
            "Insufficient privileges to complete the operation. Presence "
            "subscriptions support delegated permissions only (Presence.Read.All)."
        )
    if "Presence.Read.All" not in principal.permissions:
        raise Forbidden(
            "Insufficient privileges to complete the operation. It needs one of "
            "these delegated permissions: Presence.Read.All."
        )


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
