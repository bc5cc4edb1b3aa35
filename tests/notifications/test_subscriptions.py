"""The subscription operations as Graph's pages show them (issue 20): the list hides
clientState, unset members read as the pages write them, and reauthorize answers 204."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mockgraph.testing import WebhookReceiver
from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI, PRESENCE_SYNC, START


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def reader(graph: Graph, user_id: str = ALEX) -> httpx.Client:
    return graph.as_user(user_id, "Presence.Read.All")


def subscribe(graph: Graph, webhook: WebhookReceiver, **extra: Any) -> dict[str, Any]:
    body = {
        "changeType": "updated",
        "notificationUrl": webhook.url,
        "resource": f"/communications/presences/{PATTI}",
        "expirationDateTime": (START + timedelta(minutes=50)).isoformat(),
        "clientState": "secret-state",
        **extra,
    }
    created = reader(graph).post("/v1.0/subscriptions", json=body)
    assert created.status_code == 201, created.text
    answer: dict[str, Any] = created.json()
    return answer


def flush(graph: Graph) -> None:
    assert graph.admin.post("/_mockgraph/notifications/flush").json()["pending"] == 0


def test_the_list_hides_client_state_a_single_get_keeps_it(
    graph: Graph, webhook: WebhookReceiver
) -> None:
    created = subscribe(graph, webhook)

    [listed] = reader(graph).get("/v1.0/subscriptions").json()["value"]
    one = reader(graph).get(f"/v1.0/subscriptions/{created['id']}").json()

    assert listed["id"] == created["id"]
    assert listed["clientState"] is None
    assert (created["clientState"], one["clientState"]) == ("secret-state", "secret-state")


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_unset_members_read_as_the_pages_show_them(
    graph: Graph, webhook: WebhookReceiver, version: str
) -> None:
    created = subscribe(graph, webhook)

    one = reader(graph).get(f"/{version}/subscriptions/{created['id']}").json()

    assert (one["encryptionCertificate"], one["encryptionCertificateId"]) == ("", "")
    assert one["notificationContentType"] == "application/json"


def test_reauthorize_answers_204_and_keeps_the_expiry(
    graph: Graph, webhook: WebhookReceiver
) -> None:
    created = subscribe(graph, webhook)
    address = f"/v1.0/subscriptions/{created['id']}"

    answer = reader(graph).post(f"{address}/reauthorize")
    qualified = reader(graph).post(f"{address}/microsoft.graph.reauthorize")

    assert (answer.status_code, answer.content) == (204, b"")
    assert qualified.status_code == 204
    assert (
        reader(graph).get(address).json()["expirationDateTime"] == (created["expirationDateTime"])
    )


def test_reauthorize_has_the_checks_of_renewal(graph: Graph, webhook: WebhookReceiver) -> None:
    created = subscribe(graph, webhook)
    address = f"/v1.0/subscriptions/{created['id']}/reauthorize"

    # Another user's subscription is not found, as for PATCH; so is an unknown one.
    other = reader(graph, ADELE).post(address)
    unknown = reader(graph).post(
        "/v1.0/subscriptions/00000000-0000-0000-0000-000000000000/reauthorize"
    )
    # Without a permission that may subscribe, 403; an app may not hold presence subscriptions.
    denied = graph.as_user(ALEX, "User.Read").post(address)
    app = graph.as_app(PRESENCE_SYNC, "Presence.Read.All").post(address)
    method = reader(graph).get(address)

    assert (other.status_code, unknown.status_code) == (404, 404)
    assert denied.status_code == 403
    # The page's table: presence, "Application: Not supported".
    assert app.status_code == 403
    assert method.status_code == 405
    assert method.headers["Allow"] == "POST"


def test_reauthorize_rearms_the_challenge_without_a_loop(graph: Graph) -> None:
    with WebhookReceiver() as changes, WebhookReceiver() as lifecycle:
        created = subscribe(graph, changes, lifecycleNotificationUrl=lifecycle.url)
        address = f"/v1.0/subscriptions/{created['id']}"
        graph.advance("PT46M")
        flush(graph)
        assert [e["lifecycleEvent"] for e in lifecycle.items()] == ["reauthorizationRequired"]

        # Answering the challenge does not bring it straight back.
        assert reader(graph).post(f"{address}/reauthorize").status_code == 204
        graph.advance("PT1M")
        flush(graph)
        assert len(lifecycle.items()) == 1

        # A renewal moves the expiry; the challenge comes again five minutes before it.
        renewed = reader(graph).patch(
            address, json={"expirationDateTime": (START + timedelta(minutes=100)).isoformat()}
        )
        assert renewed.status_code == 200
        assert reader(graph).post(f"{address}/reauthorize").status_code == 204
        graph.advance("PT49M")
        flush(graph)
        assert len(lifecycle.items()) == 2


def test_a_subscription_is_addressed_in_parentheses_too(
    graph: Graph, webhook: WebhookReceiver
) -> None:
    created = subscribe(graph, webhook)
    keyed = f"/v1.0/subscriptions('{created['id']}')"
    renewal = {"expirationDateTime": (START + timedelta(minutes=55)).isoformat()}

    got = reader(graph).get(keyed)
    renewed = reader(graph).patch(keyed, json=renewal)
    reauthorized = reader(graph).post(f"{keyed}/reauthorize")
    deleted = reader(graph).delete(keyed)

    assert (got.status_code, got.json()["id"]) == (200, created["id"])
    assert renewed.status_code == 200
    assert reauthorized.status_code == 204
    assert deleted.status_code == 204
    assert reader(graph).get(keyed).status_code == 404
