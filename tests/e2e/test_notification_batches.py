"""Several subscriptions' notifications in one POST: "When many changes occur, Microsoft Graph
may send multiple notifications that correspond to different subscriptions in the same POST
request" (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks). A client
that reads only a POST's first item, or takes its subscription for all, fails here as there."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization

from mockgraph.notifications import delivery, pacing
from mockgraph.testing import WebhookReceiver
from tests.certificates import make_certificate
from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI, PRESENCE_SYNC
from tests.e2e.test_notifications import flush, set_busy, subscribe, subscribe_as

SUBSCRIBERS = (ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def subscribe_to_patti(
    live: Graph, url: str, subscribers: tuple[str, ...] = SUBSCRIBERS
) -> set[str]:
    """One subscription to Patti's presence per subscriber, all for one URL; their ids."""
    made = set()
    for subscriber in subscribers:
        created = subscribe_as(live, subscriber, url, f"/communications/presences/{PATTI}")
        assert created.status_code == 201, created.text
        made.add(created.json()["id"])
    return made


def set_presence(live: Graph, user: str, availability: str, activity: str, **extra: str) -> None:
    moved = live.as_app(PRESENCE_SYNC).post(
        f"/v1.0/users/{user}/presence/setPresence",
        json={"sessionId": "s", "availability": availability, "activity": activity, **extra},
    )
    assert moved.status_code == 200, moved.text


def test_the_notifications_waiting_for_one_url_go_in_one_post(
    live: Graph, webhook: WebhookReceiver
) -> None:
    made = subscribe_to_patti(live, webhook.url)

    set_busy(live)  # one change, six subscriptions told of it at once
    flush(live)

    [posted] = webhook.notifications
    assert sorted(item["subscriptionId"] for item in posted["value"]) == sorted(made)
    assert {item["resource"] for item in posted["value"]} == {f"communications/presences/{PATTI}"}
    # The delivery log still lists each subscription's notification, each delivered.
    attempts = live.admin.get("/_mockgraph/notifications").json()["value"]
    delivered = {a["subscriptionId"] for a in attempts if a["outcome"] == "delivered"}
    assert delivered == made


def test_a_failed_post_is_retried_for_each_subscription_in_it(
    live: Graph, webhook: WebhookReceiver
) -> None:
    made = subscribe_to_patti(live, webhook.url)
    webhook.fail_next(1)

    set_busy(live)
    flush(live)

    # The failed POST held all six; each was retried, and each arrived once.
    assert sorted(item["subscriptionId"] for item in webhook.items()) == sorted(made)
    attempts = live.admin.get("/_mockgraph/notifications").json()["value"]
    changes = [
        (a["subscriptionId"], a["attempt"], a["outcome"]) for a in attempts if a["kind"] == "change"
    ]
    assert sorted(c for c in changes if c[0] in made) == sorted(
        [(s, 1, "retrying") for s in made] + [(s, 2, "delivered") for s in made]
    )


def test_a_subscription_has_at_most_one_notification_in_a_post(
    live: Graph, webhook: WebhookReceiver
) -> None:
    subscribe_to_patti(live, webhook.url)
    webhook.stall_next(0.2, times=8)  # a backlog: every worker waits on the webhook

    for availability, activity in (
        ("Busy", "InACall"),
        ("Away", "Away"),
        ("DoNotDisturb", "Presenting"),
    ):
        set_presence(live, PATTI, availability, activity)
    flush(live)

    assert len(webhook.items()) == 3 * len(SUBSCRIBERS)
    for body in webhook.notifications:
        ids = [item["subscriptionId"] for item in body["value"]]
        assert len(ids) == len(set(ids)), ids


def test_notifications_for_other_urls_are_not_joined(live: Graph, webhook: WebhookReceiver) -> None:
    with WebhookReceiver() as other:
        first = subscribe_as(live, ADELE, webhook.url, f"/communications/presences/{PATTI}")
        second = subscribe_as(live, ALEX, other.url, f"/communications/presences/{PATTI}")
        assert (first.status_code, second.status_code) == (201, 201)

        set_busy(live)
        flush(live)

        assert [i["subscriptionId"] for i in webhook.items()] == [first.json()["id"]]
        assert [i["subscriptionId"] for i in other.items()] == [second.json()["id"]]


def test_a_rich_notification_is_posted_alone(live: Graph, webhook: WebhookReceiver) -> None:
    """Its `validationTokens` vouch for its own app's notifications only."""
    der = make_certificate("presence client").cert.public_bytes(serialization.Encoding.DER)
    rich = subscribe(
        live,
        webhook.url,
        PATTI,
        includeResourceData=True,
        encryptionCertificate=base64.b64encode(der).decode(),
        encryptionCertificateId="cert-1",
    )
    assert rich.status_code == 201, rich.text
    basic = subscribe_to_patti(live, webhook.url, (ADELE, LEE, MEGAN))

    set_busy(live)
    flush(live)

    posted = sorted(webhook.notifications, key=lambda body: len(body["value"]))
    assert [sorted(body) for body in posted] == [["validationTokens", "value"], ["value"]]
    assert [item["subscriptionId"] for item in posted[0]["value"]] == [rich.json()["id"]]
    assert {item["subscriptionId"] for item in posted[1]["value"]} == basic


def test_one_subscriptions_notification_is_posted_alone(
    live: Graph, webhook: WebhookReceiver
) -> None:
    created = subscribe(live, webhook.url, PATTI)
    assert created.status_code == 201, created.text

    set_busy(live)
    flush(live)

    assert [len(body["value"]) for body in webhook.notifications] == [1]


@pytest.mark.skipif(
    bool(os.environ.get("MOCKGRAPH_URL")), reason="sets the bound in this process's server"
)
def test_a_bulk_subscriptions_notifications_count_against_the_bound(
    live: Graph, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "MAX_BATCH", 2)
    assert subscribe(live, webhook.url, PATTI, ADELE).status_code == 201  # Alex's, bulk
    subscribe_to_patti(live, webhook.url, (LEE, MEGAN, NESTOR))
    for user in (PATTI, ADELE):
        set_presence(live, user, "Available", "Available", expirationDuration="PT15M")
    flush(live)

    live.advance("PT5M")  # both fade at once: the bulk subscription's notification has two
    flush(live)

    assert max(len(body["value"]) for body in webhook.notifications) == 2
    assert any(
        {item["resourceData"]["id"] for item in body["value"]} == {PATTI, ADELE}
        for body in webhook.notifications
    )


@pytest.mark.skipif(
    bool(os.environ.get("MOCKGRAPH_URL")), reason="sets the bound in this process's server"
)
def test_a_post_holds_at_most_max_batch_notifications(
    live: Graph, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "MAX_BATCH", 4)
    made = subscribe_to_patti(live, webhook.url)

    set_busy(live)
    flush(live)

    assert sorted(len(body["value"]) for body in webhook.notifications) == [2, 4]
    assert sorted(item["subscriptionId"] for item in webhook.items()) == sorted(made)


def two_changes_after_a_post(live: Graph, webhook: WebhookReceiver) -> float:
    """Adele watches Patti, Alex Megan and Lee Nestor, all for one URL. Patti's change goes out
    (the URL had no POST lately); then Megan's and Nestor's come at once. The seconds from those
    two changes to their delivery."""
    for subscriber, watched in ((ADELE, PATTI), (ALEX, MEGAN), (LEE, NESTOR)):
        created = subscribe_as(
            live, subscriber, webhook.url, f"/communications/presences/{watched}"
        )
        assert created.status_code == 201, created.text
    set_busy(live, PATTI)
    flush(live)
    asked = time.monotonic()
    set_busy(live, MEGAN)
    set_busy(live, NESTOR)
    flush(live)
    return time.monotonic() - asked


@pytest.mark.skipif(
    bool(os.environ.get("MOCKGRAPH_URL")), reason="sets the pause in this process's server"
)
def test_changes_soon_after_a_post_wait_and_share_the_next(
    live: Graph, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL that had a POST less than GATHER ago gets the notifications that became ready
    meanwhile in one POST, once GATHER has passed (docs/fidelity.md, "Change notifications
    and $batch")."""
    monkeypatch.setattr(pacing, "GATHER", 1.0)
    waited = two_changes_after_a_post(live, webhook)
    assert [len(body["value"]) for body in webhook.notifications] == [1, 2]
    assert waited >= 0.5  # the first POST's GATHER


@pytest.mark.skipif(
    bool(os.environ.get("MOCKGRAPH_URL")), reason="sets the bounds in this process's server"
)
def test_a_full_posts_worth_goes_at_once(
    live: Graph, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pacing, "GATHER", 20.0)
    monkeypatch.setattr(delivery, "MAX_BATCH", 2)
    waited = two_changes_after_a_post(live, webhook)
    assert [len(body["value"]) for body in webhook.notifications] == [1, 2]
    assert waited < 5  # two waiting are MAX_BATCH: no wait for GATHER


@pytest.mark.skipif(
    bool(os.environ.get("MOCKGRAPH_URL")), reason="sets the bounds in this process's server"
)
def test_a_bulk_notification_as_large_as_a_post_goes_at_once(
    live: Graph, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pause counts notifications, not subscriptions: one bulk subscription's notification
    of MAX_BATCH items is a full POST's worth."""
    assert subscribe(live, webhook.url, PATTI, ADELE).status_code == 201
    for user in (PATTI, ADELE):
        set_presence(live, user, "Available", "Available", expirationDuration="PT15M")
    flush(live)
    monkeypatch.setattr(pacing, "GATHER", 20.0)
    monkeypatch.setattr(delivery, "MAX_BATCH", 2)

    asked = time.monotonic()
    live.advance("PT5M")  # both fade at once: one notification of two items
    flush(live)

    assert len(webhook.notifications[-1]["value"]) == 2
    assert time.monotonic() - asked < 5  # not held for the URL's last POST
