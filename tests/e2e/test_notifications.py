"""Presence change notifications delivered to a real local webhook (reference §5)."""

from __future__ import annotations

import base64
import datetime
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mockgraph.testing import WebhookReceiver, decrypt_notification
from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, NESTOR, PATTI, PRESENCE_SYNC

SET_BUSY = {
    "sessionId": "s",
    "availability": "Busy",
    "activity": "InACall",
    "expirationDuration": "PT4H",
}


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def in_minutes(live: Graph, minutes: float) -> str:
    now = datetime.datetime.fromisoformat(
        live.admin.get("/_mockgraph/clock").json()["now"][:26] + "+00:00"
    )
    return (now + datetime.timedelta(minutes=minutes)).isoformat()


def subscribe(
    live: Graph, url: str, *user_ids: str, minutes: float = 60, **extra: Any
) -> httpx.Response:
    resource = (
        f"/communications/presences/{user_ids[0]}"
        if len(user_ids) == 1
        else "/communications/presences?$filter=id in ("
        + ",".join(f"'{u}'" for u in user_ids)
        + ")"
    )
    body = {
        "changeType": "updated",
        "notificationUrl": url,
        "resource": resource,
        "expirationDateTime": in_minutes(live, minutes),
        "clientState": "secret-state",
        **extra,
    }
    return live.as_user(ALEX, "Presence.Read.All").post("/v1.0/subscriptions", json=body)


def subscribe_as(live: Graph, user_id: str, url: str, resource: str) -> httpx.Response:
    """POST /subscriptions as `user_id` (delegated, Presence.Read.All) for 50 minutes."""
    return live.as_user(user_id, "Presence.Read.All").post(
        "/v1.0/subscriptions",
        json={
            "changeType": "updated",
            "notificationUrl": url,
            "resource": resource,
            "expirationDateTime": in_minutes(live, 50),
        },
    )


def flush(live: Graph) -> None:
    assert live.admin.post("/_mockgraph/notifications/flush").json()["pending"] == 0


def set_busy(live: Graph, user_id: str = PATTI) -> None:
    response = live.as_app(PRESENCE_SYNC).post(
        f"/v1.0/users/{user_id}/presence/setPresence", json=SET_BUSY
    )
    assert response.status_code == 200


def test_handshake_then_basic_notification(live: Graph, webhook: WebhookReceiver) -> None:
    response = subscribe(live, webhook.url, PATTI)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["@odata.context"].endswith("$metadata#subscriptions/$entity")
    assert (created["resource"], created["changeType"]) == (
        f"/communications/presences/{PATTI}",
        "updated",
    )
    assert webhook.validations
    assert webhook.validations[0].startswith("Validation: Testing client application")

    set_busy(live)
    flush(live)

    [item] = webhook.items()
    assert item == {
        "subscriptionId": created["id"],
        "clientState": "secret-state",
        "changeType": "updated",
        "tenantId": item["tenantId"],
        "resource": f"communications/presences/{PATTI}",
        "subscriptionExpirationDateTime": created["expirationDateTime"],
        "resourceData": {
            "@odata.id": f"users/{PATTI}/presence",
            "@odata.type": "#microsoft.graph.presence",
            "id": PATTI,
        },
        "organizationId": item["tenantId"],
    }


def test_notifications_keep_their_order(live: Graph, webhook: WebhookReceiver) -> None:
    subscribe(live, webhook.url, PATTI, ADELE)
    sync = live.as_app(PRESENCE_SYNC)
    for availability, activity in [
        ("Busy", "InACall"),
        ("Away", "Away"),
        ("DoNotDisturb", "Presenting"),
    ]:
        sync.post(
            f"/v1.0/users/{PATTI}/presence/setPresence",
            json={"sessionId": "s", "availability": availability, "activity": activity},
        )
    flush(live)
    assert [i["resourceData"]["id"] for i in webhook.items()] == [PATTI] * 3


def test_rich_notifications_are_encrypted_as_graph_does(
    live: Graph, webhook: WebhookReceiver
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "presence client")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    encoded = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    response = subscribe(
        live,
        webhook.url,
        PATTI,
        includeResourceData=True,
        encryptionCertificate=encoded,
        encryptionCertificateId="cert-1",
    )
    assert response.status_code == 201, response.text

    set_busy(live)
    flush(live)

    [body] = webhook.notifications
    [item] = body["value"]
    content = item["encryptedContent"]
    assert content["encryptionCertificateId"] == "cert-1"
    assert (
        content["encryptionCertificateThumbprint"]
        == certificate.fingerprint(hashes.SHA1()).hex().upper()
    )
    data = decrypt_notification(item, key)
    assert (data["id"], data["availability"], data["activity"]) == (PATTI, "Busy", "InACall")
    assert data["@odata.type"] == "#microsoft.graph.presence"
    [token] = body["validationTokens"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == BUSY_LIGHT


def test_delivery_retries_then_recovers(live: Graph, webhook: WebhookReceiver) -> None:
    subscribe(live, webhook.url, PATTI)
    webhook.fail_next(2, status=503)
    set_busy(live)
    flush(live)

    assert len(webhook.items()) == 1
    attempts = [
        a
        for a in live.admin.get("/_mockgraph/notifications").json()["value"]
        if a["kind"] == "change"
    ]
    assert [(a["attempt"], a["status"], a["outcome"]) for a in attempts] == [
        (1, 503, "retrying"),
        (2, 503, "retrying"),
        (3, 202, "delivered"),
    ]


def test_delivery_gives_up_in_the_end(live: Graph, webhook: WebhookReceiver) -> None:
    subscribe(live, webhook.url, PATTI)
    webhook.fail_next(10, status=500)
    set_busy(live)
    flush(live)
    outcomes = [
        a["outcome"]
        for a in live.admin.get("/_mockgraph/notifications").json()["value"]
        if a["kind"] == "change"
    ]
    assert outcomes[-1] == "gaveUp"
    assert webhook.items() == []


def test_fade_and_expiry_are_delivered_as_the_clock_moves(
    live: Graph, webhook: WebhookReceiver
) -> None:
    subscribe(live, webhook.url, PATTI)
    live.as_app(PRESENCE_SYNC).post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json={
            "sessionId": "s",
            "availability": "Available",
            "activity": "Available",
            "expirationDuration": "PT15M",
        },
    )
    live.advance("PT5M")  # fades to Available/AvailableInactive
    live.advance("PT5M")  # then to Away/Away
    live.advance("PT5M")  # then the session expires: Offline
    flush(live)
    assert len(webhook.items()) == 4


def test_expiry_lifecycle_and_renewal(live: Graph, webhook: WebhookReceiver) -> None:
    with WebhookReceiver() as lifecycle:
        created = subscribe(
            live, webhook.url, PATTI, minutes=50, lifecycleNotificationUrl=lifecycle.url
        ).json()
        live.advance("PT46M")
        flush(live)
        [event] = lifecycle.items()
        assert event["lifecycleEvent"] == "reauthorizationRequired"
        assert event["subscriptionId"] == created["id"]

        # Tokens last an hour on the same clock: each step takes a fresh one.
        def reader() -> httpx.Client:
            return live.as_user(ALEX, "Presence.Read.All")

        renewed = reader().patch(
            f"/v1.0/subscriptions/{created['id']}",
            json={"expirationDateTime": in_minutes(live, 60)},
        )
        assert renewed.status_code == 200
        live.advance("PT59M")
        assert reader().get(f"/v1.0/subscriptions/{created['id']}").status_code == 200
        live.advance("PT2M")
        assert reader().get(f"/v1.0/subscriptions/{created['id']}").status_code == 404
        set_busy(live)
        flush(live)
        assert webhook.items() == []


def test_server_keeps_answering_while_a_webhook_stalls(
    live: Graph, webhook: WebhookReceiver
) -> None:
    subscribe(live, webhook.url, PATTI)
    webhook.stall_next(2.5)
    set_busy(live)
    started = time.monotonic()
    for _ in range(5):
        assert live.presence(ADELE)["availability"] == "Available"
    assert time.monotonic() - started < 1.5
    flush(live)
    assert len(webhook.items()) == 1


def test_subscriptions_list_get_delete(live: Graph, webhook: WebhookReceiver) -> None:
    created = subscribe(live, webhook.url, PATTI).json()
    reader = live.as_user(ALEX, "Presence.Read.All")
    listed = reader.get("/v1.0/subscriptions").json()["value"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert reader.delete(f"/v1.0/subscriptions/{created['id']}").status_code == 204
    assert reader.get(f"/v1.0/subscriptions/{created['id']}").status_code == 404
    set_busy(live)
    flush(live)
    assert webhook.items() == []


def test_reset_clears_subscriptions(live: Graph, webhook: WebhookReceiver) -> None:
    created = subscribe(live, webhook.url, PATTI).json()
    live.admin.post("/_mockgraph/reset")
    reader = live.as_user(ALEX, "Presence.Read.All")
    assert reader.get(f"/v1.0/subscriptions/{created['id']}").status_code == 404


def test_minimum_lifetime_is_45_minutes(live: Graph, webhook: WebhookReceiver) -> None:
    created = subscribe(live, webhook.url, PATTI, minutes=10).json()
    expected = in_minutes(live, 45)[:16]
    assert created["expirationDateTime"][:16] == expected


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"resource": "/users/x/messages"}, "presence subscriptions only"),
        (
            {
                "resource": "/communications/presences?$filter=id in ("
                + ",".join(f"'00000000-0000-4000-8000-{i:012d}'" for i in range(651))
                + ")"
            },
            "650",
        ),
        ({"changeType": "created"}, "changeType"),
        ({"clientState": "x" * 129}, "128"),
        ({"includeResourceData": True}, "encryptionCertificate"),
        (
            {
                "includeResourceData": True,
                "encryptionCertificate": "bm90IGEgY2VydA==",
                "encryptionCertificateId": "c",
            },
            "X.509",
        ),
        ({"notificationUrl": "not a url"}, "absolute http(s) URL"),
        ({"colour": "red"}, "'colour'"),
    ],
)
def test_bad_subscriptions_are_400(
    live: Graph, webhook: WebhookReceiver, changes: dict[str, Any], fragment: str
) -> None:
    body = {
        "changeType": "updated",
        "notificationUrl": webhook.url,
        "resource": f"/communications/presences/{PATTI}",
        "expirationDateTime": in_minutes(live, 50),
        **changes,
    }
    response = live.as_user(ALEX, "Presence.Read.All").post("/v1.0/subscriptions", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]["message"]
    assert live.as_user(ALEX, "Presence.Read.All").get("/v1.0/subscriptions").json()["value"] == []


@pytest.mark.parametrize("minutes", [-5, 61])
def test_expiry_out_of_bounds_is_400(live: Graph, webhook: WebhookReceiver, minutes: int) -> None:
    assert subscribe(live, webhook.url, PATTI, minutes=minutes).status_code == 400


def test_handshake_failures_create_nothing(live: Graph, webhook: WebhookReceiver) -> None:
    webhook.echo_validation = False
    refused = subscribe(live, webhook.url, PATTI)
    assert refused.status_code == 400
    assert "validation request failed" in refused.json()["error"]["message"]
    unreachable = subscribe(live, "http://127.0.0.1:9/nowhere", PATTI)
    assert unreachable.status_code == 400
    reader = live.as_user(ALEX, "Presence.Read.All")
    assert reader.get("/v1.0/subscriptions").json()["value"] == []


def test_one_subscription_per_user_per_app_and_delegated_only(
    live: Graph, webhook: WebhookReceiver
) -> None:
    assert subscribe(live, webhook.url, PATTI).status_code == 201
    again = subscribe(live, webhook.url, ADELE)
    assert again.status_code == 409
    as_app = live.as_app(PRESENCE_SYNC).post(
        "/v1.0/subscriptions",
        json={
            "changeType": "updated",
            "notificationUrl": webhook.url,
            "resource": f"/communications/presences/{PATTI}",
            "expirationDateTime": in_minutes(live, 50),
        },
    )
    assert as_app.status_code == 403
    without_read_all = live.as_user(ADELE, "Presence.Read").post(
        "/v1.0/subscriptions",
        json={
            "changeType": "updated",
            "notificationUrl": webhook.url,
            "resource": f"/communications/presences/{PATTI}",
            "expirationDateTime": in_minutes(live, 50),
        },
    )
    assert without_read_all.status_code == 403


def test_retries_keep_the_order_and_hold_up_no_other_subscription(
    live: Graph, webhook: WebhookReceiver
) -> None:
    patti = subscribe(live, webhook.url, PATTI).json()["id"]
    with WebhookReceiver() as other:
        created = subscribe_as(live, ADELE, other.url, f"/communications/presences/{NESTOR}")
        assert created.status_code == 201, created.text
        nestor = created.json()["id"]
        webhook.fail_next(2, status=503)
        set_busy(live, PATTI)
        live.as_app(PRESENCE_SYNC).post(
            f"/v1.0/users/{PATTI}/presence/setPresence",
            json={"sessionId": "s", "availability": "Away", "activity": "Away"},
        )
        set_busy(live, NESTOR)
        flush(live)
        assert [i["resourceData"]["id"] for i in other.items()] == [NESTOR]
    attempts = [
        (a["subscriptionId"], a["status"], a["outcome"])
        for a in live.admin.get("/_mockgraph/notifications").json()["value"]
        if a["kind"] == "change"
    ]
    # Patti's second change waits until her first is through its two 503s.
    assert [(s, o) for s, _, o in attempts if s == patti] == [
        (patti, "retrying"),
        (patti, "retrying"),
        (patti, "delivered"),
        (patti, "delivered"),
    ]
    # Nestor's went out meanwhile.
    assert attempts.index((nestor, 202, "delivered")) < attempts.index((patti, 202, "delivered"))
    assert len(webhook.items()) == 2


def test_a_renewal_to_a_sooner_expiry_ends_the_subscription_then(
    live: Graph, webhook: WebhookReceiver
) -> None:
    """PATCH may shorten a subscription as well as lengthen it; it ends at the new time
    (https://learn.microsoft.com/graph/api/subscription-update)."""
    created = subscribe(live, webhook.url, PATTI, minutes=59).json()
    reader = live.as_user(ALEX, "Presence.Read.All")
    for minutes in (58, 50, 46):
        renewed = reader.patch(
            f"/v1.0/subscriptions/{created['id']}",
            json={"expirationDateTime": in_minutes(live, minutes)},
        )
        assert renewed.status_code == 200, renewed.text
    live.advance("PT47M")
    assert reader.get(f"/v1.0/subscriptions/{created['id']}").status_code == 404


def test_a_watched_user_removed_is_heard_of_with_the_next_change(
    live: Graph, webhook: WebhookReceiver
) -> None:
    """A user removed from the tenant (the user table changed) reads PresenceUnknown; the scan
    after the next call looks at every watched user, not only the one written."""
    subscribe(live, webhook.url, PATTI, ADELE)
    assert live.admin.delete(f"/_mockgraph/users/{PATTI}").status_code == 200
    set_busy(live, ADELE)
    flush(live)
    items = webhook.items()
    assert [i["resourceData"]["id"] for i in items] == [PATTI, ADELE]
