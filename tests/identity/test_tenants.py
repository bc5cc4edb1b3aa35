"""Which tenants exist: the fixtures', those the control plane makes, and their names; any other
tenant is Entra's AADSTS90002 at every endpoint, and Graph refuses a token of one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import ADELE, BUSY_LIGHT, PRESENCE_SYNC, TENANT
from tests.identity.entra import assert_entra_error

MISTYPED = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a78"  # the fixtures' tenant, one digit off
SECRET = "presence-sync-secret"


def discovery(graph: Graph, tenant: str) -> httpx.Response:
    return graph.admin.get(f"/{tenant}/v2.0/.well-known/openid-configuration")


def app_token(graph: Graph, tenant: str) -> httpx.Response:
    return graph.admin.post(
        f"/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": SECRET,
            "scope": "https://graph.microsoft.com/.default",
        },
    )


@pytest.mark.parametrize("tenant", [MISTYPED, "fabrikam.example", "contoso.onmicrosoft.com"])
def test_discovery_of_an_unknown_tenant_is_invalid_tenant(graph: Graph, tenant: str) -> None:
    response = discovery(graph, tenant)
    assert_entra_error(response, 400, "invalid_tenant", 90002)
    assert f"Tenant '{tenant}' not found" in response.json()["error_description"]
    keys = graph.admin.get(f"/{tenant}/discovery/v2.0/keys")
    assert_entra_error(keys, 400, "invalid_tenant", 90002)


def test_token_and_device_code_endpoints_refuse_an_unknown_tenant(graph: Graph) -> None:
    assert_entra_error(app_token(graph, MISTYPED), 400, "invalid_request", 90002)
    device = graph.admin.post(
        f"/{MISTYPED}/oauth2/v2.0/devicecode",
        data={"client_id": BUSY_LIGHT, "scope": "Presence.Read"},
    )
    assert_entra_error(device, 400, "invalid_request", 90002)
    page = graph.admin.get(
        f"/{MISTYPED}/oauth2/v2.0/authorize",
        params={"client_id": BUSY_LIGHT, "response_type": "code", "scope": "Presence.Read"},
    )
    assert page.status_code == 400
    assert "AADSTS90002" in page.text
    # Nothing was made on the way.
    assert graph.admin.get("/_mockgraph/state", params={"tenant": TENANT}).status_code == 200
    assert discovery(graph, MISTYPED).status_code == 400


@pytest.mark.parametrize(
    "name", [TENANT, TENANT.upper(), "common", "organizations", "consumers", "contoso.example"]
)
def test_the_fixtures_tenant_by_each_of_its_names(graph: Graph, name: str) -> None:
    response = discovery(graph, name)
    assert response.status_code == 200, response.text
    assert app_token(graph, name).status_code == 200


def test_a_tenant_made_through_the_control_plane_exists_until_the_end(graph: Graph) -> None:
    made = graph.admin.post("/_mockgraph/tenants", json={"tenantId": MISTYPED.upper()})
    assert made.status_code == 201, made.text
    assert made.json() == {"tenantId": MISTYPED, "created": True}
    again = graph.admin.post("/_mockgraph/tenants", json={"tenantId": MISTYPED})
    assert (again.status_code, again.json()["created"]) == (200, False)

    assert discovery(graph, MISTYPED).status_code == 200
    token = app_token(graph, MISTYPED).json()["access_token"]
    # A reset goes back to the fixtures; the tenant still exists.
    assert graph.admin.post("/_mockgraph/reset").status_code == 200
    presence = graph.admin.get(
        f"/v1.0/users/{ADELE}/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert presence.status_code == 200, presence.text


@pytest.mark.parametrize("body", [{"tenantId": "contoso"}, {}, {"tenantId": 7}, {"id": TENANT}])
def test_a_malformed_tenant_is_a_control_plane_400(graph: Graph, body: object) -> None:
    response = graph.admin.post("/_mockgraph/tenants", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"]


def test_minting_a_token_makes_its_tenant_exist(graph: Graph) -> None:
    minted = graph.admin.post(
        "/_mockgraph/tokens", json={"appId": PRESENCE_SYNC, "roles": [], "tenantId": MISTYPED}
    )
    assert minted.status_code == 200
    assert discovery(graph, MISTYPED).status_code == 200


def test_graph_refuses_a_token_of_a_tenant_that_does_not_exist(key_file: Path) -> None:
    """A token another server (same key, any tenant) signed for a tenant this one lacks."""
    clock = Clock(frozen=True)
    lenient = create_app(Settings(signing_key=key_file, tenants="any"), clock=clock)
    strict = create_app(Settings(signing_key=key_file), clock=clock)
    with InProcessTransport(lenient) as a, InProcessTransport(strict) as b:
        issued = Graph(a, "http://mockgraph.test").admin.post(
            f"/{MISTYPED}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": PRESENCE_SYNC,
                "client_secret": SECRET,
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        refused = Graph(b, "http://mockgraph.test").admin.get(
            f"/v1.0/users/{ADELE}/presence", headers={"Authorization": f"Bearer {token}"}
        )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert f"'{MISTYPED}' does not exist" in refused.json()["error"]["message"]


def test_any_tenant_with_mockgraph_tenants_any(settings: Settings) -> None:
    app = create_app(replace(settings, tenants="any"), clock=Clock(frozen=True))
    with InProcessTransport(app) as transport:
        graph = Graph(transport, "http://mockgraph.test")
        assert discovery(graph, MISTYPED).status_code == 200
        # Names other than ids still have to be the fixtures' domains.
        assert discovery(graph, "fabrikam.example").status_code == 400


@pytest.mark.parametrize("tenant", ["common", TENANT, "organizations"])
def test_nativeclient_is_an_empty_page(graph: Graph, tenant: str) -> None:
    page = graph.admin.get(f"/{tenant}/oauth2/nativeclient", params={"code": "c", "state": "s"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == ""
