"""The notifier: every tenant's presence subscriptions, and the notifications they are owed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Callable, Container
from typing import Any

from mockgraph.auth.tokens import TokenAuthority
from mockgraph.domain import rendering
from mockgraph.domain.presence import View
from mockgraph.domain.principal import Principal
from mockgraph.errors import NotFound
from mockgraph.notifications import crypto, rules
from mockgraph.notifications.delivery import Deliverer
from mockgraph.notifications.models import (
    Attempt,
    Delivery,
    Subscription,
    SubscriptionBody,
    when,
)
from mockgraph.notifications.saved import export_subscription, import_subscription
from mockgraph.notifications.watch import Watch
from mockgraph.state.store import Store, Tenant

log = logging.getLogger("mockgraph.notifications")

UNKNOWN = ("PresenceUnknown", "PresenceUnknown")
_LEAD = rules.LIFECYCLE_LEAD.total_seconds()


class Notifier:
    """Presence subscriptions, kept apart from the tenant's state, and their delivery."""

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
        self.delivery = Deliverer(
            self._now, attempts=attempts, backoff=backoff, timeout=timeout, log_size=log_size
        )
        self._tenants: dict[str, Watch] = {}
        self._ticker = Ticker(self._tick)
        # Tenants whose scans wait: a scenario is part-way through one moment's steps there,
        # and a batch holds a whole moment (docs/scenarios.md, "Determinism").
        self._held: set[str] = set()

    @property
    def log(self) -> deque[Attempt]:
        """Every delivery attempt, newest last (bounded)."""
        return self.delivery.log

    def _now(self, tenant_id: str) -> float:
        tenant = self.store.known(tenant_id)
        return (tenant.clock if tenant is not None else self.store.clock).timestamp()

    def watched(self) -> Container[str]:
        """The ids of the tenants that have subscriptions: the gateway calls `scan` after a
        tenant's call only when its id is in here (a live view, not a copy)."""
        return self._tenants

    # --- the subscriptions -----------------------------------------------------------

    def of(self, tenant: Tenant) -> list[Subscription]:
        """Every live subscription of one tenant, whoever made it (the dashboard's view)."""
        watch = self._tenants.get(tenant.id)
        return list(watch.items.values()) if watch is not None else []

    def mine(self, tenant: Tenant, principal: Principal) -> list[Subscription]:
        """The subscriptions the calling user made through the calling app."""
        watch = self._tenants.get(tenant.id)
        if watch is None or principal.app_id is None or principal.user_id is None:
            return []
        found = watch.owners.get((principal.app_id, principal.user_id))
        return [] if found is None else [found]

    def find(self, tenant: Tenant, principal: Principal, sub_id: str) -> Subscription:
        """One of the caller's subscriptions, or Graph's 404 (another's is not found either)."""
        watch = self._tenants.get(tenant.id)
        found = watch.items.get(sub_id.lower()) if watch is not None else None
        if found is None or (found.app_id, found.creator_id) != (
            principal.app_id,
            principal.user_id,
        ):
            raise NotFound(f"The object was not found: subscription '{sub_id}'.")
        return found

    async def create(
        self, tenant: Tenant, principal: Principal, body: SubscriptionBody, now: float
    ) -> Subscription:
        """A subscription that met Graph's rules and whose endpoints passed the handshake."""
        plan = rules.check(body, now, https_only=self.https_only)
        assert principal.app_id is not None
        assert principal.user_id is not None
        rules.check_quota(self.mine(tenant, principal), principal)
        subscription = Subscription(
            id=str(uuid.uuid4()),
            tenant_id=tenant.id,
            app_id=principal.app_id,
            creator_id=principal.user_id,
            resource=body.resource,
            user_ids=plan.user_ids,
            notification_url=body.notificationUrl,
            lifecycle_url=body.lifecycleNotificationUrl,
            client_state=body.clientState,
            expires_at=plan.expires_at,
            include_resource_data=body.includeResourceData,
            certificate=plan.certificate,
            certificate_text=body.encryptionCertificate,
            certificate_id=body.encryptionCertificateId,
            notified_resource=plan.notified_resource,
        )
        # Graph validates each endpoint before it creates anything.
        await self.delivery.handshake(subscription, body.notificationUrl)
        if body.lifecycleNotificationUrl:
            await self.delivery.handshake(subscription, body.lifecycleNotificationUrl)
        for user_id in plan.user_ids:
            subscription.last_seen[user_id] = _state(tenant, user_id, now)
        self._tenants.setdefault(tenant.id, Watch()).add(subscription, tenant.users)
        self._ticker.start()
        return subscription

    def renew(self, tenant: Tenant, subscription: Subscription, text: str, now: float) -> None:
        """PATCH: a new expiry, by the same rules as a new subscription's."""
        subscription.expires_at = rules.expiry(text, now)
        subscription.lifecycle_sent = False
        self._tenants[tenant.id].reschedule(subscription)

    def reauthorize(self, tenant: Tenant, subscription: Subscription, now: float) -> None:
        """POST …/reauthorize: the challenge is answered and may come again, one lead later at
        the soonest; the expiry stays (https://learn.microsoft.com/graph/change-notifications-lifecycle-events)."""
        subscription.reauthorized_at = now
        subscription.lifecycle_sent = False
        self._tenants[tenant.id].reschedule(subscription)

    def remove(self, tenant: Tenant, sub_id: str) -> None:
        watch = self._tenants.get(tenant.id)
        if watch is not None:
            watch.drop(sub_id)
        self.delivery.cancel(sub_id)

    def export_state(self) -> list[dict[str, Any]]:
        """What the state file keeps of change notifications: every live subscription."""
        return [export_subscription(s) for w in self._tenants.values() for s in w.items.values()]

    def import_state(self, items: list[Any]) -> None:
        """Restore a state file's subscriptions (ValueError naming a bad one); their tenants
        are loaded first. Deliveries and the ticker start with the first call that scans."""
        if not isinstance(items, list):
            raise ValueError("$.subscriptions is not a list")
        for index, item in enumerate(items):
            subscription = import_subscription(item, index)
            tenant = self.store.tenant(subscription.tenant_id)
            self._tenants.setdefault(tenant.id, Watch()).add(subscription, tenant.users)

    def forget(self, tenant_id: str | None) -> None:
        """A reset: stop the subscriptions (and their deliveries) of one tenant, or all."""
        if tenant_id is None:
            self._tenants.clear()
            self.delivery.cancel_all()
            return
        watch = self._tenants.pop(tenant_id.lower(), None)
        for sub_id in watch.items if watch is not None else ():
            self.delivery.cancel(sub_id)

    def expire(self, tenant: Tenant, now: float) -> None:
        """Drop the subscriptions whose time is up."""
        watch = self._tenants.get(tenant.id)
        if watch is not None and now >= watch.due:
            for subscription in list(watch.items.values()):
                if now >= subscription.expires_at:
                    self.remove(tenant, subscription.id)

    # --- noticing changes -----------------------------------------------------------

    def hold(self, tenant_id: str, held: bool) -> None:
        """Let a tenant's scans wait (True) until released (False); a scenario holds them
        while it applies one moment's steps over several turns of the loop."""
        if held:
            self._held.add(tenant_id)
        else:
            self._held.discard(tenant_id)

    def next_change(self, tenant: Tenant) -> float:
        """The earliest moment at which the clock alone changes what a subscription of this
        tenant watches (an expiry, a fade) or owes a lifecycle event; inf when none."""
        watch = self._tenants.get(tenant.id)
        if watch is None or not watch.items:
            return float("inf")
        return watch.next_look()

    def scan(self, tenant: Tenant) -> None:
        """Notify every subscription whose users' aggregated presence changed since it last
        heard, send lifecycle notifications that are due, and stop expired subscriptions.

        Looks at the watched users written since the last scan and at those whose presence the
        clock alone may have changed by now; at every watched user when the tenant's user
        table changed or its clock went back. Nothing else can change a user's presence:
        every write goes through UserState.changed, which notes the user.
        """
        watch = self._tenants.get(tenant.id)
        if watch is None or not watch.items or tenant.id in self._held:
            return
        now = tenant.clock.timestamp()
        users = tenant.users
        everyone = users.version != watch.version or now < watch.scanned_at
        watch.scanned_at = now
        if not everyone and not watch.written and now < watch.next_look():
            return
        # Restored subscriptions have no ticker yet; it needs the running loop.
        self._ticker.start()
        if now >= watch.due:
            self._lifecycle(tenant, watch, now)
        marks = watch.marks
        if everyone:
            looked: list[str] = list(marks)
            watch.timers, watch.version, watch.cached_next = [], users.version, None
        else:
            found = {u for u in watch.written if u in marks}
            found.update(watch.due_users(now))
            looked = sorted(found, key=lambda u: marks[u][3])
        watch.written.clear()
        changed: dict[str, tuple[Subscription, set[str]]] = {}
        for user_id in looked:
            user = users.get(user_id)
            seen, view = marks[user_id][:2]
            if user is seen and (
                user is None or (user.view is view and user.computed_at <= now < user.stable_until)
            ):
                watch.mark(user_id, user)
                continue
            state = UNKNOWN if user is None else _pair(user.current(now))
            watch.mark(user_id, user)
            for subscription in watch.watchers[user_id]:
                if subscription.last_seen.get(user_id) != state:
                    subscription.last_seen[user_id] = state
                    changed.setdefault(subscription.id, (subscription, set()))[1].add(user_id)
        # Settled by this scan: what current() just computed noted its user again.
        watch.written.clear()
        for subscription, user_ids in changed.values():
            ordered = [u for u in subscription.user_ids if u in user_ids]
            self.delivery.enqueue(
                Delivery(
                    subscription,
                    subscription.notification_url,
                    "change",
                    self._changes(tenant, subscription, ordered, now),
                )
            )

    def _lifecycle(self, tenant: Tenant, watch: Watch, now: float) -> None:
        self.expire(tenant, now)
        for subscription in list(watch.items.values()):
            if (
                subscription.lifecycle_url
                and not subscription.lifecycle_sent
                and now >= subscription.challenge_at(_LEAD)
            ):
                subscription.lifecycle_sent = True
                self.delivery.enqueue(
                    Delivery(
                        subscription,
                        subscription.lifecycle_url,
                        "lifecycle",
                        _lifecycle_event(tenant, subscription),
                    )
                )
                watch.reschedule(subscription)

    def _changes(
        self, tenant: Tenant, subscription: Subscription, user_ids: list[str], now: float
    ) -> dict[str, Any]:
        items = [_change(tenant, subscription, user_id) for user_id in user_ids]
        payload: dict[str, Any] = {"value": items}
        if subscription.certificate is not None:
            payload["validationTokens"] = [
                self.tokens.validation_token(
                    now=now, tenant_id=tenant.id, app_id=subscription.app_id
                )
            ]
        return payload

    async def flush(self, timeout: float = 60.0) -> int:
        """Wait until every pending delivery is done (retries included); the number left."""
        self._tick()
        return await self.delivery.wait(timeout)

    def _tick(self) -> None:
        for tenant_id in list(self._tenants):
            tenant = self.store.known(tenant_id)
            if tenant is not None:
                self.scan(tenant)


def _pair(view: View) -> tuple[str, str]:
    return (view.availability, view.activity)


def _state(tenant: Tenant, user_id: str, now: float) -> tuple[str, str]:
    user = tenant.users.get(user_id)
    return UNKNOWN if user is None else _pair(user.current(now))


def _change(tenant: Tenant, subscription: Subscription, user_id: str) -> dict[str, Any]:
    """One item of a change notification, encrypted data included if asked.

    https://learn.microsoft.com/graph/change-notifications-delivery-webhooks and
    https://learn.microsoft.com/graph/change-notifications-with-resource-data.
    """
    item: dict[str, Any] = {
        "subscriptionId": subscription.id,
        "clientState": subscription.client_state,
        "changeType": "updated",
        "tenantId": tenant.id,
        "resource": subscription.notified_resource or f"communications/presences/{user_id}",
        "subscriptionExpirationDateTime": when(subscription.expires_at),
        "resourceData": {
            "@odata.id": f"users/{user_id}/presence",
            "@odata.type": "#microsoft.graph.presence",
            "id": user_id,
        },
        "organizationId": tenant.id,
    }
    if subscription.certificate is not None:
        user = tenant.users.get(user_id)
        data = (
            rendering.unknown_dict(user_id)
            if user is None
            else rendering.entity_dict(user, rendering.OTHER)
        )
        resource = {
            "@odata.id": f"users/{user_id}/presence",
            "@odata.type": "#microsoft.graph.presence",
            **data,
        }
        item["encryptedContent"] = crypto.encrypt(
            resource, subscription.certificate, subscription.certificate_id or ""
        )
    return item


def _lifecycle_event(tenant: Tenant, subscription: Subscription) -> dict[str, Any]:
    return {
        "value": [
            {
                "subscriptionId": subscription.id,
                "subscriptionExpirationDateTime": when(subscription.expires_at),
                "tenantId": tenant.id,
                "clientState": subscription.client_state,
                "lifecycleEvent": "reauthorizationRequired",
                "organizationId": tenant.id,
            }
        ]
    }


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
