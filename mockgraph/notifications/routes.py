"""The subscription operations (reference §5): read the call, apply the notifier, answer."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mockgraph.auth.permissions import Access, authorize
from mockgraph.auth.tokens import Principal
from mockgraph.errors import MethodNotAllowed
from mockgraph.notifications.models import RenewalBody, SubscriptionBody
from mockgraph.notifications.service import Notifier
from mockgraph.presence.models import parse_body
from mockgraph.store import Tenant

Answer = tuple[int, bytes]


async def route(
    notifier: Notifier,
    tenant: Tenant,
    principal: Principal,
    method: str,
    sub_id: str | None,
    raw: bytes,
    version: str,
) -> Answer:
    """/subscriptions and /subscriptions/{id}: Graph's permission, then the operation."""
    authorize(principal, Access.SUBSCRIBE, None)
    now = tenant.clock.timestamp()
    notifier.expire(tenant, now)
    call = Call(notifier, tenant, principal, raw, version, now)
    if sub_id is None:
        handler = _COLLECTION.get(method)
        if handler is None:
            raise MethodNotAllowed(
                "The method is not allowed here; /subscriptions takes GET and POST.",
                headers={"Allow": "GET, POST"},
            )
        return await handler(call)
    found = _ITEM.get(method)
    call.sub_id = sub_id
    # An unknown id is 404 before the method is looked at.
    notifier.find(tenant, principal, sub_id)
    if found is None:
        raise MethodNotAllowed(
            "The method is not allowed here; a subscription takes GET, PATCH and DELETE.",
            headers={"Allow": "GET, PATCH, DELETE"},
        )
    return await found(call)


class Call:
    """One subscription call, as its handler reads it."""

    def __init__(
        self,
        notifier: Notifier,
        tenant: Tenant,
        principal: Principal,
        raw: bytes,
        version: str,
        now: float,
    ) -> None:
        self.notifier = notifier
        self.tenant = tenant
        self.principal = principal
        self.raw = raw
        self.version = version
        self.now = now
        self.sub_id = ""


# POST /subscriptions: create subscription
async def create_subscription(call: Call) -> Answer:
    body = parse_body(SubscriptionBody, call.raw, "subscription")
    created = await call.notifier.create(call.tenant, call.principal, body, call.now)
    return 201, _json(created.as_json(call.version))


# GET /subscriptions: list subscriptions (the calling app's, made by the calling user)
async def list_subscriptions(call: Call) -> Answer:
    mine = [s.as_json(call.version) for s in call.notifier.mine(call.tenant, call.principal)]
    for item in mine:
        del item["@odata.context"]
    return 200, _json(
        {
            "@odata.context": f"https://graph.microsoft.com/{call.version}/$metadata#subscriptions",
            "value": mine,
        }
    )


# GET /subscriptions/{id}: get subscription
async def get_subscription(call: Call) -> Answer:
    found = call.notifier.find(call.tenant, call.principal, call.sub_id)
    return 200, _json(found.as_json(call.version))


# PATCH /subscriptions/{id}: update subscription (renew it)
async def update_subscription(call: Call) -> Answer:
    found = call.notifier.find(call.tenant, call.principal, call.sub_id)
    renewal = parse_body(RenewalBody, call.raw, "subscription")
    call.notifier.renew(call.tenant, found, renewal.expirationDateTime, call.now)
    return 200, _json(found.as_json(call.version))


# DELETE /subscriptions/{id}: delete subscription
async def delete_subscription(call: Call) -> Answer:
    found = call.notifier.find(call.tenant, call.principal, call.sub_id)
    call.notifier.remove(call.tenant, found.id)
    return 204, b""


Handler = Callable[[Call], Awaitable[Answer]]
_COLLECTION: dict[str, Handler] = {"GET": list_subscriptions, "POST": create_subscription}
_ITEM: dict[str, Handler] = {
    "GET": get_subscription,
    "PATCH": update_subscription,
    "DELETE": delete_subscription,
}


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
