"""Azure Resource Manager as the Azure CLI meets it: tokens for ARM's resources, the tenant and
subscription lists on ARM's hosts, and ARM's errors for what it refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

import mockgraph
from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.identity.firstparty import AZURE_CLI
from mockgraph.runtime import load_state, state_snapshot
from mockgraph.settings import Settings
from mockgraph.state.fixtures import FixtureError, parse_fixtures
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import ADELE, ADELE_PASSWORD, ADELE_UPN, PRESENCE_SYNC, START, TENANT
from tests.identity.entra import assert_entra_error

SECRET = "presence-sync-secret"
ARM = "https://management.core.windows.net/"
LIST = "/subscriptions?api-version=2022-12-01"
PACKAGE = Path(mockgraph.__file__).parent
SUBSCRIPTION = "9b4c1f2e-6d3a-4e8b-a5c7-0f1e2d3c4b5a"


def at(graph: Graph, host: str) -> httpx.Client:
    """A client of the same server, calling it as https://`host` (as through the proxy)."""
    client = httpx.Client(transport=graph.transport, base_url=f"https://{host}")
    graph._clients.append(client)
    return client


def token(
    graph: Graph, scope: str, host: str = "login.microsoftonline.com", **form: str
) -> httpx.Response:
    body = {
        "grant_type": "client_credentials",
        "client_id": PRESENCE_SYNC,
        "client_secret": SECRET,
        "scope": scope,
        **form,
    }
    return at(graph, host).post(f"/{TENANT}/oauth2/v2.0/token", data=body)


def user_token(graph: Graph, scope: str, **form: str) -> httpx.Response:
    body = {
        "grant_type": "password",
        "client_id": AZURE_CLI,
        "username": ADELE_UPN,
        "password": ADELE_PASSWORD,
        "scope": scope,
        **form,
    }
    return at(graph, "login.microsoftonline.com").post(
        "/organizations/oauth2/v2.0/token", data=body
    )


def claims(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    decoded: dict[str, Any] = jwt.decode(
        response.json()["access_token"], options={"verify_signature": False}
    )
    return decoded


def bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_arm_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message: str = body["error"]["message"]
    return message


@pytest.fixture
def with_subscriptions(tmp_path: Path) -> Iterator[Graph]:
    default = json.loads((PACKAGE / "default_fixtures.json").read_text())
    default["subscriptions"] = [
        {"id": SUBSCRIPTION.upper(), "displayName": "Contoso Dev"},
        {"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "displayName": "Old", "state": "Disabled"},
    ]
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(default))
    (tmp_path / "photos").symlink_to(PACKAGE / "photos")
    app = create_app(Settings(fixtures=path), clock=Clock(start=START, frozen=True))
    transport = InProcessTransport(app)
    graph = Graph(transport, "http://mockgraph.test")
    yield graph
    graph.close()
    transport.close()


# --- tokens for ARM ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "aud"),
    [
        ("https://management.core.windows.net//.default", "https://management.core.windows.net/"),
        ("https://management.azure.com/.default", "https://management.azure.com"),
        ("https://management.azure.com//.default", "https://management.azure.com/"),
    ],
)
def test_an_app_token_for_arm_is_v1_for_the_resource_as_asked(
    graph: Graph, scope: str, aud: str
) -> None:
    answer = token(graph, scope)
    issued = claims(answer)

    assert issued["aud"] == aud
    assert (issued["ver"], issued["iss"]) == ("1.0", f"https://sts.windows.net/{TENANT}/")
    assert issued["appid"] == PRESENCE_SYNC
    assert "roles" not in issued
    listed = at(graph, "management.azure.com").get(LIST, headers=bearer(answer))
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"value": [], "count": {"type": "Total", "value": 0}}


def test_a_user_token_for_arm_is_user_impersonation_and_refreshes_for_graph(graph: Graph) -> None:
    # az login: ARM's scope, then the refresh token for Graph (az account get-access-token).
    answer = user_token(graph, f"{ARM}/.default offline_access openid profile")
    token = claims(answer)

    assert (token["aud"], token["scp"], token["oid"]) == (ARM, "user_impersonation", ADELE)
    assert answer.json()["scope"].split() == [f"{ARM}/user_impersonation", "openid", "profile"]
    refreshed = at(graph, "login.microsoftonline.com").post(
        f"/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "client_id": AZURE_CLI,
            "refresh_token": answer.json()["refresh_token"],
            "scope": "https://graph.microsoft.com//.default offline_access",
        },
    )
    assert claims(refreshed)["aud"] == "https://graph.microsoft.com"
    me = at(graph, "graph.microsoft.com").get("/v1.0/me/presence", headers=bearer(refreshed))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == ADELE


def test_tokens_do_not_cross_between_graph_and_arm(graph: Graph) -> None:
    for_arm = token(graph, f"{ARM}/.default")
    for_graph = token(graph, "https://graph.microsoft.com/.default")

    on_graph = at(graph, "graph.microsoft.com").get(
        f"/v1.0/users/{ADELE}/presence", headers=bearer(for_arm)
    )
    assert on_graph.status_code == 401
    assert on_graph.json()["error"]["code"] == "InvalidAuthenticationToken"
    on_arm = at(graph, "management.azure.com").get(LIST, headers=bearer(for_graph))
    message = assert_arm_error(on_arm, 401, "InvalidAuthenticationTokenAudience")
    assert "'https://graph.microsoft.com'" in message
    assert "'https://management.core.windows.net/'" in message


@pytest.mark.parametrize(
    ("scope", "error", "code"),
    [
        (f"{ARM}/Presence.Read", "invalid_scope", 70011),
        (f"{ARM}/.default https://graph.microsoft.com/.default", "invalid_scope", 28000),
        ("https://management.chinacloudapi.cn/.default", "invalid_resource", 500011),
        ("https://management.example.com/.default", "invalid_resource", 500011),
    ],
)
def test_scopes_arm_does_not_take_are_entras_errors(
    graph: Graph, scope: str, error: str, code: int
) -> None:
    assert_entra_error(token(graph, scope), 400, error, code)


def test_national_clouds_take_their_own_arm(graph: Graph) -> None:
    answer = token(
        graph, "https://management.core.usgovcloudapi.net//.default", "login.microsoftonline.us"
    )

    assert claims(answer)["aud"] == "https://management.core.usgovcloudapi.net/"
    listed = at(graph, "management.usgovcloudapi.net").get(LIST, headers=bearer(answer))
    assert listed.status_code == 200, listed.text
    elsewhere = at(graph, "management.azure.com").get(LIST, headers=bearer(answer))
    assert_arm_error(elsewhere, 401, "InvalidAuthenticationTokenAudience")


# --- the tenant and subscription lists ---------------------------------------------------


def test_tenants_list_the_callers_tenant(graph: Graph) -> None:
    answer = at(graph, "management.azure.com").get(
        "/tenants?api-version=2022-12-01", headers=bearer(user_token(graph, f"{ARM}/.default"))
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "value": [
            {
                "id": f"/tenants/{TENANT}",
                "tenantId": TENANT,
                "countryCode": "US",
                "displayName": "Contoso",
                "domains": ["contoso.example"],
                "defaultDomain": "contoso.example",
                "tenantCategory": "Home",
                "tenantType": "AAD",
            }
        ]
    }
    assert answer.headers["x-ms-request-id"]


def test_the_fixtures_subscriptions_are_listed_and_got(with_subscriptions: Graph) -> None:
    arm = at(with_subscriptions, "management.azure.com")
    headers = bearer(token(with_subscriptions, f"{ARM}/.default"))

    listed = arm.get(LIST, headers=headers).json()
    assert [s["subscriptionId"] for s in listed["value"]] == [
        SUBSCRIPTION,
        "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    ]
    assert listed["count"] == {"type": "Total", "value": 2}
    first = listed["value"][0]
    assert first["id"] == f"/subscriptions/{SUBSCRIPTION}"
    assert (first["tenantId"], first["displayName"], first["state"]) == (
        TENANT,
        "Contoso Dev",
        "Enabled",
    )
    got = arm.get(f"/subscriptions/{SUBSCRIPTION.upper()}?api-version=2022-12-01", headers=headers)
    assert got.json() == first
    missing = arm.get(
        "/subscriptions/00000000-0000-4000-8000-000000000000?api-version=2022-12-01",
        headers=headers,
    )
    assert_arm_error(missing, 404, "SubscriptionNotFound")
    malformed = arm.get("/subscriptions/not-a-guid?api-version=2022-12-01", headers=headers)
    assert_arm_error(malformed, 400, "InvalidSubscriptionId")


def test_another_tenants_subscriptions_are_not_the_fixtures(with_subscriptions: Graph) -> None:
    other = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
    assert (
        with_subscriptions.admin.post("/_mockgraph/tenants", json={"tenantId": other}).status_code
        < 300
    )
    answer = at(with_subscriptions, "login.microsoftonline.com").post(
        f"/{other}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": SECRET,
            "scope": f"{ARM}/.default",
        },
    )

    listed = at(with_subscriptions, "management.azure.com").get(LIST, headers=bearer(answer))
    assert listed.json()["value"] == []


def test_a_fixture_subscription_in_a_state_arm_does_not_have_is_refused() -> None:
    document = {"subscriptions": [{"id": SUBSCRIPTION, "displayName": "x", "state": "Paused"}]}

    with pytest.raises(FixtureError, match=r"\$\.subscriptions\[0\]\.state: 'Paused'"):
        parse_fixtures(json.dumps(document), "f.json")


# --- ARM's errors ------------------------------------------------------------------------


def test_what_arm_refuses_is_in_arms_envelope(graph: Graph) -> None:
    arm = at(graph, "management.azure.com")
    headers = bearer(token(graph, f"{ARM}/.default"))

    assert "header is missing" in assert_arm_error(arm.get(LIST), 401, "AuthenticationFailed")
    assert_arm_error(
        arm.get(LIST, headers={"Authorization": "Basic x"}), 401, "AuthenticationFailed"
    )
    garbage = arm.get(LIST, headers={"Authorization": "Bearer a.b.c"})
    assert_arm_error(garbage, 401, "InvalidAuthenticationToken")
    missing = arm.get("/subscriptions", headers=headers)
    assert_arm_error(missing, 400, "MissingApiVersionParameter")
    bad_version = arm.get("/subscriptions?api-version=latest", headers=headers)
    assert_arm_error(bad_version, 400, "InvalidApiVersionParameter")
    for method, path in (
        ("GET", "/subscriptions/x/resourceGroups?api-version=2021-04-01"),
        ("GET", "/providers?api-version=2021-04-01"),
        ("PUT", LIST),
        ("GET", "/"),
    ):
        message = assert_arm_error(arm.request(method, path, headers=headers), 404, "NotFound")
        assert message.startswith("mockgraph emulates only")


def test_an_expired_token_is_arms_expired_authentication_token(graph: Graph) -> None:
    headers = bearer(token(graph, f"{ARM}/.default"))
    graph.advance("PT2H")

    answer = at(graph, "management.azure.com").get(LIST, headers=headers)

    message = assert_arm_error(answer, 401, "ExpiredAuthenticationToken")
    assert message.startswith("The access token expiry UTC time '3/2/2026 10:00:00 AM'")


def test_arm_paths_are_arms_only_on_arms_hosts(graph: Graph) -> None:
    answer = graph.admin.get(LIST, headers=bearer(token(graph, f"{ARM}/.default")))

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] != "NotFound" or "mockgraph has nothing" in answer.text


def test_an_arm_refresh_token_survives_the_state_file(
    graph: Graph, app: FastAPI, tmp_path: Path
) -> None:
    answer = user_token(graph, f"{ARM}/.default offline_access")
    saved = tmp_path / "state.json"
    saved.write_bytes(state_snapshot(app.state.runtime))
    restarted = create_app(Settings(), clock=Clock(start=START, frozen=True))
    load_state(restarted.state.runtime, saved)
    transport = InProcessTransport(restarted)
    later = Graph(transport, "http://mockgraph.test")

    refreshed = at(later, "login.microsoftonline.com").post(
        f"/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "client_id": AZURE_CLI,
            "refresh_token": answer.json()["refresh_token"],
        },
    )

    later.close()
    transport.close()
    assert (claims(refreshed)["aud"], claims(refreshed)["scp"]) == (ARM, "user_impersonation")


@pytest.mark.parametrize(
    ("path", "authorization", "status", "code"),
    [
        (LIST, "Bearer " + "x" * 20_000, 401, "InvalidAuthenticationToken"),
        (LIST, "Bearer \u00e9t\u00e9.a.b", 401, "InvalidAuthenticationToken"),
        (LIST, "Bearer", 401, "AuthenticationFailed"),
        ("/subscriptions?api-version=%ZZ&api-version", None, 400, "MissingApiVersionParameter"),
        ("/subscriptions/%00?api-version=2022-12-01", None, 400, "InvalidSubscriptionId"),
        ("/tenants/x/y/z?api-version=2022-12-01", None, 404, "NotFound"),
    ],
)
def test_odd_requests_get_arms_4xx(
    graph: Graph, path: str, authorization: str | None, status: int, code: str
) -> None:
    # Header values as bytes: UTF-8 on the wire, as a careless client sends them.
    good = bearer(token(graph, f"{ARM}/.default"))["Authorization"]
    headers = {b"Authorization": (authorization or good).encode()}

    answer = at(graph, "management.azure.com").get(path, headers=headers)

    assert_arm_error(answer, status, code)
