"""Group membership (issue 20): members, memberOf and their transitive forms, with their
casts, $count and the advanced $filter/$search/$orderby over every member type."""

from __future__ import annotations

import httpx
import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI, PRESENCE_WALL

MARKETING = "02bd9fd6-8f93-4758-87c3-1fb73740a315"  # Alex, Megan, Adele
LEADERSHIP = "c43a7cc9-2d95-44b6-bf6a-6392e41949b4"  # Lee, Nestor, Patti and Marketing
EVENTUAL = {"ConsistencyLevel": "eventual"}
ADVANCED = {"$count": "true"}


@pytest.fixture
def reader(graph: Graph) -> httpx.Client:
    return graph.as_app(PRESENCE_WALL, "Directory.Read.All")


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["value"]]


def test_filter_on_members_keeps_member_groups(reader: httpx.Client) -> None:
    url = f"/v1.0/groups/{LEADERSHIP}/members"
    query = {**ADVANCED, "$filter": "startswith(displayName,'M')"}
    assert _ids(reader.get(url, params=query, headers=EVENTUAL)) == [MARKETING]
    query = {**ADVANCED, "$search": '"displayName:market" OR "displayName:lee"'}
    assert _ids(reader.get(url, params=query, headers=EVENTUAL)) == [LEE, MARKETING]
    # A property only users have: the groups simply do not match.
    query = {**ADVANCED, "$filter": "jobTitle eq 'Director'"}
    assert _ids(reader.get(url, params=query, headers=EVENTUAL)) == [LEE, NESTOR]


def test_group_cast_on_members(reader: httpx.Client) -> None:
    page = reader.get(f"/v1.0/groups/{LEADERSHIP}/members/microsoft.graph.group").json()

    assert page["@odata.context"].endswith("/v1.0/$metadata#groups")
    assert [g["id"] for g in page["value"]] == [MARKETING]
    count = reader.get(
        f"/v1.0/groups/{LEADERSHIP}/members/microsoft.graph.group/$count", headers=EVENTUAL
    )
    assert count.text == "1"


def test_member_of_casts_and_count(reader: httpx.Client) -> None:
    base = f"/v1.0/users/{LEE}/memberOf"
    assert _ids(reader.get(f"{base}/microsoft.graph.group")) == [LEADERSHIP]
    assert _ids(reader.get(f"{base}/microsoft.graph.user")) == []
    assert reader.get(f"{base}/$count", headers=EVENTUAL).text == "1"
    assert reader.get(f"{base}/microsoft.graph.group/$count", headers=EVENTUAL).text == "1"
    plain = reader.get(f"{base}/$count")
    assert plain.status_code == 400
    assert plain.json()["error"]["message"] == "$count is not currently supported."


def test_member_of_filter_search_and_orderby(reader: httpx.Client) -> None:
    base = f"/v1.0/users/{ADELE}/transitiveMemberOf/microsoft.graph.group"
    query = {**ADVANCED, "$orderby": "displayName desc", "$select": "displayName"}
    page = reader.get(base, params=query, headers=EVENTUAL).json()
    assert [g["displayName"] for g in page["value"]] == ["Marketing", "Leadership Team"]
    assert page["@odata.count"] == 2
    query = {**ADVANCED, "$filter": "startswith(displayName,'lead')"}
    assert _ids(reader.get(base, params=query, headers=EVENTUAL)) == [LEADERSHIP]
    query = {**ADVANCED, "$search": '"displayName:market"'}
    assert _ids(reader.get(base, params=query, headers=EVENTUAL)) == [MARKETING]


def test_users_properties_sort_after_a_user_cast(reader: httpx.Client) -> None:
    url = f"/v1.0/groups/{LEADERSHIP}/transitiveMembers/microsoft.graph.user"
    query = {**ADVANCED, "$orderby": "displayName", "$select": "displayName"}
    page = reader.get(url, params=query, headers=EVENTUAL).json()

    names = [u["displayName"] for u in page["value"]]
    assert names == sorted(names)
    assert len(names) == 6
    refused = reader.get(f"/v1.0/groups/{LEADERSHIP}/members", params={"$orderby": "displayName"})
    assert refused.json()["error"]["message"] == (
        "Unsupported sort property 'displayName' for 'DirectoryObject'."
    )
    plain = reader.get(url, params={"$orderby": "displayName"})
    assert plain.json()["error"]["message"] == "Sorting not supported for current query."


def test_transitive_members_go_through_nested_groups(reader: httpx.Client) -> None:
    url = f"/v1.0/groups/{LEADERSHIP}/transitiveMembers"
    assert _ids(reader.get(url)) == [LEE, NESTOR, PATTI, MARKETING, ALEX, MEGAN, ADELE]
    assert _ids(reader.get(f"{url}/microsoft.graph.group")) == [MARKETING]
    assert reader.get(f"{url}/microsoft.graph.user/$count", headers=EVENTUAL).text == "6"
    query = {**ADVANCED, "$filter": "startswith(displayName,'A')"}
    assert _ids(reader.get(url, params=query, headers=EVENTUAL)) == [ALEX, ADELE]


def test_transitive_member_of(reader: httpx.Client) -> None:
    assert _ids(reader.get(f"/v1.0/users/{ALEX}/transitiveMemberOf")) == [MARKETING, LEADERSHIP]
    assert _ids(reader.get(f"/v1.0/users/{PATTI}/transitiveMemberOf")) == [LEADERSHIP]
    count = reader.get(f"/beta/users/{MEGAN}/transitiveMemberOf/$count", headers=EVENTUAL)
    assert count.text == "2"


def test_filter_refused_by_every_member_type_is_an_error(reader: httpx.Client) -> None:
    query = {**ADVANCED, "$filter": "endswith(displayName,'x')"}
    response = reader.get(f"/v1.0/groups/{LEADERSHIP}/members", params=query, headers=EVENTUAL)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_UnsupportedQuery"


@pytest.mark.parametrize(
    "url",
    [
        f"/v1.0/groups/{LEADERSHIP}/members",
        f"/v1.0/groups/{LEADERSHIP}/transitiveMembers/microsoft.graph.user",
        f"/v1.0/users/{ALEX}/memberOf",
        f"/beta/users/{ALEX}/transitiveMemberOf/microsoft.graph.group",
    ],
)
def test_reference_property_queries_without_the_parameters(reader: httpx.Client, url: str) -> None:
    filtered = reader.get(url, params={"$filter": "startswith(displayName,'M')"})
    assert filtered.json()["error"] == {
        **filtered.json()["error"],
        "code": "Request_UnsupportedQuery",
        "message": "The specified filter to the reference property query is currently not "
        "supported.",
    }
    searched = reader.get(url, params={"$search": '"displayName:M"'})
    assert searched.json()["error"]["message"].startswith(
        "Request with $search query parameter only works through MSGraph"
    )
    # $search needs the header only, not $count.
    assert reader.get(url, params={"$search": '"displayName:M"'}, headers=EVENTUAL).is_success
