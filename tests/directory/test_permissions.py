"""The directory permission matrix (§6): who may read what, and what ReadBasic hides."""

from __future__ import annotations

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, PRESENCE_WALL

DENIED = ("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def _denied(response: object) -> bool:
    import httpx

    assert isinstance(response, httpx.Response)
    error = response.json()["error"]
    return response.status_code == 403 and (error["code"], error["message"]) == DENIED


def test_user_read_reads_me_and_own_key_but_not_others(graph: Graph) -> None:
    client = graph.as_user(ADELE, "User.Read")

    assert client.get("/v1.0/me").status_code == 200
    assert client.get(f"/v1.0/users/{ADELE}").status_code == 200
    assert client.get("/v1.0/users/adele.vance@contoso.example").status_code == 200
    assert _denied(client.get(f"/v1.0/users/{ALEX}"))
    assert _denied(client.get("/v1.0/users"))


def test_read_basic_hides_non_basic_properties_as_null(graph: Graph) -> None:
    client = graph.as_user(ADELE, "User.ReadBasic.All")

    other = client.get(f"/v1.0/users/{ALEX}").json()
    assert other["displayName"] == "Alex Wilber"
    assert other["mail"] == "alex.wilber@contoso.example"
    assert other["jobTitle"] is None
    assert other["officeLocation"] is None
    assert other["businessPhones"] == []
    selected = client.get(f"/v1.0/users/{ALEX}?$select=department,givenName").json()
    assert selected["department"] is None
    assert selected["givenName"] == "Alex"
    # The signed-in user's own profile is whole.
    assert client.get("/v1.0/me").json()["jobTitle"] == "Retail Manager"
    listed = client.get("/v1.0/users").json()["value"]
    assert all(u["jobTitle"] is None for u in listed)


def test_read_basic_may_not_filter_on_hidden_properties(graph: Graph) -> None:
    client = graph.as_user(ADELE, "User.ReadBasic.All")

    assert client.get("/v1.0/users?$filter=mail eq 'x@y.z'").status_code == 200
    assert _denied(client.get("/v1.0/users?$filter=jobTitle eq 'Director'"))


@pytest.mark.parametrize(
    "role", ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "User.ReadBasic.All"]
)
def test_application_roles_that_list_users(graph: Graph, role: str) -> None:
    assert graph.as_app(PRESENCE_WALL, role).get("/v1.0/users").status_code == 200


def test_presence_roles_do_not_read_the_directory(graph: Graph) -> None:
    assert _denied(graph.as_app(PRESENCE_WALL, "Presence.Read.All").get("/v1.0/users"))


def test_fixture_apps_get_directory_scopes_from_the_token_endpoint(graph: Graph) -> None:
    form = {
        "client_id": BUSY_LIGHT,
        "grant_type": "password",
        "username": "adele.vance@contoso.example",
        "password": "Adele-Pa55!",
        "scope": "User.Read ProfilePhoto.Read.All",
    }
    tenant = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"
    response = graph.admin.post(f"/{tenant}/oauth2/v2.0/token", data=form)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = graph.admin.get("/v1.0/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["id"] == ADELE
