"""The subscription operations (reference §5), registered with the gateway: read the call,
apply the notifier, answer."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mockgraph.auth.permissions import Access, authorize
from mockgraph.auth.tokens import Principal
from mockgraph.domain.bodies import GraphBody, parse_body
from mockgraph.errors import MethodNotAllowed
from mockgraph.gateway import GRAPH_ERRORS, Doc, GraphRequest, Operation, Reply, Routes
from mockgraph.notifications.models import RenewalBody, SubscriptionBody
from mockgraph.notifications.service import Notifier
from mockgraph.state.store import Tenant

Answer = tuple[int, bytes]


async def route(
    notifier: Notifier,
    tenant: Tenant,
    principal: Principal,
    method: str,
    sub_id: str | None,
    raw: bytes,
    version: str,
    root: str,
) -> Answer:
    """/subscriptions and /subscriptions/{id}: Graph's permission, then the operation."""
    authorize(principal, Access.SUBSCRIBE, None)
    now = tenant.clock.timestamp()
    notifier.expire(tenant, now)
    call = Call(notifier, tenant, principal, raw, version, root, now, sub_id or "")
    if sub_id is None:
        handler = _COLLECTION.get(method)
        if handler is None:
            raise MethodNotAllowed(
                "The method is not allowed here; /subscriptions takes GET and POST.",
                headers={"Allow": "GET, POST"},
            )
        return await handler(call)
    # An unknown id is 404 before the method is looked at.
    notifier.find(tenant, principal, sub_id)
    handler = _ITEM.get(method)
    if handler is None:
        raise MethodNotAllowed(
            "The method is not allowed here; a subscription takes GET, PATCH and DELETE.",
            headers={"Allow": "GET, PATCH, DELETE"},
        )
    return await handler(call)


@dataclass(frozen=True)
class Call:
    """One subscription call, as its handler reads it."""

    notifier: Notifier
    tenant: Tenant
    principal: Principal
    raw: bytes
    version: str
    root: str  # the Graph root the client called (its cloud's), for @odata.context
    now: float
    sub_id: str  # "" for /subscriptions itself


# POST /subscriptions: create subscription
async def create_subscription(call: Call) -> Answer:
    body = parse_body(SubscriptionBody, call.raw, "subscription")
    created = await call.notifier.create(call.tenant, call.principal, body, call.now)
    return 201, _json(created.as_json(call.root, call.version))


# GET /subscriptions: list subscriptions (the calling app's, made by the calling user)
async def list_subscriptions(call: Call) -> Answer:
    mine = [
        s.as_json(call.root, call.version) for s in call.notifier.mine(call.tenant, call.principal)
    ]
    for item in mine:
        del item["@odata.context"]
    return 200, _json(
        {
            "@odata.context": f"{call.root}/{call.version}/$metadata#subscriptions",
            "value": mine,
        }
    )


# GET /subscriptions/{id}: get subscription
async def get_subscription(call: Call) -> Answer:
    found = call.notifier.find(call.tenant, call.principal, call.sub_id)
    return 200, _json(found.as_json(call.root, call.version))


# PATCH /subscriptions/{id}: update subscription (renew it)
async def update_subscription(call: Call) -> Answer:
    found = call.notifier.find(call.tenant, call.principal, call.sub_id)
    renewal = parse_body(RenewalBody, call.raw, "subscription")
    call.notifier.renew(call.tenant, found, renewal.expirationDateTime, call.now)
    return 200, _json(found.as_json(call.root, call.version))


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


# --- registration with the gateway, and the OpenAPI text -------------------------

_TAG = "subscriptions (presence change notifications)"
_ERRORS = {**GRAPH_ERRORS, "409": "One subscription per user per app."}
_OK = {
    "description": "The subscription",
    "content": {"application/json": {"schema": {"type": "object"}}},
}
_ID: dict[str, Any] = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
_EXAMPLE = {
    "changeType": "updated",
    "notificationUrl": "http://127.0.0.1:9000/webhook",
    "resource": "/communications/presences/fa8bf3dc-eca7-46b7-bad1-db199b62afc3",
    "expirationDateTime": "2026-12-01T10:00:00Z",
    "clientState": "secret",
}


def register(routes: Routes, notifier: Notifier) -> None:
    """Every method goes to the notifier, which checks the caller and answers 405 itself."""

    async def subscriptions(request: GraphRequest) -> Reply:
        status, body = await route(
            notifier,
            request.tenant,
            request.principal,
            request.method,
            request.params.get("id"),
            request.raw or b"",
            request.version,
            request.service_root,
        )
        return Reply(status, body)

    def add(
        method: str, path: str, doc: Doc | None = None, body: type[GraphBody] | None = None
    ) -> None:
        routes.add(Operation(method, path, subscriptions, name="subscription", body=body, doc=doc))

    created = _doc("createSubscription", "Subscribe to presence changes", "201", _EXAMPLE)
    add("POST", "/subscriptions", created, SubscriptionBody)
    add("GET", "/subscriptions", _doc("listSubscriptions", "The calling app's subscriptions"))
    add("*", "/subscriptions")
    one = "/subscriptions/{id}"
    add("GET", one, _doc("getSubscription", "A subscription", item=True))
    add("PATCH", one, _doc("renewSubscription", "Renew a subscription", item=True), RenewalBody)
    add("DELETE", one, _doc("deleteSubscription", "Delete a subscription", "204", item=True))
    add("*", one)


def _doc(
    operation_id: str,
    summary: str,
    status: str = "200",
    example: Any = None,
    *,
    item: bool = False,
) -> Doc:
    ok = {"description": "Deleted"} if status == "204" else _OK
    return Doc(
        operation_id=operation_id,
        tag=_TAG,
        summary=summary,
        parameters=(_ID,) if item else (),
        responses={status: ok},
        errors=_ERRORS,
        example=example,
    )
