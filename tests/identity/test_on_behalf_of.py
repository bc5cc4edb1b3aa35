"""On-behalf-of and the APIs fixture apps expose: user tokens for an API, exchanged by that
API for a Graph token of the same user."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from mockgraph.settings import DEFAULT_FIXTURES
from mockgraph.state.fixtures import load_fixtures
from tests.client import Graph
from tests.constants import ADELE, BUSY_LIGHT, PRESENCE_SYNC, TENANT
from tests.identity.entra import assert_entra_error, password_form

DASHBOARD = "9a1c3e5b-7d9f-4b1d-a3c5-e7a9c1e3b5d7"  # confidential; delegated Presence.Read(.All)
TOKEN = f"/{TENANT}/oauth2/v2.0/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def user_token(graph: Graph, scope: str) -> str:
    response = graph.admin.post(TOKEN, data=password_form(scope=scope))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def exchange(graph: Graph, assertion: str, scope: str = "Presence.Read", **extra: str) -> Any:
    return graph.admin.post(
        TOKEN,
        data={
            "grant_type": JWT_BEARER,
            "client_id": DASHBOARD,
            "client_secret": "dashboard-secret",
            "assertion": assertion,
            "scope": f"{scope} openid profile offline_access",
            "requested_token_use": "on_behalf_of",
            "client_info": "1",
            **extra,
        },
    )


@pytest.mark.parametrize(
    ("scope", "audience"),
    [
        (f"api://{DASHBOARD}/access_as_user", f"api://{DASHBOARD}"),
        (f"{DASHBOARD}/.default", DASHBOARD),
        (f"api://{DASHBOARD}/.default", f"api://{DASHBOARD}"),
    ],
)
def test_a_user_token_for_an_exposed_api(graph: Graph, scope: str, audience: str) -> None:
    # A v1.0 token (the API's app takes v1.0 tokens, a new registration's default): `aud` is
    # the resource as the request named it.
    token = claims(user_token(graph, scope))
    assert (token["aud"], token["appid"], token["oid"]) == (audience, BUSY_LIGHT, ADELE)
    assert token["scp"] == "access_as_user"
    graph_call = graph.admin.get(
        "/v1.0/me/presence", headers={"Authorization": f"Bearer {user_token(graph, scope)}"}
    )
    assert graph_call.status_code == 401


def test_on_behalf_of_gives_a_graph_token_of_the_same_user(graph: Graph) -> None:
    incoming = user_token(graph, f"api://{DASHBOARD}/access_as_user")

    response = exchange(graph, incoming, "Presence.Read Presence.Read.All")

    assert response.status_code == 200, response.text
    body = response.json()
    token = claims(body["access_token"])
    assert token["aud"] == "https://graph.microsoft.com"
    assert (token["oid"], token["tid"], token["appid"], token["idtyp"]) == (
        ADELE,
        TENANT,
        DASHBOARD,
        "user",
    )
    # Every permission granted to the middle tier, as Entra writes them.
    assert {"Presence.Read", "Presence.Read.All", "User.Read.All"} <= set(token["scp"].split())
    assert body["refresh_token"]
    assert claims(body["id_token"])["aud"] == DASHBOARD
    me = graph.admin.get(
        "/v1.0/me/presence", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["id"] == ADELE


def test_default_scope_is_the_middle_tiers_delegated_permissions(graph: Graph) -> None:
    incoming = user_token(graph, f"{DASHBOARD}/.default")
    response = exchange(graph, incoming, "https://graph.microsoft.com/.default")
    dashboard = load_fixtures(DEFAULT_FIXTURES).app(DASHBOARD)
    assert dashboard is not None
    scp = claims(response.json()["access_token"])["scp"].split()
    assert set(scp) == set(dashboard.delegatedPermissions)
    assert "Presence.ReadWrite" not in scp


def test_every_on_behalf_of_error(graph: Graph) -> None:
    for_api = user_token(graph, f"api://{DASHBOARD}/access_as_user")
    for_graph = user_token(graph, "Presence.Read")
    assert_entra_error(exchange(graph, for_graph), 400, "invalid_grant", 500131)
    not_granted = exchange(graph, for_api, "Presence.ReadWrite")
    assert_entra_error(not_granted, 400, "invalid_grant", 65001)
    assert not_granted.json()["suberror"] == "consent_required"
    id_token = graph.admin.post(
        TOKEN, data=password_form(scope=f"api://{DASHBOARD}/access_as_user openid")
    ).json()["id_token"]
    assert_entra_error(exchange(graph, id_token), 400, "invalid_grant", 240002)
    app_only = graph.token(appId=PRESENCE_SYNC, roles=["Presence.Read.All"])
    assert_entra_error(exchange(graph, app_only), 400, "invalid_grant", 50013)
    forged = for_api[:-8] + ("A" * 8 if not for_api.endswith("A" * 8) else "B" * 8)
    assert_entra_error(exchange(graph, forged), 400, "invalid_grant", 50013)
    assert_entra_error(
        exchange(graph, for_api, requested_token_use="something"), 400, "invalid_request", 900144
    )
    wrong_secret = exchange(graph, for_api, client_secret="wrong")
    assert_entra_error(wrong_secret, 401, "invalid_client", 7000215)
    graph.advance("PT1H")
    assert_entra_error(exchange(graph, for_api), 400, "invalid_grant", 500133)


@pytest.mark.parametrize(
    ("scope", "error", "code"),
    [
        (f"api://{DASHBOARD}/access_as_user Presence.Read", "invalid_scope", 28000),
        (f"api://{DASHBOARD}/write_everything", "invalid_client", 650053),
        ("api://no-such-api/access_as_user", "invalid_resource", 500011),
        (f"api://{DASHBOARD}/.default api://{DASHBOARD}/access_as_user", "invalid_scope", 70011),
    ],
)
def test_scope_errors_for_exposed_apis(graph: Graph, scope: str, error: str, code: int) -> None:
    response = graph.admin.post(TOKEN, data=password_form(scope=scope))
    assert_entra_error(response, 400, error, code)


def test_obo_through_a_refresh_token_keeps_the_api_audience(graph: Graph) -> None:
    first = graph.admin.post(
        TOKEN, data=password_form(scope=f"api://{DASHBOARD}/access_as_user offline_access")
    ).json()
    refreshed = graph.admin.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "client_id": BUSY_LIGHT,
            "refresh_token": first["refresh_token"],
        },
    )
    assert claims(refreshed.json()["access_token"])["aud"] == f"api://{DASHBOARD}"


def test_an_http_error_never_leaks_a_token(graph: Graph) -> None:
    response: httpx.Response = exchange(graph, "not.a.jwt")
    assert_entra_error(response, 400, "invalid_grant", 50013)
