"""Groups, members, memberOf and the limited-information rule (§5)."""

from __future__ import annotations

import httpx

from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI, PRESENCE_WALL, TENANT, UNKNOWN

ROOT = "https://graph.microsoft.com"
MARKETING = "02bd9fd6-8f93-4758-87c3-1fb73740a315"
LEADERSHIP = "c43a7cc9-2d95-44b6-bf6a-6392e41949b4"
EVENTUAL = {"ConsistencyLevel": "eventual"}


def _reader(graph: Graph, *roles: str) -> httpx.Client:
    return graph.as_app(PRESENCE_WALL, *(roles or ("GroupMember.Read.All", "User.Read.All")))


def test_get_group(graph: Graph) -> None:
    body = _reader(graph).get(f"/v1.0/groups/{MARKETING}").json()

    assert body["@odata.context"] == f"{ROOT}/v1.0/$metadata#groups/$entity"
    assert list(body)[1] == "id"
    assert (body["id"], body["displayName"], body["mail"]) == (
        MARKETING,
        "Marketing",
        "marketing@contoso.example",
    )
    assert body["groupTypes"] == []


def test_group_errors(graph: Graph) -> None:
    reader = _reader(graph)
    bad = reader.get("/v1.0/groups/not-a-guid")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "Request_BadRequest")
    assert bad.json()["error"]["message"] == "Invalid object identifier 'not-a-guid'."
    unknown = reader.get(f"/v1.0/groups/{UNKNOWN}")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (
        404,
        "Request_ResourceNotFound",
    )


def test_members_are_directory_objects_with_their_type(graph: Graph) -> None:
    page = _reader(graph).get(f"/v1.0/groups/{LEADERSHIP}/members").json()

    assert page["@odata.context"] == f"{ROOT}/v1.0/$metadata#directoryObjects"
    types = [(m["@odata.type"], m["id"]) for m in page["value"]]
    assert types == [
        ("#microsoft.graph.user", LEE),
        ("#microsoft.graph.user", NESTOR),
        ("#microsoft.graph.user", PATTI),
        ("#microsoft.graph.group", MARKETING),
    ]
    assert list(page["value"][0])[:2] == ["@odata.type", "id"]
    assert page["value"][0]["jobTitle"] == "Director"


def test_members_select_keeps_what_each_type_has(graph: Graph) -> None:
    query = "$select=id,displayName,userPrincipalName"
    page = _reader(graph).get(f"/v1.0/groups/{LEADERSHIP}/members?{query}").json()

    assert page["@odata.context"] == (
        f"{ROOT}/v1.0/$metadata#directoryObjects(id,displayName,userPrincipalName)"
    )
    assert page["value"][0] == {
        "@odata.type": "#microsoft.graph.user",
        "id": LEE,
        "displayName": "Lee Gu",
        "userPrincipalName": "lee.gu@contoso.example",
    }
    assert page["value"][3] == {
        "@odata.type": "#microsoft.graph.group",
        "id": MARKETING,
        "displayName": "Marketing",
    }


def test_cast_to_users_and_paging(graph: Graph) -> None:
    reader = _reader(graph)
    url = f"/v1.0/groups/{LEADERSHIP}/members/microsoft.graph.user?$top=2&$select=id"
    first = reader.get(url).json()
    assert first["@odata.context"] == f"{ROOT}/v1.0/$metadata#users(id)"
    second = reader.get(first["@odata.nextLink"]).json()
    ids = [m["id"] for m in first["value"] + second["value"]]
    assert ids == [LEE, NESTOR, PATTI]
    assert "@odata.nextLink" not in second


def test_members_count(graph: Graph) -> None:
    reader = _reader(graph)
    counted = reader.get(f"/v1.0/groups/{LEADERSHIP}/members?$count=true", headers=EVENTUAL)
    assert counted.json()["@odata.count"] == 4
    assert reader.get(f"/v1.0/groups/{LEADERSHIP}/members/$count", headers=EVENTUAL).text == "4"
    segment = reader.get(
        f"/v1.0/groups/{LEADERSHIP}/members/microsoft.graph.user/$count", headers=EVENTUAL
    )
    assert segment.text == "3"


def test_limited_information_without_user_read(graph: Graph) -> None:
    reader = _reader(graph, "GroupMember.Read.All")
    page = reader.get(f"/v1.0/groups/{MARKETING}/members").json()

    first = page["value"][0]
    assert (first["@odata.type"], first["id"]) == ("#microsoft.graph.user", ALEX)
    assert first["displayName"] is None
    assert first["mail"] is None
    assert first["businessPhones"] == []


def test_members_need_group_member_read(graph: Graph) -> None:
    response = _reader(graph, "User.ReadBasic.All").get(f"/v1.0/groups/{MARKETING}/members")

    assert response.status_code == 403
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "Authorization_RequestDenied",
        "message": "Insufficient privileges to complete the operation.",
    }


def test_my_member_of_with_user_read_shows_only_ids(graph: Graph) -> None:
    page = graph.as_user(MEGAN, "User.Read").get("/v1.0/me/memberOf").json()

    assert page["@odata.context"] == f"{ROOT}/v1.0/$metadata#directoryObjects"
    group = page["value"][0]
    assert (group["@odata.type"], group["id"]) == ("#microsoft.graph.group", MARKETING)
    assert group["displayName"] is None


def test_member_of_with_group_read_shows_names(graph: Graph) -> None:
    page = graph.as_user(MEGAN, "GroupMember.Read.All").get("/v1.0/me/memberOf").json()
    assert [g["displayName"] for g in page["value"]] == ["Marketing"]
    other = graph.as_app(PRESENCE_WALL, "Directory.Read.All").get(
        f"/v1.0/users/{MARKETING}/memberOf"
    )
    assert other.status_code == 404
    group_of_group = (
        _reader(graph, "Directory.Read.All").get(f"/v1.0/users/{ADELE}/memberOf").json()
    )
    assert [g["id"] for g in group_of_group["value"]] == [MARKETING]


def test_filter_and_search_on_members_are_advanced_queries(graph: Graph) -> None:
    reader = _reader(graph)
    url = f"/v1.0/groups/{LEADERSHIP}/members"
    plain = reader.get(url, params={"$filter": "startswith(displayName,'N')"})
    assert plain.status_code == 400
    assert plain.json()["error"]["code"] == "Request_UnsupportedQuery"

    query = {"$filter": "startswith(displayName,'N')", "$count": "true"}
    found = reader.get(url, params=query, headers=EVENTUAL).json()
    assert [m["id"] for m in found["value"]] == [NESTOR]
    assert found["@odata.count"] == 1
    searched = reader.get(
        url, params={"$search": '"displayName:lee"', "$count": "true"}, headers=EVENTUAL
    ).json()
    assert [m["id"] for m in searched["value"]] == [LEE]


def test_group_key_in_parentheses(graph: Graph) -> None:
    body = _reader(graph).get(f"/v1.0/groups('{MARKETING}')").json()
    assert body["id"] == MARKETING


def test_group_select_of_any_property_reads_by_type(graph: Graph) -> None:
    query = "$select=allowExternalSenders,unseenCount,assignedLabels,theme,createdDateTime"
    body = _reader(graph).get(f"/v1.0/groups/{MARKETING}?{query}").json()

    assert body == {
        "@odata.context": f"{ROOT}/v1.0/$metadata#groups(allowExternalSenders,unseenCount,"
        "assignedLabels,theme,createdDateTime)/$entity",
        "id": MARKETING,
        "allowExternalSenders": False,
        "unseenCount": 0,
        "assignedLabels": [],
        "theme": None,
        "createdDateTime": None,
    }
    beta_only = _reader(graph).get(f"/v1.0/groups/{MARKETING}?$select=organizationId")
    assert beta_only.status_code == 400


def test_beta_group_default_set_and_stored_properties(graph: Graph) -> None:
    seeded = {"id": "0f0f0f0f-0000-4000-8000-000000000001", "displayName": "Seeded"}
    seeded |= {"createdDateTime": "2021-09-13T10:07:01Z", "securityIdentifier": "S-1-12-1"}
    state = graph.admin.get("/_mockgraph/state").json()
    state["groups"] = [*state.get("groups", []), seeded]
    graph.admin.put("/_mockgraph/state", json=state).raise_for_status()

    body = _reader(graph).get(f"/beta/groups/{seeded['id']}").json()
    assert list(body)[1:4] == ["id", "deletedDateTime", "classification"]
    assert body["createdDateTime"] == "2021-09-13T10:07:01Z"
    assert body["securityIdentifier"] == "S-1-12-1"
    assert body["organizationId"] == TENANT
    assert body["writebackConfiguration"] == {"isEnabled": None, "onPremisesGroupType": None}
    assert "createdByAppId" not in _reader(graph).get(f"/v1.0/groups/{seeded['id']}").json()
