"""Advanced queries (issue 20): the $filter matrix of
https://learn.microsoft.com/graph/aad-advanced-queries, property by property, and
ConsistencyLevel given as a header or as a query option."""

from __future__ import annotations

import httpx
import pytest

from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI, PRESENCE_WALL

EVENTUAL = {"ConsistencyLevel": "eventual"}
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


UNSUPPORTED = (
    "Unsupported or invalid query filter clause specified for property '{}' of resource 'User'."
)


# Cells of the matrix's user table that work by default (and so also as advanced queries).
@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ("department eq 'Retail'", [ADELE]),
        ("startswith(department,'Manu')", [LEE]),
        ("department in ('Retail','Manufacturing')", [ADELE, LEE]),
        ("jobTitle eq 'Director'", [LEE, NESTOR]),
        ("city eq 'Redmond'", []),
        ("createdDateTime ge 2024-01-01T00:00:00Z", []),
        ("onPremisesLastSyncDateTime le 2024-01-01T00:00:00+02:00", []),
        ("employeeId eq '1234'", []),
        ("userType eq 'Member'", [ADELE, ALEX, MEGAN, LEE, NESTOR, PATTI]),
        ("imAddresses/any(i:i eq 'adele@contoso.example')", []),
    ],
)
def test_default_cells(reader: httpx.Client, filter_: str, expected: list[str]) -> None:
    assert _ids(reader.get("/v1.0/users", params={"$filter": filter_})) == expected
    advanced = {"$filter": filter_, "$count": "true"}
    assert _ids(reader.get("/v1.0/users", params=advanced, headers=EVENTUAL)) == expected


# Cells marked advanced: without the advanced-query parameters the service names the property.
@pytest.mark.parametrize(
    ("filter_", "prop", "expected"),
    [
        ("mobilePhone eq '+1 425 555 0109'", "mobilePhone", [ADELE]),
        ("startswith(mobilePhone,'+1 425')", "mobilePhone", [ADELE]),
        ("preferredLanguage eq 'en-US'", "preferredLanguage", [ADELE, ALEX, MEGAN, LEE]),
        ("officeLocation eq '18/2111'", "officeLocation", [ADELE]),
        ("companyName eq 'Contoso'", "companyName", []),
        ("employeeOrgData/costCenter eq 'x'", "employeeOrgData/costCenter", []),
        ("onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", "x", []),
        ("businessPhones/any(p:p eq '+1 412 555 0109')", "businessPhones", [MEGAN]),
    ],
)
def test_advanced_cells(reader: httpx.Client, filter_: str, prop: str, expected: list[str]) -> None:
    plain = reader.get("/v1.0/users", params={"$filter": filter_})
    assert plain.status_code == 400
    error = plain.json()["error"]
    assert error["code"] == "Request_UnsupportedQuery"
    if prop != "x":
        assert error["message"] == UNSUPPORTED.format(prop)
    advanced = {"$filter": filter_, "$count": "true"}
    found = _ids(reader.get("/v1.0/users", params=advanced, headers=EVENTUAL))
    assert found[: len(expected)] == expected


@pytest.mark.parametrize(
    ("filter_", "count"),
    [
        ("assignedLicenses/$count eq 0", 6),
        ("proxyAddresses/$count eq 0", 0),
        ("companyName ne null and NOT(companyName eq 'Microsoft')", 0),
        ("mobilePhone eq null", 4),
        ("showInAddressList eq true", 0),
    ],
)
def test_advanced_only_filters(reader: httpx.Client, filter_: str, count: int) -> None:
    query = {"$filter": filter_, "$count": "true", "$top": "1"}
    page = reader.get("/v1.0/users", params=query, headers=EVENTUAL)
    assert page.status_code == 200, page.text
    assert page.json()["@odata.count"] == count


@pytest.mark.parametrize(
    ("filter_", "prop"),
    [
        ("aboutMe eq 'x'", "aboutMe"),  # on the type, not filterable
        ("assignedLicenses/$count eq 1", "assignedLicenses/$count"),  # "eq Count 1" unsupported
        ("startswith(accountEnabled,'t')", "accountEnabled"),  # a blank cell
        ("passwordPolicies eq 'x'", "passwordPolicies"),  # "not supported"
    ],
)
def test_unsupported_cells_name_the_property(reader: httpx.Client, filter_: str, prop: str) -> None:
    query = {"$filter": filter_, "$count": "true"}
    error = reader.get("/v1.0/users", params=query, headers=EVENTUAL).json()["error"]
    assert (error["code"], error["message"]) == (
        "Request_UnsupportedQuery",
        UNSUPPORTED.format(prop),
    )


def test_a_date_needs_a_date_literal(reader: httpx.Client) -> None:
    response = reader.get("/v1.0/users", params={"$filter": "createdDateTime ge '2024-01-01'"})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid filter clause"
