"""POST /_mockgraph/tokens and the other control-plane calls that name a user or an app: an
object id or a userPrincipalName, an app id or a display name; scopes split at spaces or
commas; an unknown name refused with the closest known ones."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.client import Graph
from tests.constants import ADELE, ADELE_UPN, BUSY_LIGHT, PRESENCE_WALL, TENANT


def mint(graph: Graph, **body: Any) -> dict[str, Any]:
    answer = graph.admin.post("/_mockgraph/tokens", json=body)
    assert answer.status_code == 200, answer.text
    minted: dict[str, Any] = answer.json()
    minted["claims"] = jwt.decode(minted["access_token"], options={"verify_signature": False})
    return minted


def refusal(graph: Graph, path: str, **body: Any) -> str:
    answer = graph.admin.post(path, json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "BadRequest"
    message: str = error["message"]
    return message


def test_a_user_by_upn_in_any_case(graph: Graph) -> None:
    minted = mint(graph, userId=ADELE_UPN.upper(), scopes=["Presence.Read"])
    assert minted["claims"]["oid"] == ADELE
    me = graph.as_user(ADELE_UPN, "Presence.Read").get("/v1.0/me/presence")
    assert me.json()["id"] == ADELE


def test_an_app_by_display_name_or_its_start(graph: Graph) -> None:
    wall = mint(graph, appId="Presence Wall (application read)", roles=["Presence.Read.All"])
    assert wall["claims"]["appid"] == PRESENCE_WALL
    light = mint(graph, userId=ADELE, appId="busy light", scopes=["Presence.Read"])
    assert light["claims"]["appid"] == BUSY_LIGHT


def test_scopes_split_at_spaces_and_commas(graph: Graph) -> None:
    minted = mint(graph, userId=ADELE, scopes=["Presence.Read,User.Read", "GroupMember.Read.All"])
    assert minted["claims"]["scp"] == "Presence.Read User.Read GroupMember.Read.All"
    assert minted["scope"] == minted["claims"]["scp"]


def test_left_out_scopes_and_roles_are_the_apps_grant(graph: Graph) -> None:
    delegated = mint(graph, userId=ADELE, appId=BUSY_LIGHT)
    assert "Presence.ReadWrite" in delegated["scope"].split()
    assert delegated["claims"]["scp"] == delegated["scope"]
    application = mint(graph, appId=PRESENCE_WALL)
    assert application["claims"]["roles"] == application["roles"]
    assert "Presence.Read.All" in application["roles"]
    # An empty list is asked for on purpose: no permissions at all.
    assert mint(graph, userId=ADELE, scopes=[])["claims"].get("scp", "") == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"userId": ADELE, "scopes": ["presence.read"]},
            "scopes: 'presence.read' is not a permission mockgraph knows. "
            "Did you mean Presence.Read?",
        ),
        (
            {"appId": PRESENCE_WALL, "roles": ["Presense.Read.All"]},
            "roles: 'Presense.Read.All' is not a permission mockgraph knows. "
            "Did you mean Presence.Read.All?",
        ),
        (
            {"userId": "adele.vance@contoso.exmaple"},
            "userId: 'adele.vance@contoso.exmaple' is neither an object id nor the "
            f"userPrincipalName of a user of tenant {TENANT}. "
            f"Did you mean {ADELE_UPN}?",
        ),
        (
            {"appId": "Nobody's app"},
            "appId: 'Nobody's app' is neither an app id nor the display name of an app of "
            "the fixtures.",
        ),
    ],
    ids=["scope's case", "role", "upn", "app"],
)
def test_an_unknown_name_is_400_with_the_closest(
    graph: Graph, body: dict[str, Any], message: str
) -> None:
    assert refusal(graph, "/_mockgraph/tokens", **body) == message


def test_remove_a_user_by_upn(graph: Graph) -> None:
    removed = graph.admin.delete(f"/_mockgraph/users/{ADELE_UPN}")
    assert removed.json() == {"id": ADELE}
    assert ADELE not in {u["id"] for u in graph.control.users()}


def test_the_journal_by_upn_and_app_name(graph: Graph) -> None:
    graph.as_user(ADELE, "Presence.Read").get("/v1.0/me/presence")
    graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(f"/v1.0/users/{ADELE}/presence")
    by_user = graph.admin.get("/_mockgraph/requests", params={"userId": ADELE_UPN}).json()
    assert [e["path"] for e in by_user["value"]] == ["/v1.0/me/presence"]
    by_app = graph.admin.get("/_mockgraph/requests", params={"appId": "presence wall"}).json()
    assert [e["appId"] for e in by_app["value"]] == [PRESENCE_WALL]
