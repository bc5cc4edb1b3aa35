from __future__ import annotations

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, MEGAN, NESTOR, PRESENCE_WALL, UNKNOWN

ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_own_presence_at_me(graph: Graph, version: str) -> None:
    response = graph.as_user(ADELE, "Presence.Read").get(f"/{version}/me/presence")

    assert response.status_code == 200
    assert response.headers["content-type"] == ODATA_JSON
    body = response.json()
    assert body["@odata.context"] == (
        f"https://graph.microsoft.com/{version}/$metadata#users('{ADELE}')/presence/$entity"
    )
    assert body["id"] == ADELE
    assert (body["availability"], body["activity"]) == ("Available", "Available")
    assert body["outOfOfficeSettings"] == {"message": None, "isOutOfOffice": False}
    assert body["statusMessage"] is None
    assert body["workLocation"] == {
        "workLocationType": "unspecified",
        "source": "none",
        "placeId": None,
    }


def test_the_three_addresses_name_the_same_presence(graph: Graph) -> None:
    reader = graph.as_user(ADELE, "Presence.Read.All")
    by_user = reader.get(f"/v1.0/users/{ALEX}/presence").json()
    by_communications = reader.get(f"/v1.0/communications/presences/{ALEX}").json()

    assert by_communications["@odata.context"] == (
        "https://graph.microsoft.com/v1.0/$metadata#communications/presences/$entity"
    )
    del by_user["@odata.context"], by_communications["@odata.context"]
    assert by_user == by_communications
    assert (by_user["availability"], by_user["activity"]) == ("DoNotDisturb", "Presenting")


def test_own_presence_is_own_at_every_address(graph: Graph) -> None:
    reader = graph.as_user(ADELE, "Presence.Read")
    for path in (
        "/v1.0/me/presence",
        f"/v1.0/users/{ADELE}/presence",
        f"/v1.0/communications/presences/{ADELE}",
    ):
        assert reader.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        # Graph's own doc examples (reference §2.1).
        (
            ALEX,
            {
                "id": ALEX,
                "availability": "DoNotDisturb",
                "activity": "Presenting",
                "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
            },
        ),
        (
            MEGAN,
            {
                "id": MEGAN,
                "availability": "Away",
                "activity": "BeRightBack",
                "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
            },
        ),
    ],
)
def test_doc_examples_replay(graph: Graph, user_id: str, expected: dict[str, object]) -> None:
    body = graph.as_user(ADELE, "Presence.Read.All").get(f"/beta/users/{user_id}/presence").json()

    # Graph's examples are shortened; every member they show is there, with the same value.
    assert {k: body[k] for k in expected} == expected
    assert body["sequenceNumber"].startswith("A")


def test_user_without_session_is_offline_and_shows_out_of_office(graph: Graph) -> None:
    body = graph.presence(NESTOR)

    assert (body["availability"], body["activity"]) == ("Offline", "Offline")
    assert body["outOfOfficeSettings"] == {"message": "Back on Monday.", "isOutOfOffice": True}


def test_select_returns_only_the_chosen_properties(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(
        f"/v1.0/users/{ALEX}/presence", params={"$select": "availability,Activity"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata"
        f"#users('{ALEX}')/presence(availability,activity)/$entity",
        "id": ALEX,
        "availability": "DoNotDisturb",
        "activity": "Presenting",
    }


def test_select_of_an_unknown_property_is_400(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(
        f"/v1.0/users/{ALEX}/presence", params={"$select": "availability,mood"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Could not find a property named 'mood' on type 'microsoft.graph.presence'."
    )


def test_unknown_user_is_404(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(
        f"/v1.0/users/{UNKNOWN}/presence"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFound"


@pytest.mark.parametrize(
    "path",
    [
        f"/v1.0/users/{ADELE}/presence",
        f"/v1.0/users/{ADELE.upper()}/presence",
        f"/v1.0/users('{ADELE}')/presence",
        f"/v1.0/users(id='{ADELE}')/presence",
        f"/beta/Users('{ADELE.upper()}')/presence",
        f"/v1.0/communications/presences/{ADELE}",
        f"/v1.0/communications/presences('{ADELE}')",
        f"/beta/communications/Presences('{ADELE.upper()}')",
    ],
)
def test_every_address_form_of_the_object_id_reaches_the_presence(graph: Graph, path: str) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(path)

    assert response.status_code == 200, response.text
    assert response.json()["id"] == ADELE


@pytest.mark.parametrize(
    "path",
    [
        f"/v1.0/users('{ADELE}')/presence/setPresence",
        f"/v1.0/communications/presences('{ADELE}')/setPresence",
        f"/v1.0/communications/presences('{ADELE}')/microsoft.graph.setPresence",
    ],
)
def test_actions_take_the_object_id_in_parentheses(graph: Graph, path: str) -> None:
    response = graph.as_app().post(
        path, json={"sessionId": "s", "availability": "Busy", "activity": "InACall"}
    )

    assert response.status_code == 200, response.text
    assert graph.presence(ADELE)["availability"] == "Busy"


@pytest.mark.parametrize(
    "path",
    [
        "/v1.0/users/adele.vance@contoso.example/presence",
        "/v1.0/users/ADELE.VANCE%40contoso.example/presence",
        "/v1.0/users('adele.vance@contoso.example')/presence",
        "/v1.0/users(userPrincipalName='adele.vance@contoso.example')/presence",
        "/v1.0/users/nobody@contoso.example/presence",
        "/v1.0/communications/presences/adele.vance@contoso.example",
        "/v1.0/communications/presences('adele.vance@contoso.example')",
    ],
)
def test_a_upn_is_refused_on_presence(graph: Graph, path: str) -> None:
    """Graph's presence takes the object id only (msgraph-sdk-dotnet#1942,
    microsoft-graph-explorer-v4#2945); /users/{upn} itself still reads the user."""
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get(path)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert "not by userPrincipalName" in error["message"]


def test_a_write_by_upn_is_refused(graph: Graph) -> None:
    response = graph.as_app().post(
        "/v1.0/users/adele.vance@contoso.example/presence/setPresence",
        json={"sessionId": "s", "availability": "Busy", "activity": "InACall"},
    )

    assert response.status_code == 400
    assert graph.presence(ADELE)["availability"] != "Busy"


def test_unknown_id_or_bad_key_on_presence(graph: Graph) -> None:
    reader = graph.as_app(PRESENCE_WALL, "Presence.Read.All")

    assert reader.get(f"/v1.0/users('{UNKNOWN}')/presence").status_code == 404
    assert reader.get(f"/v1.0/communications/presences('{UNKNOWN}')").status_code == 404
    bad = reader.get("/v1.0/users('unterminated)/presence")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "Request_BadRequest")


def test_segments_are_case_insensitive_and_actions_may_be_qualified(graph: Graph) -> None:
    adele = graph.as_user(ADELE)
    assert adele.get("/v1.0/ME/Presence").status_code == 200
    response = adele.post(
        "/v1.0/me/presence/microsoft.graph.setPresence",
        json={"sessionId": "s", "availability": "Busy", "activity": "InACall"},
    )
    assert response.status_code == 200
    assert graph.presence(ADELE)["availability"] == "Busy"


def test_every_response_carries_graph_headers(graph: Graph) -> None:
    response = graph.as_user(ADELE).get(
        "/v1.0/me/presence", headers={"client-request-id": "my-correlation-id"}
    )

    assert response.headers["client-request-id"] == "my-correlation-id"
    assert len(response.headers["request-id"]) == 36
    assert "ServerInfo" in response.headers["x-ms-ags-diagnostic"]
    unsent = graph.as_user(ADELE).get("/v1.0/me/presence")
    assert unsent.headers["client-request-id"] == unsent.headers["request-id"]


def test_out_of_office_and_available_reads_out_of_office(graph: Graph) -> None:
    """Issue 13, fault 3: Teams' state table maps Available + out of office to
    Available/OutOfOffice; a call stays Busy/InACall with out of office."""
    graph.admin.post(
        "/_mockgraph/users",
        json={
            "id": "44444444-4444-4444-8444-444444444444",
            "presence": {"availability": "Available", "activity": "Available"},
            "outOfOfficeSettings": {"isOutOfOffice": True, "message": "Away until May."},
        },
    )
    graph.admin.post(
        "/_mockgraph/users",
        json={
            "id": "55555555-5555-4555-8555-555555555555",
            "presence": {"availability": "Busy", "activity": "InACall"},
            "outOfOfficeSettings": {"isOutOfOffice": True},
        },
    )

    available = graph.presence("44444444-4444-4444-8444-444444444444")
    in_a_call = graph.presence("55555555-5555-4555-8555-555555555555")

    assert (available["availability"], available["activity"]) == ("Available", "OutOfOffice")
    assert available["outOfOfficeSettings"]["isOutOfOffice"] is True
    assert (in_a_call["availability"], in_a_call["activity"]) == ("Busy", "InACall")
    assert in_a_call["outOfOfficeSettings"]["isOutOfOffice"] is True


def test_openapi_presence_has_exactly_the_members_a_read_returns(graph: Graph) -> None:
    # One shape: the OpenAPI's Presence is the entity the server renders, member for member.
    spec = graph.admin.get("/openapi.json").json()
    documented = set(spec["components"]["schemas"]["Presence"]["properties"]) - {"@odata.context"}
    body = graph.as_user(ADELE).get("/v1.0/me/presence").json()
    assert documented == set(body) - {"@odata.context"}
