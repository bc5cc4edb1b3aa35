"""A token from the control plane (POST /_mockgraph/tokens, `mockgraph token`) says what a
token from Entra's flows says of its user and its client: `upn`, `unique_name`, `name`,
`given_name`, `family_name`, `wids` and `app_displayname`
(https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference;
docs/fidelity.md, 'Token shape'). A client that reads them in a test passes against Entra."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest

from mockgraph.cli.main import main
from tests.client import Graph
from tests.constants import ADELE, ADELE_UPN, BUSY_LIGHT, PATTI, PRESENCE_WALL, TENANT
from tests.identity.entra import password_form

TOKEN = f"/{TENANT}/oauth2/v2.0/token"
ABOUT_THE_USER = ("upn", "unique_name", "name", "given_name", "family_name", "wids")
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
DEFAULT_USER_ROLE = "b79fbf4d-3ef9-4689-8143-76b194e85509"


def decoded(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def minted(graph: Graph, **body: Any) -> dict[str, Any]:
    answer = graph.admin.post("/_mockgraph/tokens", json=body)
    assert answer.status_code == 200, answer.text
    return decoded(answer.json()["access_token"])


def test_a_delegated_token_names_its_user_as_a_token_from_a_sign_in_does(graph: Graph) -> None:
    signed_in = graph.admin.post(TOKEN, data=password_form(scope="Presence.Read"))
    assert signed_in.status_code == 200, signed_in.text
    from_entra = decoded(signed_in.json()["access_token"])

    token = minted(graph, userId=ADELE_UPN, appId=BUSY_LIGHT, scopes=["Presence.Read"])

    assert {k: token.get(k) for k in ABOUT_THE_USER} == {k: from_entra[k] for k in ABOUT_THE_USER}
    assert (token["upn"], token["name"], token["wids"]) == (
        ADELE_UPN,
        "Adele Vance",
        [DEFAULT_USER_ROLE],
    )
    assert token["app_displayname"] == from_entra["app_displayname"]


def test_wids_lists_the_users_directory_roles(graph: Graph) -> None:
    token = minted(graph, userId=PATTI, scopes=["User.Read"])
    assert token["wids"] == [GLOBAL_ADMINISTRATOR, DEFAULT_USER_ROLE]


def test_an_app_token_names_its_app_and_no_user(graph: Graph) -> None:
    token = minted(graph, appId=PRESENCE_WALL, roles=["Presence.Read.All"])
    assert token["app_displayname"] == "Presence Wall (application read)"
    assert not set(ABOUT_THE_USER) & set(token)


def test_a_user_the_tenant_does_not_hold_is_named_by_id_only(graph: Graph) -> None:
    stranger = "0badc0de-0000-4000-8000-000000000001"
    token = minted(graph, userId=stranger, appId=BUSY_LIGHT, scopes=["Presence.Read"])
    assert token["oid"] == stranger
    assert not set(ABOUT_THE_USER) & set(token)
    assert token["app_displayname"] == "Busy Light (delegated read and write)"


def test_an_app_the_fixtures_do_not_list_has_no_name(graph: Graph) -> None:
    unlisted = "0badc0de-0000-4000-8000-00000000a990"
    token = minted(graph, userId=ADELE, appId=unlisted, scopes=["Presence.Read"])
    assert token["upn"] == ADELE_UPN
    assert "app_displayname" not in token


def test_a_token_signed_offline_names_its_user_too(
    key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mockgraph token --signing-key` mints without a server, from the fixtures."""
    code = main(
        ["token", "--user", ADELE_UPN, "--scopes", "User.Read", "--signing-key", str(key_file)]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    token = decoded(printed.out.strip())
    assert (token["oid"], token["upn"], token["wids"]) == (ADELE, ADELE_UPN, [DEFAULT_USER_ROLE])
