"""GET /_mockgraph/requests.har: the journal as HAR 1.2, valid against the HAR schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, PRESENCE_SYNC
from tests.report.scenarios import request_id

SCHEMAS = Path(__file__).parent / "har_schema"


def validate_har(document: Any) -> None:
    """Raise unless `document` is HAR 1.2 (the har-schema package's JSON schemas)."""
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / "har.json").read_text())
    validator = jsonschema.Draft6Validator(schema, registry=registry)
    validator.validate(document)


def test_the_schema_refuses_what_is_not_har() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate_har({"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [{}]}})


def make_calls(graph: Graph) -> str:
    token = graph.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
    sync = graph._client({"Authorization": f"Bearer {token}"})
    assert sync.get(f"/v1.0/users/{ADELE}/presence", headers=request_id()).status_code == 200
    session = {"sessionId": PRESENCE_SYNC, "availability": "Busy", "activity": "InACall"}
    written = sync.post(f"/v1.0/users/{ADELE}/presence/setPresence", json=session)
    assert written.status_code == 200
    graph.control.faults.throttle("/v1.0/users/*/presence", times=1, retry_after=7)
    assert sync.get(f"/v1.0/users/{ALEX}/presence").status_code == 429
    light = graph.as_user(ADELE, "Presence.Read", appId=BUSY_LIGHT)
    assert light.get(f"/v1.0/users/{ALEX}/presence").status_code == 403
    return token


def test_the_journal_exports_as_valid_har_with_bodies(graph: Graph) -> None:
    token = make_calls(graph)
    response = graph.admin.get("/_mockgraph/requests.har")
    assert response.status_code == 200
    assert "mockgraph.har" in response.headers["content-disposition"]
    document = response.json()
    validate_har(document)
    log = document["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "mockgraph"
    read, write, throttled, refused = log["entries"]
    assert read["request"]["url"] == f"http://mockgraph.test/v1.0/users/{ADELE}/presence"
    assert json.loads(read["response"]["content"]["text"])["id"] == ADELE
    assert write["request"]["method"] == "POST"
    assert json.loads(write["request"]["postData"]["text"])["availability"] == "Busy"
    headers = {h["name"]: h["value"] for h in throttled["response"]["headers"]}
    assert headers["Retry-After"] == "7"
    assert throttled["response"]["status"] == 429
    assert throttled["response"]["statusText"] == "Too Many Requests"
    assert refused["_mockgraph"]["userId"] == ADELE
    # No token, ever: the Authorization header says only that one was sent.
    assert token not in response.text
    sent = {h["name"]: h["value"] for h in read["request"]["headers"]}
    assert sent["Authorization"] == "Bearer [redacted]"
    assert "client-request-id" in sent
    assert "client-request-id" not in {h["name"] for h in write["request"]["headers"]}


def test_the_journal_filters_select_the_entries(graph: Graph) -> None:
    make_calls(graph)
    posts = graph.admin.get("/_mockgraph/requests.har", params={"method": "post"}).json()
    validate_har(posts)
    assert [e["request"]["method"] for e in posts["log"]["entries"]] == ["POST"]
    refused = graph.admin.get("/_mockgraph/requests.har", params={"status": 403}).json()
    assert [e["response"]["status"] for e in refused["log"]["entries"]] == [403]


def test_a_bad_filter_is_a_400(graph: Graph) -> None:
    response = graph.admin.get("/_mockgraph/requests.har", params={"path": "users"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
