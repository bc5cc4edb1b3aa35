"""Subscriptions in the state file: saved with their expiry, clientState and lifecycle
settings, restored so a client subscribed before a restart keeps receiving notifications
(docs/proxy.md, "Security notes")."""

from __future__ import annotations

from typing import Any

from mockgraph.notifications import crypto
from mockgraph.notifications.models import Subscription


def export_subscription(subscription: Subscription) -> dict[str, Any]:
    s = subscription
    return {
        "id": s.id,
        "tenantId": s.tenant_id,
        "appId": s.app_id,
        "creatorId": s.creator_id,
        "resource": s.resource,
        "userIds": list(s.user_ids),
        "notificationUrl": s.notification_url,
        "lifecycleNotificationUrl": s.lifecycle_url,
        "clientState": s.client_state,
        "expiresAt": s.expires_at,
        "includeResourceData": s.include_resource_data,
        "encryptionCertificate": s.certificate_text,
        "encryptionCertificateId": s.certificate_id,
        "lastSeen": {user: list(pair) for user, pair in s.last_seen.items()},
        "lifecycleSent": s.lifecycle_sent,
        "notifiedResource": s.notified_resource,
    }


def import_subscription(item: Any, index: int) -> Subscription:
    """A saved subscription; ValueError naming it when it is not one."""
    try:
        text = item["encryptionCertificate"]
        certificate = crypto.load_certificate(text) if item["includeResourceData"] else None
        return Subscription(
            id=str(item["id"]),
            tenant_id=str(item["tenantId"]).lower(),
            app_id=str(item["appId"]),
            creator_id=str(item["creatorId"]),
            resource=str(item["resource"]),
            user_ids=tuple(str(u) for u in item["userIds"]),
            notification_url=str(item["notificationUrl"]),
            lifecycle_url=_text(item["lifecycleNotificationUrl"]),
            client_state=_text(item["clientState"]),
            expires_at=float(item["expiresAt"]),
            include_resource_data=bool(item["includeResourceData"]),
            certificate=certificate,
            certificate_text=_text(text),
            certificate_id=_text(item["encryptionCertificateId"]),
            last_seen={str(u): (str(p[0]), str(p[1])) for u, p in item["lastSeen"].items()},
            lifecycle_sent=bool(item["lifecycleSent"]),
            notified_resource=_text(item["notifiedResource"]),
        )
    except Exception as exc:  # a certificate that does not load raises its own kinds
        message = getattr(exc, "message", exc)
        raise ValueError(
            f"$.subscriptions[{index}] is not a saved subscription ({message})"
        ) from None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
