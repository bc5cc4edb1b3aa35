"""The subscription operations, registered with the gateway: read the call, apply the
notifier, answer (https://learn.microsoft.com/graph/api/resources/subscription)."""

from __future__ import annotations

import json
from typing import Any

from mockgraph.auth.permissions import Access
from mockgraph.domain.bodies import GraphBody
from mockgraph.domain.keys import parse_user_key
from mockgraph.gateway import (
    ANY,
    GRAPH_ERRORS,
    Doc,
    GraphRequest,
    Handler,
    Operation,
    OtherMethod,
    Reply,
    Routes,
)
from mockgraph.notifications.models import RenewalBody, Subscription, SubscriptionBody
from mockgraph.notifications.service import Notifier


class Subscriptions:
    """One handler per Graph subscription operation, over the app's notifier."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    # POST /subscriptions: https://learn.microsoft.com/graph/api/subscription-post-subscriptions
    async def create_subscription(self, request: GraphRequest) -> Reply:
        """Subscribe to presence changes."""
        now = self._now(request)
        body: SubscriptionBody = request.body()
        created = await self.notifier.create(request.tenant, request.principal, body, now)
        return Reply(201, _json(created.as_json(request.service_root, request.version)))

    # GET /subscriptions (the calling app's, made by the calling user):
    # https://learn.microsoft.com/graph/api/subscription-list
    def list_subscriptions(self, request: GraphRequest) -> Reply:
        """The calling app's subscriptions."""
        self._now(request)
        root, version = request.service_root, request.version
        mine = [
            s.as_json(root, version) for s in self.notifier.mine(request.tenant, request.principal)
        ]
        for item in mine:
            del item["@odata.context"]
            # "the clientState property value is not returned for security purposes" (the
            # page's note); a single GET and the notifications keep it.
            item["clientState"] = None
        context = f"{root}/{version}/$metadata#subscriptions"
        return Reply(200, _json({"@odata.context": context, "value": mine}))

    # GET /subscriptions/{id}: https://learn.microsoft.com/graph/api/subscription-get
    def get_subscription(self, request: GraphRequest) -> Reply:
        """A subscription."""
        self._now(request)
        found = self._find(request)
        return Reply(200, _json(found.as_json(request.service_root, request.version)))

    # PATCH /subscriptions/{id} (renew it): https://learn.microsoft.com/graph/api/subscription-update
    def update_subscription(self, request: GraphRequest) -> Reply:
        """Renew a subscription."""
        now = self._now(request)
        found = self._find(request)
        renewal: RenewalBody = request.body()
        self.notifier.renew(request.tenant, found, renewal.expirationDateTime, now)
        return Reply(200, _json(found.as_json(request.service_root, request.version)))

    # POST /subscriptions/{id}/reauthorize:
    # https://learn.microsoft.com/graph/api/subscription-reauthorize
    def reauthorize_subscription(self, request: GraphRequest) -> Reply:
        """Reauthorize a subscription after a reauthorizationRequired challenge."""
        now = self._now(request)
        found = self._find(request)
        self.notifier.reauthorize(request.tenant, found, now)
        return Reply(204, b"")

    # DELETE /subscriptions/{id}: https://learn.microsoft.com/graph/api/subscription-delete
    def delete_subscription(self, request: GraphRequest) -> Reply:
        """Delete a subscription."""
        self._now(request)
        found = self._find(request)
        self.notifier.remove(request.tenant, found.id)
        return Reply(204, b"")

    def other_method(self, request: GraphRequest) -> Reply:
        """Any other method: an unknown subscription is 404 before the method is refused."""
        self._now(request)
        if "id" in request.params:
            self._find(request)
        raise OtherMethod

    def _now(self, request: GraphRequest) -> float:
        """The tenant's time, once the subscriptions it ended are gone (before each call)."""
        now = request.tenant.clock.timestamp()
        self.notifier.expire(request.tenant, now)
        return now

    def _find(self, request: GraphRequest) -> Subscription:
        """The caller's subscription {id}, or Graph's 404."""
        # subscriptions/{id} or subscriptions('{id}'), read as every entity key is.
        key = parse_user_key(request.params["id"], request.raw_path())
        return self.notifier.find(request.tenant, request.principal, key.text)


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


# --- the OpenAPI text ------------------------------------------------------------------

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


def register(routes: Routes, subscriptions: Subscriptions) -> None:
    """Each subscription operation; any other method is the gateway's 405, after the
    permission check and, at /subscriptions/{id}, the 404 of an unknown subscription."""

    def add(
        method: str,
        path: str,
        handler: Handler,
        doc: Doc | None = None,
        body: type[GraphBody] | None = None,
        name: str = "subscription",
    ) -> None:
        # Subscriptions read their bodies whatever the Content-Type, as they always have.
        routes.add(
            Operation(
                method,
                path,
                handler,
                name=name,
                access=Access.SUBSCRIBE,
                body=body,
                json_only=False,
                doc=doc,
                qualified=name == "reauthorize",
            )
        )

    created = _doc("createSubscription", "Subscribe to presence changes", "201", _EXAMPLE)
    add("POST", "/subscriptions", subscriptions.create_subscription, created, SubscriptionBody)
    listed = _doc("listSubscriptions", "The calling app's subscriptions")
    add("GET", "/subscriptions", subscriptions.list_subscriptions, listed)
    add(ANY, "/subscriptions", subscriptions.other_method)
    one = "/subscriptions/{id}"
    got = _doc("getSubscription", "A subscription", item=True)
    add("GET", one, subscriptions.get_subscription, got)
    renewed = _doc("renewSubscription", "Renew a subscription", item=True)
    add("PATCH", one, subscriptions.update_subscription, renewed, RenewalBody)
    deleted = _doc("deleteSubscription", "Delete a subscription", "204", item=True)
    add("DELETE", one, subscriptions.delete_subscription, deleted)
    add(ANY, one, subscriptions.other_method)
    again = _doc("reauthorizeSubscription", "Reauthorize a subscription", "204", item=True)
    reauthorize = subscriptions.reauthorize_subscription
    add("POST", f"{one}/reauthorize", reauthorize, again, name="reauthorize")
    add(ANY, f"{one}/reauthorize", subscriptions.other_method, name="reauthorize")


def _doc(
    operation_id: str,
    summary: str,
    status: str = "200",
    example: Any = None,
    *,
    item: bool = False,
) -> Doc:
    ok = {"description": "No Content"} if status == "204" else _OK
    return Doc(
        operation_id=operation_id,
        tag=_TAG,
        summary=summary,
        parameters=(_ID,) if item else (),
        responses={status: ok},
        errors=_ERRORS,
        example=example,
    )
