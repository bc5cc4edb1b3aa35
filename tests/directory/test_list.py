"""GET /users: paging, $filter, $count, $search, $orderby and the advanced-query rule (§3)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockgraph.clouds import cloud_for_graph_host
from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI, PRESENCE_WALL

ROOT = "https://graph.microsoft.com"
EVENTUAL = {"ConsistencyLevel": "eventual"}
ADVANCED_TEMPLATE = (
    "Operator '{}' is not supported because the required parameters might be missing. "
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)


@pytest.fixture
def reader(graph: Graph) -> httpx.Client:
    return graph.as_app(PRESENCE_WALL, "User.Read.All")


def _error(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["value"]]


def test_list_pages_through_next_links_verbatim(reader: httpx.Client) -> None:
    url = "/v1.0/users?$select=id,displayName,mail&$top=2"
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    while url:
        page = reader.get(url).json()
        pages.append(page)
        seen += [u["id"] for u in page["value"]]
        url = page.get("@odata.nextLink", "")
        if url:
            assert url.startswith("http://mockgraph.test/v1.0/users?$select=id,displayName,mail")
            assert "$top=2" in url
            assert "$skiptoken=RFNwdA" in url
    assert seen == [ADELE, ALEX, MEGAN, LEE, NESTOR, PATTI]
    assert [len(p["value"]) for p in pages] == [2, 2, 2]
    assert list(pages[0]) == ["@odata.context", "@odata.nextLink", "value"]
    assert pages[0]["@odata.context"] == f"{ROOT}/v1.0/$metadata#users(id,displayName,mail)"
    assert list(pages[0]["value"][0]) == ["id", "displayName", "mail"]


def test_default_page_is_the_default_set(reader: httpx.Client) -> None:
    page = reader.get("/v1.0/users").json()

    assert page["@odata.context"] == f"{ROOT}/v1.0/$metadata#users"
    assert "@odata.nextLink" not in page
    assert len(page["value"][0]) == 11


@pytest.mark.parametrize("top", ["0", "1000", "-1"])
def test_top_out_of_range(reader: httpx.Client, top: str) -> None:
    response = reader.get(f"/v1.0/users?$top={top}")

    if top == "-1":
        assert _error(response)[:2] == (400, "BadRequest")
    else:
        assert _error(response) == (
            400,
            "Request_UnsupportedQuery",
            f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.",
        )


@pytest.mark.parametrize(
    ("query", "status", "code", "message"),
    [
        ("$skip=2", 400, "Request_BadRequest", "'$skip' is not supported by the service."),
        ("$top=abc", 400, "BadRequest", None),
        ("$skiptoken=garbage", 400, "Request_BadRequest", "Invalid Skip Token"),
        ("$count=maybe", 400, "BadRequest", "'maybe' is not a valid count option."),
        ("$top=1&$top=2", 400, "BadRequest", None),
        ("$bogus=1", 400, "BadRequest", "The query parameter '$bogus' is not supported."),
        ("$select=aboutMe", 501, "NotImplemented", "This operation target is not yet supported."),
        ("$orderby=createdDateTime", 400, "Request_UnsupportedQuery", None),
    ],
)
def test_bad_query_options(
    reader: httpx.Client, query: str, status: int, code: str, message: str | None
) -> None:
    got = _error(reader.get(f"/v1.0/users?{query}"))

    assert got[:2] == (status, code)
    if message is not None:
        assert got[2] == message


def test_skiptoken_is_bound_to_its_query(reader: httpx.Client) -> None:
    link = reader.get("/v1.0/users?$top=1").json()["@odata.nextLink"]
    token = link.split("$skiptoken=")[1]

    response = reader.get(f"/v1.0/users?$top=1&$filter=accountEnabled eq true&$skiptoken={token}")
    assert _error(response) == (400, "Request_BadRequest", "Invalid Skip Token")


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ("mail eq 'megan.bowen@contoso.example'", [MEGAN]),
        ("mail eq 'MEGAN.BOWEN@CONTOSO.EXAMPLE'", [MEGAN]),
        ("userPrincipalName eq 'lee.gu@contoso.example'", [LEE]),
        ("proxyAddresses/any(p:p eq 'smtp:alex.wilber@contoso.example')", [ALEX]),
        ("startswith(displayName,'a')", [ADELE, ALEX]),
        (f"id in ('{LEE}','{PATTI}')", [LEE, PATTI]),
        (f"id in ('{PATTI}','{LEE}')", [LEE, PATTI]),  # directory order, not the list's
        (f"id eq '{LEE.upper()}'", [LEE]),
        # The index finds Megan by mail; the rest of the clause still has to hold.
        ("mail eq 'megan.bowen@contoso.example' and jobTitle eq 'Director'", []),
        ("accountEnabled eq true and startswith(givenName,'M')", [MEGAN]),
        ("mail eq 'nobody@contoso.example'", []),
        ("jobTitle eq 'Director'", [LEE, NESTOR]),
    ],
)
def test_default_filters(reader: httpx.Client, filter_: str, expected: list[str]) -> None:
    assert _ids(reader.get("/v1.0/users", params={"$filter": filter_})) == expected


def test_filter_syntax_error_names_the_position(reader: httpx.Client) -> None:
    text = "mail eq 'o'brien@contoso.example'"
    response = reader.get("/v1.0/users", params={"$filter": text})

    assert _error(response) == (
        400,
        "BadRequest",
        f"Invalid filter clause: Syntax error at position 11 in '{text}'.",
    )


def test_doubled_apostrophe_in_filter(graph: Graph, reader: httpx.Client) -> None:
    user = {"id": "22222222-2222-4222-8222-222222222222", "userPrincipalName": "o'b@x.example"}
    graph.admin.post("/_mockgraph/users", json=user)

    found = reader.get("/v1.0/users", params={"$filter": "userPrincipalName eq 'o''b@x.example'"})
    assert _ids(found) == [user["id"]]


def test_a_mail_shared_by_two_users_finds_both(graph: Graph, reader: httpx.Client) -> None:
    shared = "desk@contoso.example"
    ids = ["44444444-4444-4444-8444-444444444441", "44444444-4444-4444-8444-444444444442"]
    for number, user_id in enumerate(ids):
        user = {"id": user_id, "userPrincipalName": f"desk{number}@x.example", "mail": shared}
        graph.admin.post("/_mockgraph/users", json=user).raise_for_status()

    found = reader.get("/v1.0/users", params={"$filter": "mail eq 'DESK@contoso.example'"})
    assert _ids(found) == ids


@pytest.mark.parametrize(
    ("filter_", "code", "message"),
    [
        ("accountEnabled eq 'true'", "BadRequest", "Invalid filter clause"),
        (
            "shoeSize eq 'x'",
            "BadRequest",
            "Invalid filter clause: Could not find a property named 'shoeSize' on type "
            "'microsoft.graph.user'.",
        ),
        (
            "endswith(displayName,'x')",
            "Request_UnsupportedQuery",
            "Unsupported or invalid query filter clause specified for property 'displayName' "
            "of resource 'User'.",
        ),
        (
            "endswith(mail,'contoso.example')",
            "Request_UnsupportedQuery",
            ADVANCED_TEMPLATE.format("endsWith"),
        ),
        ("mail ne 'x'", "Request_UnsupportedQuery", ADVANCED_TEMPLATE.format("ne")),
        ("not(startswith(mail,'x'))", "Request_UnsupportedQuery", ADVANCED_TEMPLATE.format("not")),
        (
            "id in (" + ",".join(f"'{i:08d}-0000-4000-8000-000000000000'" for i in range(16)) + ")",
            "Request_UnsupportedQuery",
            "Too many child clauses specified in search filter expression containing 'OR' "
            "operators: 16. Max allowed: 15",
        ),
    ],
)
def test_filter_errors(reader: httpx.Client, filter_: str, code: str, message: str) -> None:
    assert _error(reader.get("/v1.0/users", params={"$filter": filter_})) == (400, code, message)


def test_advanced_operators_need_both_header_and_count(reader: httpx.Client) -> None:
    query = {"$filter": "endswith(mail,'@contoso.example')", "$count": "true"}

    assert reader.get("/v1.0/users", params=query).status_code == 400
    only_header = {"$filter": query["$filter"]}
    assert reader.get("/v1.0/users", params=only_header, headers=EVENTUAL).status_code == 400
    page = reader.get("/v1.0/users", params=query, headers=EVENTUAL).json()
    assert page["@odata.count"] == 6
    assert list(page)[:2] == ["@odata.context", "@odata.count"]


def test_count_true_without_header_is_silently_ignored(reader: httpx.Client) -> None:
    page = reader.get("/v1.0/users?$count=true").json()

    assert "@odata.count" not in page
    assert len(page["value"]) == 6


def test_count_only_on_the_first_page_and_next_link_without_header(reader: httpx.Client) -> None:
    query = "/v1.0/users?$count=true&$top=4&$filter=accountEnabled ne false"
    first = reader.get(query, headers=EVENTUAL).json()
    assert first["@odata.count"] == 6
    second = reader.get(first["@odata.nextLink"]).json()
    assert "@odata.count" not in second
    assert len(second["value"]) == 2


def test_users_count_segment(reader: httpx.Client) -> None:
    plain = reader.get("/v1.0/users/$count", headers=EVENTUAL)
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text == "6"
    filtered = reader.get(
        "/v1.0/users/$count", params={"$filter": "jobTitle eq 'Director'"}, headers=EVENTUAL
    )
    assert filtered.text == "2"
    assert _error(reader.get("/v1.0/users/$count")) == (
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
    )


def test_search(reader: httpx.Client) -> None:
    def search(text: str) -> list[str]:
        return _ids(reader.get("/v1.0/users", params={"$search": text}, headers=EVENTUAL))

    assert search('"displayName:wil"') == [ALEX, NESTOR]
    assert search('"displayName:vance ad"') == [ADELE]
    assert search('"displayName:ance"') == []
    assert search('"displayName:lee" OR "mail:patti"') == [LEE, PATTI]
    no_header = reader.get("/v1.0/users", params={"$search": '"displayName:a"'})
    assert _error(no_header) == (
        400,
        "Request_UnsupportedQuery",
        "Request with $search query parameter only works through MSGraph with a special "
        "request header: 'ConsistencyLevel: eventual'",
    )
    unquoted = reader.get("/v1.0/users", params={"$search": "displayName:room"}, headers=EVENTUAL)
    assert _error(unquoted) == (
        400,
        "BadRequest",
        "Syntax error: character ':' is not valid at position 11 in 'displayName:room'.",
    )


def test_orderby(reader: httpx.Client) -> None:
    names = [
        u["displayName"]
        for u in reader.get("/v1.0/users?$orderby=displayName desc&$select=displayName").json()[
            "value"
        ]
    ]
    assert names == sorted(names, reverse=True)
    combined = reader.get("/v1.0/users?$orderby=displayName&$filter=startswith(mail,'a')")
    assert _error(combined) == (
        400,
        "Request_UnsupportedQuery",
        "Sorting not supported for current query.",
    )
    allowed = reader.get(
        "/v1.0/users?$orderby=displayName&$filter=startswith(mail,'a')&$count=true",
        headers=EVENTUAL,
    )
    assert _ids(allowed) == [ADELE, ALEX]
    assert _error(reader.get("/v1.0/users?$orderby=createdDateTime")) == (
        400,
        "Request_UnsupportedQuery",
        "Unsupported sort property 'createdDateTime' for 'User'.",
    )


@pytest.mark.parametrize(
    ("host", "root"),
    [
        ("graph.microsoft.us", "https://graph.microsoft.us"),
        ("dod-graph.microsoft.us", "https://dod-graph.microsoft.us"),
        ("microsoftgraph.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
        ("localhost:8000", "https://graph.microsoft.com"),
    ],
)
def test_context_names_the_cloud_called_and_next_link_the_address(
    graph: Graph, host: str, root: str
) -> None:
    # Each Graph host takes only its own cloud's tokens.
    cloud = cloud_for_graph_host(host)
    extra = {"cloud": cloud.name} if cloud is not None else {}
    reader = graph.as_app(PRESENCE_WALL, "User.Read.All", **extra)
    page = reader.get("/v1.0/users?$top=5", headers={"Host": host}).json()

    assert page["@odata.context"] == f"{root}/v1.0/$metadata#users"
    assert page["@odata.nextLink"].startswith(f"http://{host}/v1.0/users?$top=5&$skiptoken=")


def test_directory_answers_carry_graphs_headers(reader: httpx.Client) -> None:
    response = reader.get("/v1.0/users?$top=1")

    assert response.headers["x-ms-resource-unit"] == "1"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("application/json;odata.metadata=minimal")


ADVANCED = {"$count": "true"}
DEEP_QUERIES = [
    ("$filter", "(" * 400 + "mail eq 'x'" + ")" * 400, "Invalid filter clause"),
    ("$filter", "not " * 1000 + "startswith(mail,'x')", "Invalid filter clause"),
    ("$filter", " and ".join(["mail eq 'x'"] * 600), "Invalid filter clause"),
    ("$search", "(" * 600 + '"displayName:a"' + ")" * 600, "nested more than"),
    ("$search", " AND ".join(['"mail:a"'] * 520), "more than 500 clauses"),
]


@pytest.mark.parametrize(("option", "text", "message"), DEEP_QUERIES)
def test_deep_or_long_queries_are_graphs_400_directly_and_in_a_batch(
    reader: httpx.Client, option: str, text: str, message: str
) -> None:
    params = {option: text, **ADVANCED}
    response = reader.get("/v1.0/users", params=params, headers=EVENTUAL)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]
    batched = reader.post(
        "/v1.0/$batch",
        json={
            "requests": [
                {
                    "id": "1",
                    "method": "GET",
                    "url": str(httpx.URL("/users", params=params)),
                    "headers": EVENTUAL,
                }
            ]
        },
    )
    assert batched.status_code == 200
    [answer] = batched.json()["responses"]
    assert answer["status"] == 400
    assert message in answer["body"]["error"]["message"]


def test_a_long_search_chain_within_the_limit_is_answered(reader: httpx.Client) -> None:
    text = " OR ".join(['"displayName:zzz"'] * 499 + ['"displayName:wil"'])
    response = reader.get("/v1.0/users", params={"$search": text}, headers=EVENTUAL)
    assert _ids(response) == [ALEX, NESTOR]
