"""Text that is not Unicode (a lone UTF-16 surrogate, "\\ud800") is refused where it comes in.

Python reads such a JSON string into a str that cannot be written as UTF-8: kept, it would turn
a later answer, log line or page into a 500. Each door refuses it with its own 4xx or error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockgraph.state.fixtures import FixtureError, load_fixtures
from tests.client import Graph
from tests.constants import ADELE, PRESENCE_WALL

LONE = b'"x\\udc00"'  # JSON for "x" and half of a surrogate pair
NEW = "77777777-7777-4777-8777-777777777777"


def test_a_graph_body_with_a_lone_surrogate_is_a_400_and_changes_nothing(graph: Graph) -> None:
    adele = graph.as_user(ADELE, "Presence.ReadWrite")
    body = b'{"statusMessage": {"message": {"content": ' + LONE + b', "contentType": "text"}}}'

    response = adele.post(
        "/v1.0/me/presence/setStatusMessage",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert "$.statusMessage.message.content" in error["message"]
    assert graph.presence(ADELE)["statusMessage"] is None


@pytest.mark.parametrize(
    "body",
    [
        # Half a pair spelled in UTF-8 bytes: not UTF-8 text at all.
        b'{"statusMessage": {"message": {"content": "x\xed\xa0\x80", "contentType": "text"}}}',
        # Escaped, in UTF-16 (JSON's other encodings are read as such).
        '{"statusMessage": {"message": {"content": "x\\udc00"}}}'.encode("utf-16-le"),
    ],
    ids=["utf8-bytes", "utf16-escape"],
)
def test_every_spelling_of_one_is_refused(graph: Graph, body: bytes) -> None:
    response = graph.as_user(ADELE, "Presence.ReadWrite").post(
        "/v1.0/me/presence/setStatusMessage",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert graph.presence(ADELE)["statusMessage"] is None


@pytest.mark.parametrize("path", ["/v1.0/me/presence/setStatusMessage", "/v1.0/$batch"])
def test_a_body_nested_too_deeply_to_read_is_a_400(graph: Graph, path: str) -> None:
    response = graph.as_user(ADELE, "Presence.ReadWrite").post(
        path, content=b"[" * 5000 + b"]" * 5000, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "' + NEW.encode() + b'", "displayName": "x\xed\xa0\x80"}',
        ('{"id": "' + NEW + '", "displayName": "x\\ud800"}').encode("utf-16-le"),
        b"[" * 5000 + b'"\\ud83d\\ude00"' + b"]" * 5000,
    ],
    ids=["utf8-bytes", "utf16-escape", "nested-too-deeply"],
)
def test_the_control_plane_refuses_every_spelling(graph: Graph, body: bytes) -> None:
    response = graph.admin.post(
        "/_mockgraph/users", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400, response.text
    listed = graph.admin.get("/_mockgraph/users").json()["value"]
    assert NEW not in [user["id"] for user in listed]


def test_a_batch_holding_one_is_refused_whole(graph: Graph) -> None:
    reader = graph.as_app(PRESENCE_WALL, "User.Read.All")
    body = b'{"requests": [{"id": "1", "method": "GET", "url": ' + LONE + b"}]}"

    response = reader.post(
        "/v1.0/$batch", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "$.requests[0].url" in response.json()["error"]["message"]


def test_the_control_plane_refuses_one_and_adds_nobody(graph: Graph) -> None:
    body = b'{"id": "' + NEW.encode() + b'", "displayName": ' + LONE + b"}"

    response = graph.admin.post(
        "/_mockgraph/users", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "$.displayName" in response.json()["error"]["message"]
    listed = graph.admin.get("/_mockgraph/users").json()["value"]
    assert NEW not in [user["id"] for user in listed]


def test_a_pair_written_as_escapes_is_text(graph: Graph) -> None:
    body = b'{"id": "' + NEW.encode() + b'", "displayName": "Sam \\ud83d\\ude00"}'
    graph.admin.post(
        "/_mockgraph/users", content=body, headers={"Content-Type": "application/json"}
    ).raise_for_status()

    user = graph.as_app(PRESENCE_WALL, "User.Read.All").get(f"/v1.0/users/{NEW}")

    assert user.json()["displayName"] == "Sam \N{GRINNING FACE}"


def test_a_seed_file_holding_one_stops_start_up_naming_where(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.json"
    user = json.dumps({"id": ADELE, "userPrincipalName": "adele@x.example"})
    path.write_bytes(b'{"users": [' + user[:-1].encode() + b', "jobTitle": ' + LONE + b"}]}")

    with pytest.raises(FixtureError, match=r"fixtures.json: \$\.users\[0\]\.jobTitle: a lone"):
        load_fixtures(path)


def test_a_seed_file_with_one_in_utf8_bytes_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.json"
    path.write_bytes(b'{"users": [{"id": "' + ADELE.encode() + b'", "jobTitle": "x\xed\xa0\x80"}]}')

    with pytest.raises(FixtureError, match="not UTF-8 text"):
        load_fixtures(path)


@pytest.mark.parametrize("body", [b"\xff\xfe\xfd", b'{"x": "\\ud800"}'])
def test_a_route_that_takes_no_body_ignores_it(graph: Graph, body: bytes) -> None:
    response = graph.admin.post(
        "/_mockgraph/reset", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 200


def test_the_journal_shows_a_refused_body_as_text(graph: Graph) -> None:
    body = b'{"statusMessage": {"message": {"content": ' + LONE + b"}}}"
    graph.as_user(ADELE, "Presence.ReadWrite").post(
        "/v1.0/me/presence/setStatusMessage",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    listed = graph.admin.get("/_mockgraph/requests")

    assert listed.status_code == 200
    refused = [e for e in listed.json()["value"] if e["status"] == 400]
    assert refused[-1]["body"] == body.decode()
