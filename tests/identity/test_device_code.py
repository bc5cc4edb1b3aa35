"""The device code flow at the HTTP surface: devicecode, polling, the control plane, the
/devicelogin page, automatic approval and slow_down."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, PRESENCE_SYNC, TENANT
from tests.identity.entra import assert_entra_error

DEVICECODE = f"/{TENANT}/oauth2/v2.0/devicecode"
# Busy Light's delegatedPermissions in the bundled fixtures (an admin's consent).
BUSY_LIGHT_GRANTED = [
    "Presence.Read",
    "Presence.Read.All",
    "Presence.ReadWrite",
    "User.Read",
    "User.ReadBasic.All",
    "ProfilePhoto.Read.All",
    "GroupMember.Read.All",
]
TOKEN = f"/{TENANT}/oauth2/v2.0/token"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
GRAPH_CLI = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
MESSAGE = re.compile(
    r"To sign in, use a web browser to open the page (\S+) and enter the code "
    r"([A-Z0-9]{8,9}) to authenticate\."
)


def start(graph: Graph, client_id: str = BUSY_LIGHT, scope: str = "Presence.Read") -> Any:
    response = graph.admin.post(
        DEVICECODE, data={"client_id": client_id, "scope": f"{scope} openid profile offline_access"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def poll(graph: Graph, flow: dict[str, Any], client_id: str = BUSY_LIGHT) -> httpx.Response:
    return graph.admin.post(
        TOKEN,
        data={
            "grant_type": GRANT,
            "client_id": client_id,
            "device_code": flow["device_code"],
            "client_info": "1",
        },
    )


def decide(graph: Graph, user_code: str, **body: Any) -> httpx.Response:
    return graph.admin.post(f"/_mockgraph/device-codes/{user_code}", json=body)


def test_devicecode_answers_entras_fields_and_message(graph: Graph) -> None:
    flow = start(graph)

    assert set(flow) == {
        "user_code",
        "device_code",
        "verification_uri",
        "expires_in",
        "interval",
        "message",
    }
    assert (flow["expires_in"], flow["interval"]) == (900, 5)
    assert flow["verification_uri"] == "http://mockgraph.test/devicelogin"
    shown = MESSAGE.fullmatch(flow["message"])
    assert shown is not None
    assert shown.groups() == (flow["verification_uri"], flow["user_code"])


@pytest.mark.parametrize("tenant", [TENANT, "common", "organizations", "contoso.example"])
def test_every_oidc_document_names_the_device_authorization_endpoint(
    graph: Graph, tenant: str
) -> None:
    config = graph.admin.get(f"/{tenant}/v2.0/.well-known/openid-configuration").json()
    assert config["device_authorization_endpoint"] == config["token_endpoint"].replace(
        "/token", "/devicecode"
    )


def test_pending_until_approved_then_a_token_once(graph: Graph) -> None:
    flow = start(graph)
    assert_entra_error(poll(graph, flow), 400, "authorization_pending", 70016)
    listed = graph.admin.get("/_mockgraph/device-codes").json()["value"]
    assert [c["userCode"] for c in listed] == [flow["user_code"]]
    assert listed[0]["clientId"] == BUSY_LIGHT

    approved = decide(graph, flow["user_code"], userId=ADELE, decision="approve")

    assert approved.status_code == 200, approved.text
    assert graph.admin.get("/_mockgraph/device-codes").json()["value"] == []
    answer = poll(graph, flow)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (access["oid"], access["tid"], access["appid"], access["idtyp"]) == (
        ADELE,
        TENANT,
        BUSY_LIGHT,
        "user",
    )
    # Every delegated permission granted to Busy Light, not only the one asked for.
    assert access["scp"].split() == BUSY_LIGHT_GRANTED
    assert access["upn"] == access["unique_name"] == "adele.vance@contoso.example"
    identity = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert identity["iss"] == f"http://mockgraph.test/{TENANT}/v2.0"
    assert body["refresh_token"]
    assert body["client_info"]
    me = graph.admin.get(
        "/v1.0/me/presence", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["id"] == ADELE
    # The code is used up.
    assert_entra_error(poll(graph, flow), 400, "bad_verification_code", 70018)


def test_msal_nodes_short_grant_name_is_taken(graph: Graph) -> None:
    flow = start(graph)
    form = {
        "grant_type": "device_code",
        "client_id": BUSY_LIGHT,
        "device_code": flow["device_code"],
    }
    assert_entra_error(graph.admin.post(TOKEN, data=form), 400, "authorization_pending", 70016)


def test_approved_by_upn_in_lower_case_code(graph: Graph) -> None:
    flow = start(graph)
    ok = decide(graph, flow["user_code"].lower(), userId="Alex.Wilber@contoso.example")
    assert ok.status_code == 200, ok.text
    assert (
        jwt.decode(poll(graph, flow).json()["access_token"], options={"verify_signature": False})[
            "oid"
        ]
        == ALEX
    )


def test_denied_code_answers_authorization_declined(graph: Graph) -> None:
    flow = start(graph)
    assert decide(graph, flow["user_code"], decision="deny").status_code == 200
    assert_entra_error(poll(graph, flow), 400, "authorization_declined", 65004)


def test_expiry_follows_the_tenants_virtual_clock(graph: Graph) -> None:
    flow = start(graph)
    graph.advance("PT14M59S")
    assert_entra_error(poll(graph, flow), 400, "authorization_pending", 70016)
    graph.advance("PT1S")
    assert_entra_error(poll(graph, flow), 400, "expired_token", 70020)


def test_unknown_device_code_or_another_client(graph: Graph) -> None:
    flow = start(graph)
    assert_entra_error(poll(graph, {"device_code": "made-up"}), 400, "bad_verification_code", 70018)
    assert_entra_error(poll(graph, flow, AZURE_CLI), 400, "bad_verification_code", 70018)
    missing = graph.admin.post(TOKEN, data={"grant_type": GRANT, "client_id": BUSY_LIGHT})
    assert_entra_error(missing, 400, "invalid_request", 900144)


def test_control_plane_refuses_twice_expired_unknown_and_bad_bodies(graph: Graph) -> None:
    flow = start(graph)
    assert decide(graph, flow["user_code"], userId=ADELE).status_code == 200
    twice = decide(graph, flow["user_code"], userId=ADELE)
    assert twice.status_code == 409
    assert "already approved" in twice.json()["error"]["message"]

    late = start(graph)
    graph.advance("PT15M")
    expired = decide(graph, late["user_code"], userId=ADELE)
    assert expired.status_code == 409
    assert "expired" in expired.json()["error"]["message"]

    assert decide(graph, "NOSUCHCODE", userId=ADELE).status_code == 404
    fresh = start(graph)
    assert decide(graph, fresh["user_code"], userId=PRESENCE_SYNC).status_code == 404
    assert decide(graph, fresh["user_code"]).status_code == 400
    assert decide(graph, fresh["user_code"], decision="maybe").status_code == 400


def test_devicecode_errors_are_entras(graph: Graph) -> None:
    unknown = graph.admin.post(
        DEVICECODE, data={"client_id": "0ac0b4ee-0000-4000-8000-000000000000", "scope": "x"}
    )
    assert_entra_error(unknown, 400, "unauthorized_client", 700016)
    # Consent is asked at sign-in: /devicecode takes a scope that is not granted...
    flow = graph.admin.post(
        DEVICECODE, data={"client_id": BUSY_LIGHT, "scope": "Presence.ReadWrite.All"}
    ).json()
    # ...the sign-in refuses it (a user cannot consent to it), and the poll answers 65001.
    refused = decide(graph, flow["user_code"], userId=ADELE)
    assert (refused.status_code, refused.json()["status"]) == (200, "refused")
    not_granted = poll(graph, flow)
    assert_entra_error(not_granted, 400, "invalid_grant", 65001)
    assert not_granted.json()["suberror"] == "consent_required"
    confidential = graph.admin.post(
        DEVICECODE, data={"client_id": PRESENCE_SYNC, "scope": "Presence.Read"}
    )
    assert_entra_error(confidential, 401, "invalid_client", 7000218)
    assert_entra_error(
        graph.admin.post(DEVICECODE, data={"client_id": BUSY_LIGHT}),
        400,
        "invalid_request",
        900144,
    )


@pytest.mark.parametrize("client_id", [AZURE_CLI, GRAPH_CLI])
def test_first_party_public_clients_are_known_in_every_tenant(graph: Graph, client_id: str) -> None:
    other = "0d7e9f1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"
    graph.admin.post("/_mockgraph/tenants", json={"tenantId": other})
    response = graph.admin.post(
        f"/{other}/oauth2/v2.0/devicecode",
        data={"client_id": client_id, "scope": "https://graph.microsoft.com/.default"},
    )
    assert response.status_code == 200, response.text
    flow = response.json()
    listed = graph.admin.get("/_mockgraph/device-codes", params={"tenant": other}).json()
    assert [c["tenantId"] for c in listed["value"]] == [other]
    assert decide(graph, flow["user_code"], userId=ADELE).status_code == 200
    answer = graph.admin.post(
        f"/{other}/oauth2/v2.0/token",
        data={"grant_type": GRANT, "client_id": client_id, "device_code": flow["device_code"]},
    )
    scopes = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})["scp"]
    assert {"Presence.ReadWrite", "Presence.Read.All", "User.Read", "User.ReadBasic.All"} <= set(
        scopes.split()
    )


def test_a_fixture_app_with_a_first_party_id_overrides_it(tmp_path: Any) -> None:
    fixtures = tmp_path / "fixtures.json"
    app = {"appId": AZURE_CLI, "isPublicClient": True, "delegatedPermissions": ["Presence.Read"]}
    fixtures.write_text(json.dumps({"users": [{"id": ADELE}], "apps": [app]}))
    with app_graph(Settings(fixtures=fixtures)) as graph:
        flow = graph.admin.post(
            DEVICECODE, data={"client_id": AZURE_CLI, "scope": "User.Read.All"}
        ).json()
        decide(graph, flow["user_code"], userId=ADELE)
        assert_entra_error(poll(graph, flow, AZURE_CLI), 400, "invalid_grant", 65001)


class app_graph:
    def __init__(self, settings: Settings) -> None:
        self.transport = InProcessTransport(
            create_app(settings, clock=Clock(start=None, frozen=True))
        )
        self.graph = Graph(self.transport, "http://mockgraph.test")

    def __enter__(self) -> Graph:
        return self.graph

    def __exit__(self, *exc: object) -> None:
        self.graph.close()
        self.transport.close()


@pytest.fixture
def unattended() -> Iterator[Graph]:
    with app_graph(Settings(device_code_user="adele.vance@contoso.example")) as graph:
        yield graph


def test_device_code_user_approves_after_one_interval(unattended: Graph) -> None:
    flow = start(unattended)
    assert_entra_error(poll(unattended, flow), 400, "authorization_pending", 70016)
    unattended.advance("PT5S")
    answer = poll(unattended, flow)
    assert answer.status_code == 200, answer.text
    assert (
        jwt.decode(answer.json()["access_token"], options={"verify_signature": False})["oid"]
        == ADELE
    )


def test_device_code_user_approves_from_the_second_poll_under_a_frozen_clock(
    unattended: Graph,
) -> None:
    flow = start(unattended)
    assert_entra_error(poll(unattended, flow), 400, "authorization_pending", 70016)
    assert poll(unattended, flow).status_code == 200


def test_slow_down_only_when_asked() -> None:
    with app_graph(Settings(device_code_slow_down=True)) as graph:
        flow = start(graph)
        assert_entra_error(poll(graph, flow), 400, "authorization_pending", 70016)
        slow = poll(graph, flow)
        assert slow.status_code == 400
        assert slow.json()["error"] == "slow_down"
        assert slow.json()["error_codes"] == []
        graph.advance("PT5S")
        assert_entra_error(poll(graph, flow), 400, "authorization_pending", 70016)


def test_no_slow_down_by_default(graph: Graph) -> None:
    flow = start(graph)
    for _ in range(3):
        assert_entra_error(poll(graph, flow), 400, "authorization_pending", 70016)


# --- the /devicelogin page -----------------------------------------------------------------


def test_devicelogin_page_approves_as_the_chosen_user(graph: Graph) -> None:
    flow = start(graph)
    page = graph.admin.get("/devicelogin")
    assert page.status_code == 200
    assert "name='otc'" in page.text

    accounts = graph.admin.post("/devicelogin", data={"otc": flow["user_code"]})
    assert accounts.status_code == 200
    assert "Busy Light" in accounts.text
    assert "Adele Vance" in accounts.text
    assert "Alex Wilber" in accounts.text

    done = graph.admin.post("/devicelogin", data={"otc": flow["user_code"], "mockgraph_user": ALEX})
    assert done.status_code == 200
    assert "You have signed in" in done.text
    access = poll(graph, flow).json()["access_token"]
    assert jwt.decode(access, options={"verify_signature": False})["oid"] == ALEX


def test_devicelogin_page_declines_and_refuses_a_wrong_code(graph: Graph) -> None:
    flow = start(graph)
    wrong = graph.admin.post("/devicelogin", data={"otc": "WRONGCODE"})
    assert wrong.status_code == 400
    assert "WRONGCODE" in wrong.text
    assert "name='otc'" in wrong.text
    declined = graph.admin.post("/devicelogin", data={"otc": flow["user_code"], "decision": "deny"})
    assert "declined" in declined.text
    assert_entra_error(poll(graph, flow), 400, "authorization_declined", 65004)
    again = graph.admin.post("/devicelogin", data={"otc": flow["user_code"]})
    assert again.status_code == 400
    assert "already denied" in again.text


SECOND = "3c5d7e9f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"


def test_devicelogin_lists_the_codes_waiting_in_one_tenant(graph: Graph) -> None:
    waiting = start(graph)["user_code"]
    decided = start(graph)["user_code"]
    graph.admin.post("/devicelogin", data={"otc": decided, "decision": "deny"})
    assert graph.admin.post("/_mockgraph/tenants", json={"tenantId": SECOND}).status_code == 201
    elsewhere = graph.admin.post(
        f"/{SECOND}/oauth2/v2.0/devicecode",
        data={"client_id": BUSY_LIGHT, "scope": "Presence.Read"},
    ).json()["user_code"]

    page = graph.admin.get("/devicelogin")
    assert page.status_code == 200
    assert f"value='{waiting}'" in page.text
    assert "Busy Light" in page.text
    assert "Presence.Read offline_access openid profile" in page.text
    assert decided not in page.text
    assert elsewhere not in page.text
    other = graph.admin.get("/devicelogin", params={"tenant": SECOND})
    assert f"value='{elsewhere}'" in other.text
    assert waiting not in other.text
    # Picking one is typing it: the accounts of its tenant come next.
    accounts = graph.admin.post("/devicelogin", data={"otc": waiting})
    assert "Adele Vance" in accounts.text


@pytest.mark.parametrize("tenant", ["not-a-guid", "<script>", "x" * 65])
def test_devicelogin_refuses_a_bad_tenant(graph: Graph, tenant: str) -> None:
    start(graph)
    page = graph.admin.get("/devicelogin", params={"tenant": tenant})
    assert page.status_code == 400
    assert "<script>" not in page.text
    assert "id='waiting'" not in page.text


def test_devicelogin_lists_no_codes_on_a_server_with_an_admin_key() -> None:
    app = create_app(Settings(admin_key="sesame"))
    with httpx.Client(transport=InProcessTransport(app), base_url="http://mockgraph.test") as http:
        started = http.post(DEVICECODE, data={"client_id": BUSY_LIGHT, "scope": "Presence.Read"})
        assert started.status_code == 200, started.text
        page = http.get("/devicelogin")
    assert page.status_code == 200
    assert started.json()["user_code"] not in page.text


def test_device_code_user_must_be_a_fixture_user() -> None:
    with pytest.raises(ValueError, match="MOCKGRAPH_DEVICE_CODE_USER: 'nobody@x' is neither"):
        create_app(Settings(device_code_user="nobody@x"))
