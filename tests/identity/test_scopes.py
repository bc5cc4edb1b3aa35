"""Scopes as Entra writes them: the permission's own spelling, every permission granted to the
client (an admin's consent and the user's), consent at sign-in, and Microsoft's own clients."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt

from mockgraph.identity.firstparty import GRAPH_CLI, KNOWN_DELEGATED
from mockgraph.settings import Settings
from tests.client import Graph
from tests.constants import ADELE, ADELE_PASSWORD, ADELE_UPN, BUSY_LIGHT, TENANT
from tests.identity.entra import assert_entra_error, password_form
from tests.identity.test_device_code import BUSY_LIGHT_GRANTED, app_graph, decide, poll

TOKEN = f"/{TENANT}/oauth2/v2.0/token"
DEVICECODE = f"/{TENANT}/oauth2/v2.0/devicecode"
AUTHORIZE = f"/{TENANT}/oauth2/v2.0/authorize"
NARROW = "1c5e7a9b-3d5f-4a7b-9c1d-3e5f7a9b1c3d"  # granted Presence.Read only


def scp(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    token = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    return str(token["scp"]).split()


def bearer(answer: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_scope_in_lower_case_is_written_as_the_permission_is_named(graph: Graph) -> None:
    answer = graph.admin.post(TOKEN, data=password_form(scope="presence.read presence.readwrite"))

    assert scp(answer) == BUSY_LIGHT_GRANTED
    assert answer.json()["scope"].split() == BUSY_LIGHT_GRANTED
    # The permission check reads Entra's spelling: no 403.
    me = graph.admin.get("/v1.0/me/presence", headers=bearer(answer))
    assert me.status_code == 200, me.text


def test_a_token_carries_every_permission_granted_not_only_those_asked(graph: Graph) -> None:
    answer = graph.admin.post(TOKEN, data=password_form(scope="Presence.Read"))

    assert "User.Read" in scp(answer)
    me = graph.admin.get("/v1.0/me", headers=bearer(answer))
    assert me.status_code == 200, me.text


def test_the_answer_repeats_the_resource_the_client_wrote(graph: Graph) -> None:
    form = password_form(scope="https://graph.microsoft.com/presence.read offline_access")
    answer = graph.admin.post(TOKEN, data=form)

    assert answer.json()["scope"].split() == [
        f"https://graph.microsoft.com/{p}" for p in BUSY_LIGHT_GRANTED
    ]


def test_graph_command_line_tools_may_ask_for_any_graph_scope(graph: Graph) -> None:
    """A Teams MCP server asks for chat scopes under Graph Command Line Tools' id."""
    flow = graph.admin.post(
        DEVICECODE, data={"client_id": GRAPH_CLI, "scope": "Chat.Read ChannelMessage.Read.All"}
    )
    assert flow.status_code == 200, flow.text
    assert decide(graph, flow.json()["user_code"], userId=ADELE).json()["status"] == "approved"

    granted = scp(poll(graph, flow.json(), GRAPH_CLI))

    assert set(granted) == {*KNOWN_DELEGATED, "Chat.Read", "ChannelMessage.Read.All"}


def narrow_fixtures(tmp_path: Path) -> Path:
    path = tmp_path / "fixtures.json"
    app = {
        "appId": NARROW,
        "isPublicClient": True,
        "delegatedPermissions": ["Presence.Read"],
        "redirectUris": ["http://localhost"],
    }
    user = {"id": ADELE, "userPrincipalName": ADELE_UPN, "password": ADELE_PASSWORD}
    path.write_text(json.dumps({"users": [user], "apps": [app]}))
    return path


def sign_in(graph: Graph, scope: str) -> dict[str, Any]:
    params = {
        "client_id": NARROW,
        "response_type": "code",
        "redirect_uri": "http://localhost:5123",
        "scope": scope,
        "login_hint": ADELE_UPN,
    }
    answer = graph.admin.get(AUTHORIZE, params=params)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)


def test_consent_at_sign_in_is_kept_for_later_requests(tmp_path: Path) -> None:
    with app_graph(Settings(fixtures=narrow_fixtures(tmp_path))) as graph:
        ropc = {**password_form(scope="Presence.Read"), "client_id": NARROW}
        assert scp(graph.admin.post(TOKEN, data=ropc)) == ["Presence.Read"]
        # No page in the password grant: no consent.
        refused = graph.admin.post(TOKEN, data={**ropc, "scope": "User.Read"})
        assert_entra_error(refused, 400, "invalid_grant", 65001)

        # The user consents to User.Read when signing in...
        code = sign_in(graph, "user.read")["code"][0]
        redeemed = graph.admin.post(
            TOKEN,
            data={
                "grant_type": "authorization_code",
                "client_id": NARROW,
                "code": code,
                "redirect_uri": "http://localhost:5123",
            },
        )
        assert scp(redeemed) == ["Presence.Read", "User.Read"]
        # ...and it holds for the next request, whatever it asks.
        assert scp(graph.admin.post(TOKEN, data=ropc)) == ["Presence.Read", "User.Read"]


def test_a_permission_only_an_admin_may_grant_is_refused_at_sign_in(tmp_path: Path) -> None:
    with app_graph(Settings(fixtures=narrow_fixtures(tmp_path))) as graph:
        returned = sign_in(graph, "User.Read.All")
        assert returned["error"] == ["invalid_grant"]
        assert returned["error_description"][0].startswith("AADSTS65001: ")


def test_the_device_login_page_shows_consent_required(graph: Graph) -> None:
    flow = graph.admin.post(
        DEVICECODE, data={"client_id": BUSY_LIGHT, "scope": "Presence.ReadWrite.All"}
    ).json()
    page = graph.admin.post(
        "/devicelogin", data={"otc": flow["user_code"], "mockgraph_user": ADELE}
    )
    assert page.status_code == 400
    assert "AADSTS65001" in page.text
    assert_entra_error(poll(graph, flow), 400, "invalid_grant", 65001)
