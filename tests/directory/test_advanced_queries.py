"""Advanced queries (issue 20): the $filter matrix of
https://learn.microsoft.com/graph/aad-advanced-queries, property by property, and
ConsistencyLevel given as a header or as a query option."""

from __future__ import annotations

import httpx
import pytest

from tests.client import Graph
from tests.constants import LEE, NESTOR, PATTI, PRESENCE_WALL

ENDS_WITH = "$filter=endsWith(mail,'@contoso.example')&$count=true&$select=id"


@pytest.fixture
def reader(graph: Graph) -> httpx.Client:
    return graph.as_app(PRESENCE_WALL, "User.Read.All", "GroupMember.Read.All")


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["value"]]


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize(
    "option",
    ["ConsistencyLevel=eventual", "consistencylevel=Eventual", "CONSISTENCYLEVEL=EVENTUAL"],
)
def test_consistency_level_as_a_query_option(
    reader: httpx.Client, version: str, option: str
) -> None:
    page = reader.get(f"/{version}/users?{ENDS_WITH}&{option}").json()

    assert page["@odata.count"] == 6
    count = reader.get(f"/{version}/users/$count?{option}")
    assert (count.status_code, count.text) == (200, "6")


def test_consistency_level_option_rides_on_the_next_link(reader: httpx.Client) -> None:
    first = reader.get(f"/v1.0/users?{ENDS_WITH}&$top=4&ConsistencyLevel=eventual").json()
    assert "ConsistencyLevel=eventual" in first["@odata.nextLink"]

    second = reader.get(first["@odata.nextLink"])
    assert _ids(second) == [NESTOR, PATTI]


def test_consistency_level_option_in_a_batch_item(reader: httpx.Client) -> None:
    url = f"/users?{ENDS_WITH}&consistencyLevel=eventual"
    body = {"requests": [{"id": "1", "method": "GET", "url": url}]}

    item = reader.post("/v1.0/$batch", json=body).json()["responses"][0]
    assert item["status"] == 200, item
    assert item["body"]["@odata.count"] == 6


def test_consistency_level_of_another_value_is_not_eventual(reader: httpx.Client) -> None:
    response = reader.get(f"/v1.0/users?{ENDS_WITH}&ConsistencyLevel=session")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_consistency_level_option_on_members(reader: httpx.Client) -> None:
    leadership = "c43a7cc9-2d95-44b6-bf6a-6392e41949b4"
    url = f"/v1.0/groups/{leadership}/members?$filter=startswith(displayName,'L')&$count=true"

    assert _ids(reader.get(f"{url}&ConsistencyLevel=eventual")) == [LEE]
    assert reader.get(f"{url}").status_code == 400
