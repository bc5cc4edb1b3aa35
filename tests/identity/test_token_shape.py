"""Graph's access tokens in Entra's v1.0 shape, from every flow, with the user's directory roles
in `wids`; ID tokens stay v2.0; tokens for an API a fixture app exposes follow that app's
accessTokenAcceptedVersion (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import DEFAULT_FIXTURES, Settings
from mockgraph.state.fixtures import FixtureError, load_fixtures
from mockgraph.testing import InProcessTransport
from tests.certificates import fixtures_with
from tests.client import Graph
from tests.constants import ADELE, ADELE_UPN, BUSY_LIGHT, PRESENCE_SYNC, START, TENANT
from tests.identity.entra import password_form

TOKEN = f"/{TENANT}/oauth2/v2.0/token"
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


def claims(answer: httpx.Response, name: str = "access_token") -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    decoded: dict[str, Any] = jwt.decode(answer.json()[name], options={"verify_signature": False})
    return decoded


def test_an_app_token_is_a_v1_token_with_its_app_named(graph: Graph) -> None:
    token = claims(
        graph.admin.post(
            TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": PRESENCE_SYNC,
                "client_secret": "presence-sync-secret",
                "scope": GRAPH_DEFAULT,
            },
        )
    )

    issuer = f"https://sts.windows.net/{TENANT}/"
    assert (token["ver"], token["iss"], token["idp"]) == ("1.0", issuer, issuer)
    assert (token["appid"], token["appidacr"], token["idtyp"]) == (PRESENCE_SYNC, "1", "app")
    assert token["app_displayname"] == "Presence Sync (application read and write)"
    assert token["aud"] == "https://graph.microsoft.com"
    assert {"tid", "oid", "sub", "uti", "iat", "nbf", "exp", "roles"} <= set(token)
    assert "azp" not in token
    assert "scp" not in token


def test_a_user_token_names_the_user_as_v1_tokens_do(graph: Graph) -> None:
    answer = graph.admin.post(TOKEN, data=password_form(scope="Presence.Read openid profile"))
    token = claims(answer)

    assert (token["ver"], token["iss"]) == ("1.0", f"https://sts.windows.net/{TENANT}/")
    assert (token["upn"], token["unique_name"]) == (ADELE_UPN, ADELE_UPN)
    assert (token["name"], token["given_name"], token["family_name"]) == (
        "Adele Vance",
        "Adele",
        "Vance",
    )
    assert (token["appidacr"], token["app_displayname"]) == (
        "0",
        "Busy Light (delegated read and write)",
    )
    assert (token["oid"], token["sub"], token["idtyp"]) == (ADELE, ADELE, "user")
    assert "idp" not in token
    assert "preferred_username" not in token
    assert token["xms_emulated"] is True
    # The ID token stays v2.0.
    identity = claims(answer, "id_token")
    assert (identity["ver"], identity["preferred_username"]) == ("2.0", ADELE_UPN)
    # Graph takes the v1 token.
    bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    assert graph.admin.get(f"/v1.0/users/{ADELE}/presence", headers=bearer).status_code == 200


# --- wids: the user's directory roles ----------------------------------------------------
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
DEFAULT_USER_ROLE = "b79fbf4d-3ef9-4689-8143-76b194e85509"


def test_wids_lists_the_users_directory_roles_then_the_default_role(graph: Graph) -> None:
    patti = claims(
        graph.admin.post(
            TOKEN,
            data=password_form(
                username="patti.fernandez@contoso.example",
                password="Patti-Pa55!",
                scope="User.Read",
            ),
        )
    )
    adele = claims(graph.admin.post(TOKEN, data=password_form(scope="User.Read")))

    assert patti["wids"] == [GLOBAL_ADMINISTRATOR, DEFAULT_USER_ROLE]
    assert adele["wids"] == [DEFAULT_USER_ROLE]


def test_an_app_token_has_no_wids(graph: Graph) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": PRESENCE_SYNC,
        "client_secret": "presence-sync-secret",
        "scope": GRAPH_DEFAULT,
    }
    assert "wids" not in claims(graph.admin.post(TOKEN, data=form))


def test_directory_roles_must_be_role_template_ids(tmp_path: Path) -> None:
    document = json.loads(DEFAULT_FIXTURES.read_text())
    document["users"][0]["directoryRoles"] = ["Global Administrator"]
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(document))

    with pytest.raises(FixtureError, match=r"\$\.users\[0\]\.directoryRoles\[0\]: .*not a GUID"):
        load_fixtures(path)


# --- tokens for an API a fixture app exposes: accessTokenAcceptedVersion ---------------
DASHBOARD = "9a1c3e5b-7d9f-4b1d-a3c5-e7a9c1e3b5d7"


def api_graph(tmp_path: Path, version: int | None) -> Graph:
    fixtures = fixtures_with(
        tmp_path / "fixtures.json", {DASHBOARD: {"accessTokenAcceptedVersion": version}}
    )
    app = create_app(Settings(fixtures=fixtures), clock=Clock(start=START, frozen=True))
    return Graph(InProcessTransport(app), "http://mockgraph.test")


@pytest.mark.parametrize(
    ("scope", "audience"),
    [
        (f"api://{DASHBOARD}/access_as_user", f"api://{DASHBOARD}"),
        (f"API://{DASHBOARD.upper()}/access_as_user", f"api://{DASHBOARD}"),
        (f"api://{DASHBOARD}/.default", f"api://{DASHBOARD}"),
        (f"{DASHBOARD}/.default", DASHBOARD),
    ],
)
@pytest.mark.parametrize("version", [None, 1])
def test_an_api_token_is_v1_by_default(
    tmp_path: Path, version: int | None, scope: str, audience: str
) -> None:
    graph = api_graph(tmp_path, version)
    token = claims(graph.admin.post(TOKEN, data=password_form(scope=scope)))
    graph.close()

    assert (token["ver"], token["iss"]) == ("1.0", f"https://sts.windows.net/{TENANT}/")
    assert token["aud"] == audience
    assert (token["appid"], token["appidacr"], token["scp"]) == (
        BUSY_LIGHT,
        "0",
        "access_as_user",
    )
    assert (token["upn"], token["unique_name"], token["oid"]) == (ADELE_UPN, ADELE_UPN, ADELE)
    assert "azp" not in token
    assert "wids" not in token


def test_an_api_that_accepts_v2_tokens_gets_them(tmp_path: Path) -> None:
    graph = api_graph(tmp_path, 2)
    answer = graph.admin.post(TOKEN, data=password_form(scope=f"api://{DASHBOARD}/access_as_user"))
    graph.close()
    token = claims(answer)

    assert (token["ver"], token["iss"]) == (
        "2.0",
        f"https://login.microsoftonline.com/{TENANT}/v2.0",
    )
    assert (token["aud"], token["azp"], token["azpacr"]) == (DASHBOARD, BUSY_LIGHT, "0")
    assert (token["preferred_username"], token["oid"]) == (ADELE_UPN, ADELE)
    assert not {"appid", "appidacr", "upn", "unique_name"} & set(token)
    # The answer names the scope as Entra does, with the API's identifier URI.
    assert answer.json()["scope"] == f"api://{DASHBOARD}/access_as_user"


@pytest.mark.parametrize("version", [0, 3, "2", True])
def test_access_token_accepted_version_is_checked(tmp_path: Path, version: object) -> None:
    path = fixtures_with(
        tmp_path / "fixtures.json", {DASHBOARD: {"accessTokenAcceptedVersion": version}}
    )

    with pytest.raises(FixtureError, match=r"\$\.apps\[1\]\.accessTokenAcceptedVersion"):
        load_fixtures(path)


@pytest.mark.parametrize("version", [None, 2])
def test_the_api_exchanges_either_shape_on_behalf_of_its_user(
    tmp_path: Path, version: int | None
) -> None:
    graph = api_graph(tmp_path, version)
    incoming = graph.admin.post(
        TOKEN, data=password_form(scope=f"api://{DASHBOARD}/access_as_user")
    ).json()["access_token"]
    exchanged = graph.admin.post(
        TOKEN,
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "client_id": DASHBOARD,
            "client_secret": "dashboard-secret",
            "assertion": incoming,
            "scope": "Presence.Read",
            "requested_token_use": "on_behalf_of",
        },
    )
    graph.close()

    token = claims(exchanged)
    assert (token["ver"], token["appid"], token["oid"]) == ("1.0", DASHBOARD, ADELE)


def test_a_user_added_by_the_control_plane_carries_its_directory_roles(graph: Graph) -> None:
    upn, password = "isaiah.langer@contoso.example", "Isaiah-Pa55!"
    user: dict[str, Any] = {
        "id": "11111111-2222-4333-8444-555555555555",
        "userPrincipalName": upn,
        "password": password,
        "directoryRoles": [GLOBAL_ADMINISTRATOR.upper()],
    }
    assert graph.admin.post("/_mockgraph/users", json=user).status_code == 200
    refused = graph.admin.post("/_mockgraph/users", json={**user, "directoryRoles": ["Admin"]})
    assert refused.status_code == 400

    token = claims(
        graph.admin.post(
            TOKEN,
            data=password_form(username=upn, password=password, scope="User.Read"),
        )
    )

    assert token["wids"] == [GLOBAL_ADMINISTRATOR, DEFAULT_USER_ROLE]
