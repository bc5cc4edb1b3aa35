"""Subscriptions and notifications on the wire, and the records mockgraph keeps of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from pydantic import Field

from mockgraph.domain.bodies import GraphBody
from mockgraph.domain.times import format_offset_datetime


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


def when(timestamp: float) -> str:
    """A timestamp as Graph writes date-times in subscriptions and notifications."""
    return format_offset_datetime(datetime.fromtimestamp(timestamp, UTC))


@dataclass(eq=False)
class Subscription:
    """One presence subscription, as Graph keeps it."""

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
    # The (availability, activity) each user had when last notified.
    last_seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    lifecycle_sent: bool = False
    # The `resource` of its notifications; None: `communications/presences/{id}` of each item.
    notified_resource: str | None = None
    # When the client last reauthorized it (POST …/reauthorize); no challenge is owed sooner
    # than one lead after that, so a client that answers each challenge is never in a loop.
    reauthorized_at: float = float("-inf")

    def challenge_at(self, lead: float) -> float:
        """When its reauthorizationRequired lifecycle event is owed (if not yet sent)."""
        return max(self.expires_at - lead, self.reauthorized_at + lead)

    def lifecycle_due_at(self, lead: float) -> float:
        """When the next thing happens to it with no call: a lifecycle event, or its end."""
        if self.lifecycle_url and not self.lifecycle_sent:
            return min(self.challenge_at(lead), self.expires_at)
        return self.expires_at

    def as_json(self, root: str, version: str) -> dict[str, Any]:
        """The subscription as Graph answers it; `root`: the Graph root the client called.

        Unset certificate members read "" and notificationContentType its default, as every
        example of the v1.0 and beta subscription pages shows them (docs/fidelity.md, "Change
        notifications and $batch")."""
        return {
            "@odata.context": f"{root}/{version}/$metadata#subscriptions/$entity",
            "id": self.id,
            "resource": self.resource,
            "applicationId": self.app_id,
            "changeType": "updated",
            "clientState": self.client_state,
            "notificationUrl": self.notification_url,
            "notificationQueryOptions": None,
            "lifecycleNotificationUrl": self.lifecycle_url,
            "expirationDateTime": when(self.expires_at),
            "creatorId": self.creator_id,
            "includeResourceData": self.include_resource_data,
            "latestSupportedTlsVersion": "v1_2",
            "encryptionCertificate": self.certificate_text or "",
            "encryptionCertificateId": self.certificate_id or "",
            "notificationUrlAppId": None,
            # https://learn.microsoft.com/graph/api/resources/subscription: "The default
            # content-type is the application/json content-type"; the only one mockgraph sends.
            "notificationContentType": "application/json",
        }


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt, for GET /_mockgraph/notifications."""

    at: float  # the tenant's clock (seconds since the epoch), written out only when listed
    tenant: str
    subscription_id: str
    kind: str  # "validation", "change" or "lifecycle"
    url: str
    payload: Any
    attempt: int
    status: int | None
    error: str | None
    latency_ms: float
    outcome: str  # "delivered", "retrying", "gaveUp", "dropped", "validated" or "failed"

    def as_json(self) -> dict[str, Any]:
        return {
            "time": when(self.at),
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
    """One POST owed to a subscriber: a change or a lifecycle notification."""

    subscription: Subscription
    url: str
    kind: str
    payload: dict[str, Any]
