"""A presence subscription's resource, in every form Graph writes or refuses (issue 13, faults 1
and 2): URL-encoded forms are accepted; any malformed $filter is Graph's 400."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockgraph.testing import WebhookReceiver
from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI
from tests.e2e.test_notifications import flush, set_busy, subscribe_as

P, A = PATTI, ADELE


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def subscribe(live: Graph, url: str, resource: str) -> httpx.Response:
    return subscribe_as(live, ALEX, url, resource)


# Each watches Patti and Adele.
BOTH = [
    f"/communications/presences?$filter=id in ('{P}','{A}')",
    f"communications/presences?$filter=id in ('{P}', '{A}')",
    # Exactly as Graph writes the resource in its own notifications.
    f"communications/presences?$filter=id+in+(%27{P}%27%2c%27{A}%27)",
    f"/communications/presences?$filter=id+in+(%27{P}%27%2C%27{A}%27)",
    f"/communications/presences?$filter=id%20in%20%28%27{P}%27%2C%20%27{A}%27%29",
    f"/communications/presences?%24filter=id+in+(%27{P}%27,%27{A}%27)",
    f"/communications/presences?$filter=id+in+('{P}','{A}')",
    f"/communications/presences?$filter=id in ('{P}'%2C'{A}')",
    f"/communications/presences?$filter=id in('{P}','{A}')",
    f"/communications/presences?$filter=id  in  ( '{P}' ,  '{A}' )",
    f"/communications/presences?$filter=(id in ('{P}','{A}'))",
    f"/communications/presences?$FILTER=ID IN ('{P}','{A}')",
    f"/Communications/Presences?$filter=Id In ('{P.upper()}','{A}')",
    f"  /communications/presences?$filter=id in ('{P}','{A}')  ",
]


@pytest.mark.parametrize("resource", BOTH)
def test_encoded_and_spaced_forms_are_accepted(
    live: Graph, webhook: WebhookReceiver, resource: str
) -> None:
    created = subscribe(live, webhook.url, resource)
    assert created.status_code == 201, created.text
    # Graph keeps the resource as the client wrote it.
    assert created.json()["resource"] == resource
    set_busy(live, A)
    set_busy(live, P)
    flush(live)
    assert [i["resourceData"]["id"] for i in webhook.items()] == [A, P]


@pytest.mark.parametrize(
    "resource",
    [
        f"/communications/presences/{P}",
        f"communications/presences/{P}",
        f"/communications/presences/{P.upper()}",
        f"/communications/presences?$filter=id+in+(%27{P}%27)",
        f"/communications/presences?$filter=id in ('{P}','{P}')",
    ],
)
def test_one_user_forms_are_accepted(live: Graph, webhook: WebhookReceiver, resource: str) -> None:
    assert subscribe(live, webhook.url, resource).status_code == 201
    set_busy(live, P)
    flush(live)
    assert [i["resourceData"]["id"] for i in webhook.items()] == [P]


MALFORMED = [
    # The documented typo that two public reports ran into: ids without quotes.
    f"id in ({P})",
    f"id in ({P},{A})",
    f"id+in+({P}%2c{A})",
    f'id in ("{P}")',
    f"id in '{P}'",
    f"id in ('{P}'",
    f"id in '{P}')",
    f"id in (('{P}')",
    f"(id in ('{P}')",
    f"id in ('{P})",
    f"id in ('{P}",
    "id in ()",
    f"id in ('{P}',)",
    f"id in (,'{P}')",
    f"id in ('{P}',,'{A}')",
    f"id in ('{P}' '{A}')",
    f"id in ['{P}']",
    f"userId in ('{P}')",
    f"id eq '{P}'",
    f"id ('{P}')",
    f"in ('{P}')",
    "id in",
    "",
    " ",
    f"id in ('{P}') and id in ('{A}')",
    f"id in ('{P}') or true",
    f"not id in ('{P}')",
    f"id in ('{P}');",
    # Encoded twice: one decoding leaves %27, which is not a quote.
    f"id+in+(%2527{P}%2527)",
]


@pytest.mark.parametrize("clause", MALFORMED)
def test_a_malformed_filter_is_graphs_400(
    live: Graph, webhook: WebhookReceiver, clause: str
) -> None:
    response = subscribe(live, webhook.url, f"/communications/presences?$filter={clause}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("BadRequest", "Invalid filter clause")
    assert webhook.validations == []


def test_filter_given_twice_is_odatas_400(live: Graph, webhook: WebhookReceiver) -> None:
    response = subscribe(
        live,
        webhook.url,
        f"/communications/presences?$filter=id in ('{P}')&$filter=id in ('{A}')",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Query option '$filter' was specified more than once, but it must be specified at "
        "most once."
    )


@pytest.mark.parametrize(
    ("resource", "fragment"),
    [
        (f"/communications/presences?$filter=id in ('{P}')&$select=id", "not supported"),
        (f"/communications/presences/{P}?$filter=id in ('{A}')", "not supported"),
        ("/communications/presences", "not supported"),
        (f"/communications/presences?$filter=id in ('{P}', 'not-a-guid')", "'not-a-guid'"),
        ("/communications/presences?$filter=id in ('it''s')", "'it's'"),
    ],
)
def test_other_bad_resources_keep_their_messages(
    live: Graph, webhook: WebhookReceiver, resource: str, fragment: str
) -> None:
    response = subscribe(live, webhook.url, resource)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_a_bulk_resource_round_trips_through_graphs_own_notification(
    live: Graph, webhook: WebhookReceiver
) -> None:
    reader = live.as_user(ALEX, "Presence.Read.All")
    created = subscribe(live, webhook.url, f"/communications/presences?$filter=id in ('{P}','{A}')")
    set_busy(live, A)
    flush(live)
    [item] = webhook.items()
    # Graph names a bulk subscription's resource URL-encoded in each notification.
    assert item["resource"] == (f"communications/presences?$filter=id+in+(%27{P}%27%2c%27{A}%27)")
    assert item["resourceData"]["id"] == A

    # A client renewing by recreating sends that resource back as it got it.
    assert reader.delete(f"/v1.0/subscriptions/{created.json()['id']}").status_code == 204
    again = subscribe(live, webhook.url, item["resource"])
    assert again.status_code == 201, again.text
    set_busy(live, P)
    flush(live)
    assert [i["resourceData"]["id"] for i in webhook.items()] == [A, P]
