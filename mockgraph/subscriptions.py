"""Change-notification subscriptions, registered with the gateway: /subscriptions and
/subscriptions/{id}, handed to the notifier. (Belongs in notifications/routes.py once
notifications/ is split by role.)"""

from __future__ import annotations

from typing import Any

from mockgraph.domain.bodies import GraphBody
from mockgraph.gateway import GRAPH_ERRORS, Doc, GraphRequest, Operation, Reply, Routes
from mockgraph.notifications.service import Notifier, RenewalBody, SubscriptionBody

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
        status, body = await notifier.route(
            request.tenant,
            request.principal,
            request.method,
            request.params.get("id"),
            request.raw or b"",
            request.version,
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
