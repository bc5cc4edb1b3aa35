"""Properties a seed or the control plane gives and Graph reads back: identities, licenses,
sign-in activity, custom security attributes, schema extensions, dynamic groups (issue 20)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.client import Graph
from tests.constants import PRESENCE_WALL

ROOT = "https://graph.microsoft.com"
JOHN = "66666666-6666-4666-8666-666666666661"
MARY = "66666666-6666-4666-8666-666666666662"
SKU = "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
COURSES = "ext55gb1l09_msLearnCourses"
B2C = {"signInType": "emailAddress", "issuer": "My B2C tenant", "issuerAssignedId": "j@x.com"}
ACTIVITY = {"lastSignInDateTime": "2021-06-17T16:41:33Z", "lastSignInRequestId": "d4d3"}
ATTRIBUTES = {
    "Marketing": {"@odata.type": "#microsoft.graph.customSecurityAttributeValue", "Id": "Q1"}
}


def _add(graph: Graph, user: dict[str, Any]) -> None:
    graph.admin.post("/_mockgraph/users", json=user).raise_for_status()


@pytest.fixture
def reader(graph: Graph) -> httpx.Client:
    _add(
        graph,
        {
            "id": JOHN,
            "userPrincipalName": "john@contoso.example",
            "mailNickname": "john",
            "postalCode": "98004",
            "identities": [B2C],
            "assignedLicenses": [{"skuId": SKU, "disabledPlans": []}],
            "signInActivity": ACTIVITY,
            "customSecurityAttributes": ATTRIBUTES,
            "schemaExtensions": {COURSES: {"courseId": 1, "courseName": "Graph"}},
        },
    )
    _add(graph, {"id": MARY, "userPrincipalName": "mary@contoso.example"})
    return graph.as_app(PRESENCE_WALL, "User.Read.All", "GroupMember.Read.All")


def test_stored_properties_read_back_on_select(reader: httpx.Client) -> None:
    names = "mailNickname,postalCode,identities,assignedLicenses,signInActivity"
    body = reader.get(
        f"/v1.0/users/{JOHN}", params={"$select": f"{names},customSecurityAttributes"}
    )

    assert body.status_code == 200, body.text
    assert body.json()["identities"] == [B2C]
    assert body.json()["assignedLicenses"] == [{"skuId": SKU, "disabledPlans": []}]
    assert (body.json()["mailNickname"], body.json()["postalCode"]) == ("john", "98004")
    assert body.json()["signInActivity"] == ACTIVITY
    assert body.json()["customSecurityAttributes"] == ATTRIBUTES
    unset = reader.get(f"/v1.0/users/{MARY}", params={"$select": names}).json()
    assert (unset["identities"], unset["assignedLicenses"], unset["postalCode"]) == ([], [], None)


def test_beta_default_set_has_the_stored_properties(reader: httpx.Client) -> None:
    body = reader.get(f"/beta/users/{JOHN}").json()

    assert body["identities"] == [B2C]
    assert (body["mailNickname"], body["postalCode"]) == ("john", "98004")
    assert "signInActivity" not in body


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (
            "identities/any(c:c/issuerAssignedId eq 'j@x.com' and c/issuer eq 'My B2C tenant')",
            [JOHN],
        ),
        # Both clauses must hold for one identity.
        ("identities/any(c:c/issuerAssignedId eq 'j@x.com' and c/issuer eq 'contoso.com')", []),
        ("identities/any(i:i/issuer eq 'my b2c tenant')", [JOHN]),
        (f"assignedLicenses/any(u:u/skuId eq {SKU})", [JOHN]),
        (f"assignedLicenses/any(u:u/skuId eq {SKU.replace('c', 'd')})", []),
    ],
)
def test_filters_on_members_of_collections(
    reader: httpx.Client, query: str, found: list[str]
) -> None:
    page = reader.get("/v1.0/users", params={"$filter": query, "$select": "id"})

    assert page.status_code == 200, page.text
    assert [u["id"] for u in page.json()["value"]] == found


@pytest.mark.parametrize(
    "query",
    [
        "identities/any(c:startswith(c/issuer,'My'))",
        "identities/any(c:c/issuer ne 'x')",
        "identities/issuer eq 'x'",
        "assignedLicenses/any(u:u/disabledPlans eq 'x')",
        "proxyAddresses/any(p:p/issuer eq 'x')",
    ],
)
def test_other_member_filters_are_refused(reader: httpx.Client, query: str) -> None:
    answer = reader.get("/v1.0/users", params={"$filter": query})

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] in ("Request_UnsupportedQuery", "BadRequest")


def test_schema_extension_registered_by_the_tenant(reader: httpx.Client) -> None:
    one = reader.get(f"/v1.0/users/{JOHN}", params={"$select": COURSES}).json()
    page = reader.get("/v1.0/users", params={"$select": f"id,{COURSES}"}).json()

    assert one[COURSES] == {
        "@odata.type": "#microsoft.graph.ComplexExtensionValue",
        "courseId": 1,
        "courseName": "Graph",
    }
    assert one["@odata.context"] == f"{ROOT}/v1.0/$metadata#users({COURSES})/$entity"
    # A user without a value leaves the property out.
    mary = next(u for u in page["value"] if u["id"] == MARY)
    assert mary == {"id": MARY}
    unknown = reader.get(f"/v1.0/users/{JOHN}", params={"$select": "ext12345678_other"})
    assert unknown.status_code == 400
    assert "Could not find a property named 'ext12345678_other'" in unknown.text


def test_a_bad_stored_property_is_refused_and_nothing_is_added(graph: Graph) -> None:
    bad = {"id": JOHN, "identities": [{"issuer": "x"}], "schemaExtensions": {"nounderscore": {}}}
    answer = graph.admin.post("/_mockgraph/users", json=bad)

    assert answer.status_code == 400, answer.text
    reader = graph.as_app(PRESENCE_WALL, "User.Read.All")
    assert reader.get(f"/v1.0/users/{JOHN}").status_code == 404


@pytest.mark.parametrize(
    "name",
    ["cloudRealtimeCommunicationInfo", "deviceEnrollmentLimit", "refreshTokensValidFromDateTime"],
)
def test_beta_only_properties_are_refused_on_v1(reader: httpx.Client, name: str) -> None:
    v1 = reader.get(f"/v1.0/users/{JOHN}", params={"$select": name})
    beta = reader.get(f"/beta/users/{JOHN}", params={"$select": name})

    assert v1.status_code == 400
    assert v1.json()["error"]["message"].endswith(
        f"Could not find a property named '{name}' on type 'microsoft.graph.user'."
    )
    assert beta.status_code == 200
    assert beta.json()[name] is None


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("signInActivity/lastSignInDateTime le 2021-07-21T00:00:00Z", [JOHN]),
        ("signInActivity/lastSignInDateTime ge 2021-07-21T00:00:00Z", []),
        ("signInActivity/lastSignInDateTime eq 2021-06-17T16:41:33Z", [JOHN]),
    ],
)
def test_filter_on_sign_in_times(reader: httpx.Client, query: str, found: list[str]) -> None:
    page = reader.get("/beta/users", params={"$filter": query, "$select": "id"})

    assert page.status_code == 200, page.text
    assert [u["id"] for u in page.json()["value"]] == found


def test_filter_on_a_custom_security_attribute(graph: Graph, reader: httpx.Client) -> None:
    def assigned(*countries: str) -> dict[str, Any]:
        return {
            "Marketing": {
                "AppCountry@odata.type": "#Collection(String)",
                "AppCountry": list(countries),
            }
        }

    other = "66666666-6666-4666-8666-666666666663"
    _add(graph, {"id": other, "customSecurityAttributes": assigned("India", "Canada")})
    _add(graph, {"id": other[:-1] + "4", "customSecurityAttributes": assigned("canada")})
    query = "customSecurityAttributes/Marketing/AppCountry eq 'Canada'"
    advanced = {"$filter": query, "$count": "true", "$select": "id"}

    page = reader.get("/beta/users", params=advanced, headers={"ConsistencyLevel": "eventual"})
    plain = reader.get("/beta/users", params={"$filter": query})

    assert page.status_code == 200, page.text
    assert [u["id"] for u in page.json()["value"]] == [other]
    assert plain.status_code == 400
    assert plain.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_state_round_trip_keeps_stored_properties(graph: Graph) -> None:
    """PUT /_mockgraph/state takes them on users and groups; GET gives them back as given."""
    state = graph.admin.get("/_mockgraph/state").json()
    user, group = state["users"][0], state["groups"][0]
    user["identities"] = [B2C]
    user["schemaExtensions"] = {COURSES: {"courseId": 2}}
    group.update(membershipRule="user.department -eq 'Retail'", isManagementRestricted=True)
    group["membershipRuleProcessingState"] = "On"
    assert graph.admin.put("/_mockgraph/state", json=state).status_code in (200, 204)

    again = graph.admin.get("/_mockgraph/state").json()
    reader = graph.as_app(PRESENCE_WALL, "User.Read.All", "GroupMember.Read.All")
    read = reader.get(
        f"/beta/groups/{group['id']}",
        params={"$select": "membershipRule,membershipRuleProcessingState,isManagementRestricted"},
    ).json()

    assert again["users"][0]["identities"] == [B2C]
    assert again["users"][0]["schemaExtensions"] == {COURSES: {"courseId": 2}}
    assert again["groups"][0]["membershipRule"] == "user.department -eq 'Retail'"
    assert read["membershipRule"] == "user.department -eq 'Retail'"
    assert (read["membershipRuleProcessingState"], read["isManagementRestricted"]) == ("On", True)


@pytest.mark.parametrize(
    "query",
    [
        f"mail eq {SKU}",  # an Edm.Guid against a string
        f"assignedLicenses/any(u:u/skuId eq '{SKU}')",  # a string against an Edm.Guid
    ],
)
def test_a_literal_of_the_wrong_type_is_refused(reader: httpx.Client, query: str) -> None:
    answer = reader.get("/v1.0/users", params={"$filter": query})

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"].startswith("Invalid filter clause")
