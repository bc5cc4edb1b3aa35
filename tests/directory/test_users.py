"""GET /me and /users/{key}: default sets, $select, key forms and their errors (§2)."""

from __future__ import annotations

import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, PRESENCE_WALL, UNKNOWN

ROOT = "https://graph.microsoft.com"
V1_KEYS = [
    "@odata.context",
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
]


def test_me_is_the_eleven_default_properties_in_graphs_order(graph: Graph) -> None:
    response = graph.as_user(ADELE, "User.Read").get("/v1.0/me")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == V1_KEYS
    assert body["@odata.context"] == f"{ROOT}/v1.0/$metadata#users/$entity"
    assert body["id"] == ADELE
    assert body["displayName"] == "Adele Vance"
    assert body["businessPhones"] == ["+1 425 555 0109"]
    assert body["jobTitle"] == "Retail Manager"


def test_beta_returns_the_wide_set(graph: Graph) -> None:
    body = graph.as_user(ADELE, "User.Read").get("/beta/me").json()

    assert body["@odata.context"] == f"{ROOT}/beta/$metadata#users/$entity"
    assert body["accountEnabled"] is True
    assert body["department"] == "Retail"
    assert body["proxyAddresses"] == ["SMTP:adele.vance@contoso.example"]
    assert list(body)[1] == "id"


def test_names_are_written_in_utf8_as_graph_writes_them(graph: Graph) -> None:
    user = {
        "id": "33333333-3333-4333-8333-333333333333",
        "userPrincipalName": "zoe@contoso.example",
        "displayName": "Zoë Ngô 王",
    }
    graph.admin.post("/_mockgraph/users", json=user).raise_for_status()

    response = graph.as_app(PRESENCE_WALL, "User.Read.All").get(f"/v1.0/users/{user['id']}")

    assert "Zoë Ngô 王".encode() in response.content
    assert response.json()["displayName"] == "Zoë Ngô 王"


def test_unset_properties_are_null_and_empty_lists(graph: Graph) -> None:
    body = graph.as_user(ALEX, "User.Read").get("/v1.0/me").json()

    assert body["mobilePhone"] is None


def test_select_returns_exactly_the_list_without_implicit_id(graph: Graph) -> None:
    response = graph.as_user(ADELE, "User.Read").get(
        "/v1.0/me", params={"$select": "displayName,mail,department"}
    )

    body = response.json()
    assert list(body) == ["@odata.context", "displayName", "mail", "department"]
    assert body["@odata.context"] == (
        f"{ROOT}/v1.0/$metadata#users(displayName,mail,department)/$entity"
    )
    assert body["department"] == "Retail"


def test_select_of_an_unknown_property_is_graphs_400(graph: Graph) -> None:
    response = graph.as_user(ADELE, "User.Read").get("/v1.0/me?$select=displayName,shoeSize")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert response.json()["error"]["message"] == (
        "Parsing OData Select and Expand failed: Could not find a property named 'shoeSize' "
        "on type 'microsoft.graph.user'."
    )


def test_app_token_on_me_is_a_400(graph: Graph) -> None:
    for path in ("/v1.0/me", "/v1.0/me/photo/$value", "/v1.0/me/memberOf"):
        response = graph.as_app(PRESENCE_WALL, "User.Read.All").get(path)
        assert response.status_code == 400, path
        assert response.json()["error"] == {
            **response.json()["error"],
            "code": "BadRequest",
            "message": "/me request is only valid with delegated authentication flow.",
        }


@pytest.mark.parametrize(
    "path",
    [
        f"/v1.0/users/{ADELE}",
        f"/v1.0/users/{ADELE.upper()}",
        "/v1.0/users/adele.vance@contoso.example",
        "/v1.0/users/adele.vance%40contoso.example",
        "/v1.0/users/ADELE.VANCE@contoso.example",
        "/v1.0/users('adele.vance@contoso.example')",
        f"/v1.0/users('{ADELE}')",
        "/v1.0/users(userPrincipalName='adele.vance@contoso.example')",
    ],
)
def test_every_key_form_reaches_the_same_user(graph: Graph, path: str) -> None:
    response = graph.as_app(PRESENCE_WALL, "User.Read.All").get(path)

    assert response.status_code == 200, response.text
    assert response.json()["id"] == ADELE
    assert response.json()["@odata.context"] == f"{ROOT}/v1.0/$metadata#users/$entity"


def test_guest_and_apostrophe_upns(graph: Graph) -> None:
    admin = graph.admin
    for user_id, upn in [
        ("11111111-1111-4111-8111-111111111111", "AdeleVance_adatum.com#EXT#@contoso.example"),
        ("22222222-2222-4222-8222-222222222222", "o'brien@contoso.example"),
        ("33333333-3333-4333-8333-333333333333", "$dollar@contoso.example"),
    ]:
        added = admin.post("/_mockgraph/users", json={"id": user_id, "userPrincipalName": upn})
        assert added.status_code in (200, 201), added.text
    reader = graph.as_app(PRESENCE_WALL, "User.Read.All")

    guest = reader.get("/v1.0/users/AdeleVance_adatum.com%23EXT%23@contoso.example")
    assert guest.json()["id"] == "11111111-1111-4111-8111-111111111111"
    assert reader.get("/v1.0/users/o'brien@contoso.example").status_code == 200
    assert reader.get("/v1.0/users('o''brien@contoso.example')").status_code == 200
    dollar = reader.get("/v1.0/users('$dollar@contoso.example')")
    assert dollar.json()["id"] == "33333333-3333-4333-8333-333333333333"
    assert reader.get("/v1.0/users/$dollar@contoso.example").status_code == 400


@pytest.mark.parametrize(
    ("path", "echoed"),
    [
        (f"/v1.0/users/{UNKNOWN}", UNKNOWN),
        ("/v1.0/users/nobody@contoso.example", "nobody@contoso.example"),
        ("/v1.0/users/o'nobody@contoso.example", "o''nobody@contoso.example"),
        ("/v1.0/users('o''nobody@contoso.example')", "o''nobody@contoso.example"),
        # An unescaped # is a fragment: the server sees the name cut there.
        ("/v1.0/users/guest_adatum.com%23EXT%23@x.example", "guest_adatum.com#EXT#@x.example"),
    ],
)
def test_unknown_user_is_graphs_404_echoing_the_key(graph: Graph, path: str, echoed: str) -> None:
    response = graph.as_app(PRESENCE_WALL, "User.Read.All").get(path)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"
    assert response.json()["error"]["message"] == (
        f"Resource '{echoed}' does not exist or one of its queried reference-property "
        "objects are not present."
    )


@pytest.mark.parametrize(
    "path",
    ["/v1.0/users/bad%zzkey", "/v1.0/users('unterminated)", "/v1.0/users(mail='x@y.z')"],
)
def test_malformed_keys_are_a_400(graph: Graph, path: str) -> None:
    response = graph.as_app(PRESENCE_WALL, "User.Read.All").get(path)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_BadRequest"
    assert response.json()["error"]["message"] == (
        "Bad request. Please fix the request before retrying."
    )


def test_a_key_that_is_not_utf8_is_a_400(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_WALL, "User.Read.All").get("/v1.0/users/%ff%fe")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_BadRequest"


@pytest.mark.parametrize(
    "url", ["/v1.0/me?$expand=photo", "/beta/me?$expand=Photo", "/v1.0/users?$expand=photo"]
)
def test_expand_photo_is_graphs_expand_not_supported(graph: Graph, url: str) -> None:
    client = graph.as_user(ADELE, "User.Read.All")
    error = client.get(url).json()["error"]

    assert (error["code"], error["message"]) == (
        "ExpandNotSupported",
        "Expand is not allowed for property 'Photo' according to the entity schema.",
    )


def test_select_of_betas_own_user_properties_reads_by_type(graph: Graph) -> None:
    query = "$select=infoCatalogs,onPremisesSipInfo,isLicenseReconciliationNeeded,postalCode"
    body = graph.as_user(ADELE, "User.Read").get(f"/beta/me?{query}").json()

    assert {k: v for k, v in body.items() if not k.startswith("@")} == {
        "infoCatalogs": [],
        "onPremisesSipInfo": None,
        "isLicenseReconciliationNeeded": None,
        "postalCode": None,
    }
