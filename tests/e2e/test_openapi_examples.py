"""Every operation in the OpenAPI document, sent with its own example, succeeds.

This is what a person pressing "Try it out" then "Execute" in Swagger UI sends: the path and
query parameters' examples and the request body's example, with a fixture token where the
operation needs one. It runs over a real server, since a subscription's example validates the
server's own webhook.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from mockgraph.app import create_app
from mockgraph.server import ServerThread
from mockgraph.settings import Settings
from tests.constants import ADELE, BUSY_LIGHT, TENANT

REAUTHORIZE = "/subscriptions/{id}/reauthorize"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[httpx.Client]:
    # With a CA file, /_mockgraph/ca.pem has something to serve, as under --tls.
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    with (
        ServerThread(create_app(Settings(tls_ca=ca))) as thread,
        httpx.Client(base_url=thread.url, timeout=20) as client,
    ):
        yield client


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation in the document's order, but a subscription's reauthorize just before
    its DELETE, so that both address the subscription made before them."""
    found = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    for moved in [o for o in found if o[0].endswith(REAUTHORIZE)]:
        found.remove(moved)
        item_path = moved[0].removesuffix("/reauthorize")
        at = next(i for i, o in enumerate(found) if o[0] == item_path and o[1] == "delete")
        found.insert(at, moved)
    return found


def example_request(
    path: str, operation: dict[str, Any], known: dict[str, str]
) -> tuple[str, dict[str, str], bytes | None]:
    """(url, headers, body) from the operation's examples; `known` fills ids made earlier."""
    query: dict[str, str] = {}
    header_examples: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        value = known.get(parameter["name"], parameter.get("example"))
        if value is None:
            assert not parameter.get("required"), f"{path}: {parameter['name']} has no example"
            continue
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(value))
        elif parameter["in"] == "query":
            query[parameter["name"]] = str(value)
        elif parameter["in"] == "header":
            header_examples[parameter["name"]] = str(value)
    headers: dict[str, str] = dict(header_examples)
    body: bytes | None = None
    for media, content in operation.get("requestBody", {}).get("content", {}).items():
        example = content.get("example")
        if example is None:
            continue
        headers["Content-Type"] = media
        if media == "application/x-www-form-urlencoded":
            body = urlencode(example).encode()
        else:
            body = httpx.Request("POST", "/", json=example).content
    return path + (f"?{urlencode(query)}" if query else ""), headers, body


def test_every_example_runs_as_it_stands(server: httpx.Client) -> None:
    document = server.get("/openapi.json").json()
    token = server.post(
        "/_mockgraph/tokens",
        json={
            "userId": ADELE,
            "appId": BUSY_LIGHT,
            # What Authorize gets for the bundled Busy Light app (.default: its delegated
            # permissions).
            "scopes": [
                "Presence.Read",
                "Presence.Read.All",
                "Presence.ReadWrite",
                "User.Read",
                "User.ReadBasic.All",
                "ProfilePhoto.Read.All",
                "GroupMember.Read.All",
            ],
        },
    ).json()["access_token"]
    failures: list[str] = []
    known: dict[str, str] = {}
    count = 0
    for path, method, operation in operations(document):
        subscription = path.endswith(("/subscriptions/{id}", REAUTHORIZE))
        if subscription and "id" not in known:
            failures.append(f"{method.upper()} {path}: no subscription was created before it")
            continue
        # The subscription calls follow the one that created it; the rest stand alone.
        creates = path.endswith("/subscriptions") and method == "post"
        if creates or not (subscription or path.endswith("/subscriptions")):
            assert server.post("/_mockgraph/reset").status_code == 200
        if path.endswith("/device-codes/{user_code}"):
            # A device code to decide: one the bundled public client asks for.
            started = server.post(
                f"/{TENANT}/oauth2/v2.0/devicecode",
                data={"client_id": BUSY_LIGHT, "scope": "Presence.Read"},
            )
            known = {"user_code": started.json()["user_code"]}
        decides = path.endswith("/device-codes/{user_code}")
        url, headers, body = example_request(
            path, operation, known if subscription or decides else {}
        )
        if operation.get("security"):
            headers["Authorization"] = f"Bearer {token}"
        response = server.request(method.upper(), url, headers=headers, content=body)
        count += 1
        if not 200 <= response.status_code < 300:
            failures.append(f"{method.upper()} {url}: {response.status_code} {response.text[:300]}")
        elif path.endswith("/subscriptions") and method == "post":
            # The next operations address this subscription, as OpenAPI links would.
            known["id"] = response.json()["id"]
        if subscription and method == "delete":
            known.pop("id", None)
    assert failures == [], "\n".join(failures)
    assert count > 60


def test_examples_use_the_fixtures_and_graph_answers(server: httpx.Client) -> None:
    document = server.get("/openapi.json").json()
    get = document["paths"]["/v1.0/users/{id}/presence"]["get"]
    answer = get["responses"]["200"]["content"]["application/json"]["example"]
    assert answer["id"] == ADELE
    assert (answer["availability"], answer["activity"]) == ("Available", "Available")
    token = document["paths"]["/_mockgraph/tokens"]["post"]["requestBody"]
    assert token["content"]["application/json"]["example"]["userId"] == ADELE
    reset = document["paths"]["/_mockgraph/reset"]["post"]
    assert [p["example"] for p in reset["parameters"]] == [TENANT]
    subscribe = document["paths"]["/v1.0/subscriptions"]["post"]["requestBody"]
    url = subscribe["content"]["application/json"]["example"]["notificationUrl"]
    assert url == f"{server.base_url}/_mockgraph/webhook"
