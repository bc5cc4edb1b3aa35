"""The report's tokenNotCached finding: token requests a token cache would have answered."""

from __future__ import annotations

from typing import Any

import msal

from tests.client import Graph
from tests.constants import ADELE, ADELE_PASSWORD, ADELE_UPN, BUSY_LIGHT, PRESENCE_SYNC, TENANT
from tests.report.scenarios import client_of, kinds, report

TOKEN = f"/{TENANT}/oauth2/v2.0/token"
SYNC_SECRET = "presence-sync-secret"
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


def client_credentials(graph: Graph) -> dict[str, Any]:
    form = {
        "grant_type": "client_credentials",
        "client_id": PRESENCE_SYNC,
        "client_secret": SYNC_SECRET,
        "scope": GRAPH_DEFAULT,
    }
    response = graph.admin.post(TOKEN, data=form)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_client_that_asks_for_its_token_three_times(graph: Graph) -> None:
    for _ in range(3):
        client_credentials(graph)
        graph.advance("PT1M")

    client = client_of(report(graph), PRESENCE_SYNC)
    assert (client["calls"], client["tokenRequests"]) == (0, 3)
    assert client["firstSequence"] is None
    finding = kinds(client)["tokenNotCached"]
    assert finding["check"] == "hygiene"
    assert finding["severity"] == "warning"
    assert finding["evidence"]["count"] == 2
    assert finding["title"] == (
        "2 token requests for a token the client still held (up to 59 min before it expired)"
    )
    assert finding["fix"].startswith("Cache the token until shortly before it expires")
    assert finding["learnMore"] == (
        "https://learn.microsoft.com/entra/identity-platform/msal-acquire-cache-tokens"
    )
    times = finding["evidence"]["times"]
    assert len(times) == 2
    assert times[0] < times[1]
    first = finding["evidence"]["requests"][0]
    assert (first["grantType"], first["scope"]) == ("client_credentials", GRAPH_DEFAULT)


def test_one_repeat_is_not_reported(graph: Graph) -> None:
    client_credentials(graph)
    client_credentials(graph)

    client = client_of(report(graph), PRESENCE_SYNC)
    assert client["tokenRequests"] == 2
    assert "tokenNotCached" not in kinds(client)


def test_a_token_asked_for_again_near_its_expiry_is_due(graph: Graph) -> None:
    for _ in range(3):
        client_credentials(graph)
        graph.advance("PT56M")

    assert "tokenNotCached" not in kinds(client_of(report(graph), PRESENCE_SYNC))


def test_delegated_repeats_are_the_users(graph: Graph) -> None:
    form = {
        "grant_type": "password",
        "client_id": BUSY_LIGHT,
        "username": ADELE_UPN,
        "password": ADELE_PASSWORD,
        "scope": "Presence.Read User.Read",
    }
    answers = [graph.admin.post(TOKEN, data=form) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200], answers[0].text

    body = report(graph)
    [client] = [c for c in body["clients"] if c["appId"] == BUSY_LIGHT]
    assert client["kind"] == "delegated"
    assert kinds(client)["tokenNotCached"]["evidence"]["count"] == 2


def test_msal_asks_once_and_reads_its_cache_after(graph: Graph) -> None:
    app = msal.ConfidentialClientApplication(
        PRESENCE_SYNC,
        client_credential=SYNC_SECRET,
        authority=f"https://login.microsoftonline.com/{TENANT}",
        instance_discovery=False,
        http_client=graph.admin,
    )
    first = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    second = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])

    assert "access_token" in first, first
    assert second["access_token"] == first["access_token"]
    client = client_of(report(graph), PRESENCE_SYNC)
    assert client["tokenRequests"] == 1
    assert client["findings"] == []


def test_a_reset_forgets_the_token_requests(graph: Graph) -> None:
    for _ in range(3):
        client_credentials(graph)
    graph.control.reset()

    assert report(graph)["clients"] == []


def test_since_reports_the_token_requests_after_it(graph: Graph) -> None:
    for _ in range(3):
        client_credentials(graph)
    sync = graph.as_app(PRESENCE_SYNC, "Presence.Read.All")
    assert sync.get(f"/v1.0/users/{ADELE}/presence").status_code == 200
    client_credentials(graph)

    assert client_of(report(graph), PRESENCE_SYNC)["tokenRequests"] == 4
    client = client_of(report(graph, since="1"), PRESENCE_SYNC)
    assert (client["calls"], client["tokenRequests"]) == (0, 1)
