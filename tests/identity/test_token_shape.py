"""Graph's access tokens in Entra's v1.0 shape, from every flow; ID tokens stay v2.0; tokens
for an API a fixture app exposes stay v2.0 (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference)."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.client import Graph
from tests.constants import ADELE, ADELE_UPN, PRESENCE_SYNC, TENANT
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
