"""The host a client called decides the cloud: Entra's discovery and tokens on every login host
and alias, Graph's audience check and context URLs on every Graph host, MOCKGRAPH_CLOUD on
mockgraph's own address. Also what the SDKs send at their defaults: doubled slashes, a
trailing slash, and $metadata."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from mockgraph.app import create_app
from mockgraph.clouds import INTERCEPTED_HOSTS, LOGIN_HOSTS, cloud_for_login_host
from mockgraph.settings import CLOUD_NAMES, Settings
from mockgraph.testing import InProcessTransport, WebhookReceiver
from tests.client import Graph
from tests.constants import ADELE, BUSY_LIGHT, PRESENCE_SYNC, TENANT

SECRET = "presence-sync-secret"


def at(graph: Graph, host: str) -> httpx.Client:
    """A client of the same server, calling it as https://`host` (as through the proxy)."""
    client = httpx.Client(transport=graph.transport, base_url=f"https://{host}")
    graph._clients.append(client)
    return client


def client_credentials(graph: Graph, host: str, scope: str) -> httpx.Response:
    return at(graph, host).post(
        f"/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": SECRET,
            "scope": scope,
        },
    )


def claims(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    decoded: dict[str, Any] = jwt.decode(
        response.json()["access_token"], options={"verify_signature": False}
    )
    return decoded


@pytest.mark.parametrize("api_version", ["1.0", "1.1"])
@pytest.mark.parametrize("host", sorted(LOGIN_HOSTS))
def test_instance_discovery_on_every_login_host(graph: Graph, host: str, api_version: str) -> None:
    response = at(graph, host).get(
        "/common/discovery/instance",
        params={
            "api-version": api_version,
            "authorization_endpoint": f"https://{host}/{TENANT}/oauth2/v2.0/authorize",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["api-version"] == api_version
    assert body["tenant_discovery_endpoint"] == (
        f"https://{host}/{TENANT}/v2.0/.well-known/openid-configuration"
    )
    groups = {g["preferred_network"]: g for g in body["metadata"]}
    assert groups["login.microsoftonline.com"]["preferred_cache"] == "login.windows.net"
    assert groups["login.microsoftonline.com"]["aliases"] == [
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
    ]
    assert groups["login.microsoftonline.us"]["aliases"] == [
        "login.microsoftonline.us",
        "login.usgovcloudapi.net",
    ]
    assert "login.chinacloudapi.cn" in groups["login.partner.microsoftonline.cn"]["aliases"]
    assert {"login.microsoftonline.de", "login-us.microsoftonline.com"} <= set(groups)


def test_instance_discovery_refuses_what_is_no_instance(graph: Graph) -> None:
    response = graph.admin.get(
        "/common/discovery/instance",
        params={"api-version": "1.1", "authorization_endpoint": "not a url"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_instance"
    assert response.json()["error_codes"] == [50049]


@pytest.mark.parametrize(
    ("host", "issuer_host", "graph_host", "instance"),
    [
        ("login.microsoftonline.com", "login.microsoftonline.com", "graph.microsoft.com", "com"),
        ("login.windows.net", "login.microsoftonline.com", "graph.microsoft.com", "com"),
        ("login.microsoftonline.us", "login.microsoftonline.us", "graph.microsoft.us", "us"),
        (
            "login.chinacloudapi.cn",
            "login.partner.microsoftonline.cn",
            "microsoftgraph.chinacloudapi.cn",
            "cn",
        ),
    ],
)
def test_oidc_metadata_names_the_host_called(
    graph: Graph, host: str, issuer_host: str, graph_host: str, instance: str
) -> None:
    document = at(graph, host).get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json()

    for name in (
        "token_endpoint",
        "authorization_endpoint",
        "device_authorization_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ):
        assert document[name].startswith(f"https://{host}/{TENANT}/"), name
    assert document["device_authorization_endpoint"].endswith("/oauth2/v2.0/devicecode")
    assert document["issuer"] == f"https://{issuer_host}/{TENANT}/v2.0"
    assert document["msgraph_host"] == graph_host
    assert document["cloud_instance_name"].endswith(instance)
    keys = at(graph, host).get(f"/{TENANT}/discovery/v2.0/keys").json()["keys"]
    assert keys[0]["issuer"] == document["issuer"]
    realm = at(graph, host).get("/common/userrealm/adele@contoso.example?api-version=1.0")
    assert realm.json()["cloud_instance_name"] == document["cloud_instance_name"]


@pytest.mark.parametrize(
    ("host", "scope", "iss_host", "aud"),
    [
        (
            "login.microsoftonline.com",
            "https://graph.microsoft.com/.default",
            "login.microsoftonline.com",
            "https://graph.microsoft.com",
        ),
        (
            "login.microsoftonline.us",
            "https://graph.microsoft.us/.default",
            "login.microsoftonline.us",
            "https://graph.microsoft.us",
        ),
        (
            "login.usgovcloudapi.net",
            "https://dod-graph.microsoft.us/.default",
            "login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
        ),
        (
            "login.partner.microsoftonline.cn",
            "https://microsoftgraph.chinacloudapi.cn/.default",
            "login.partner.microsoftonline.cn",
            "https://microsoftgraph.chinacloudapi.cn",
        ),
    ],
)
def test_tokens_carry_the_cloud_of_the_host_and_scope(
    graph: Graph, host: str, scope: str, iss_host: str, aud: str
) -> None:
    token = claims(client_credentials(graph, host, scope))

    # Graph's tokens are v1.0: the issuer is the cloud's sts host.
    issuing = cloud_for_login_host(iss_host)
    assert issuing is not None
    assert (token["iss"], token["ver"]) == (issuing.v1_issuer(TENANT), "1.0")
    assert token["aud"] == aud
    assert token["xms_emulated"] is True


def test_a_scope_of_another_cloud_is_not_found(graph: Graph) -> None:
    response = client_credentials(
        graph, "login.microsoftonline.com", "https://graph.microsoft.us/.default"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_resource"
    assert response.json()["error_codes"] == [500011]
    assert "https://graph.microsoft.us" in response.json()["error_description"]


@pytest.mark.parametrize(
    ("login", "scope", "graph_host"),
    [
        (
            "login.microsoftonline.com",
            "https://graph.microsoft.com/.default",
            "graph.microsoft.com",
        ),
        ("login.microsoftonline.us", "https://graph.microsoft.us/.default", "graph.microsoft.us"),
        (
            "login.microsoftonline.us",
            "https://dod-graph.microsoft.us/.default",
            "dod-graph.microsoft.us",
        ),
        (
            "login.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn/.default",
            "microsoftgraph.chinacloudapi.cn",
        ),
    ],
)
def test_each_graph_host_takes_only_its_own_clouds_tokens(
    graph: Graph, login: str, scope: str, graph_host: str
) -> None:
    token = client_credentials(graph, login, scope).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    for host in ("graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us"):
        answer = at(graph, host).get(f"/v1.0/users/{ADELE}/presence", headers=headers)
        if host == graph_host:
            assert answer.status_code == 200
            assert answer.json()["@odata.context"] == (
                f"https://{host}/v1.0/$metadata#users('{ADELE}')/presence/$entity"
            )
        else:
            assert answer.status_code == 401
            assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
            assert answer.json()["error"]["message"] == (
                "Access token validation failure. Invalid audience."
            )


def test_mockgraph_cloud_decides_on_its_own_address() -> None:
    app = create_app(Settings(cloud="usgov"))
    with httpx.Client(transport=InProcessTransport(app), base_url="http://127.0.0.1:8000") as c:
        token = c.post(
            "/_mockgraph/tokens", json={"appId": PRESENCE_SYNC, "roles": ["Presence.Read.All"]}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        answer = c.get(f"/v1.0/users/{ADELE}/presence", headers=headers)
        assert answer.status_code == 200
        assert answer.json()["@odata.context"].startswith("https://graph.microsoft.us/v1.0/")
        # The proxy route still reaches the global Graph by its host, which refuses this token.
        elsewhere = c.get(
            f"/v1.0/users/{ADELE}/presence",
            headers={**headers, "Host": "graph.microsoft.com"},
        )
        assert elsewhere.status_code == 401
        issuer = c.get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json()["issuer"]
        assert issuer == f"https://login.microsoftonline.us/{TENANT}/v2.0"


def test_the_declared_cloud_names_are_the_clouds() -> None:
    from mockgraph.clouds import BY_NAME

    assert set(CLOUD_NAMES) == set(BY_NAME)
    assert "graph.microsoft.com" in INTERCEPTED_HOSTS


@pytest.mark.parametrize(
    "path",
    [
        f"/v1.0//users/{ADELE}/presence",
        f"/v1.0/users//{ADELE}/presence",
        f"/v1.0/users/{ADELE}/presence/",
        f"/v1.0//users/{ADELE}//presence//",
    ],
)
def test_doubled_and_trailing_slashes_route_as_graph_does(graph: Graph, path: str) -> None:
    token = graph.token(appId=PRESENCE_SYNC, roles=["Presence.Read.All"])

    answer = graph._client({"Authorization": f"Bearer {token}"}).get(path)

    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == ADELE


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_metadata_is_a_csdl_document(graph: Graph, version: str) -> None:
    answer = graph.admin.get(f"/{version}/$metadata")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/xml;charset=utf-8"
    assert b'<EntityType Name="presence"' in answer.content
    assert b'<Action Name="setPresence" IsBound="true">' in answer.content
    assert b'<Singleton Name="me" Type="graph.user" />' in answer.content


def test_subscriptions_answer_in_the_cloud_of_the_host_called(graph: Graph) -> None:
    # A delegated US Government token (a subscription takes no application permission).
    signed_in = at(graph, "login.microsoftonline.us").post(
        f"/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": BUSY_LIGHT,
            "username": "adele.vance@contoso.example",
            "password": "Adele-Pa55!",
            "scope": "https://graph.microsoft.us/Presence.Read.All",
        },
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    us = at(graph, "graph.microsoft.us")
    us.headers["Authorization"] = f"Bearer {token}"
    root = "https://graph.microsoft.us/v1.0/$metadata#subscriptions"
    now = datetime.fromisoformat(graph.admin.get("/_mockgraph/clock").json()["now"][:19])
    expires = (now + timedelta(minutes=30)).isoformat() + "Z"
    with WebhookReceiver() as webhook:
        created = us.post(
            "/v1.0/subscriptions",
            json={
                "changeType": "updated",
                "notificationUrl": webhook.url,
                "resource": f"/communications/presences/{ADELE}",
                "expirationDateTime": expires,
            },
        )
    assert created.status_code == 201, created.text
    assert created.json()["@odata.context"] == f"{root}/$entity"
    sub_id = created.json()["id"]
    listed = us.get("/v1.0/subscriptions")
    assert listed.json()["@odata.context"] == root
    assert us.get(f"/v1.0/subscriptions/{sub_id}").json()["@odata.context"] == f"{root}/$entity"
