"""Every error leaves in Graph's envelope, with Graph's headers, and changes nothing."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mockgraph.auth.permissions import Access
from mockgraph.clouds import parse_cloud
from mockgraph.domain.principal import Principal
from mockgraph.gateway import GraphRequest, Operation, Reply
from tests.client import Graph
from tests.constants import ADELE, PATTI, PRESENCE_SYNC, TENANT


def assert_envelope(body: dict[str, object], code: str) -> None:
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "innerError"}
    assert error["code"] == code
    assert error["message"]
    inner = error["innerError"]
    assert set(inner) == {"date", "request-id", "client-request-id"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", inner["date"])


@pytest.mark.parametrize(
    "path",
    [
        "/v1.0/me/messages",
        "/v1.0/users/adele.vance@contoso.example/events",
        "/beta/me/presence/x/y",
        "/v1.0/me/presence/setMood",
    ],
)
def test_unknown_graph_paths_are_404(graph: Graph, path: str) -> None:
    response = graph.as_user(ADELE).get(path)
    assert response.status_code == 404
    assert_envelope(response.json(), "NotFound")


@pytest.mark.parametrize("path", ["/v1.0/me/messages", "/beta/sites/root"])
def test_an_unknown_graph_path_says_what_is_served(graph: Graph, path: str) -> None:
    message = graph.as_user(ADELE).get(path).json()["error"]["message"]
    assert message.startswith(f"mockgraph does not emulate GET {path}: ")
    for served in ("presence", "users and /me", "photos", "groups", "subscriptions", "$batch"):
        assert served in message, served


def test_unknown_paths_outside_graph_are_404_in_graphs_envelope(graph: Graph) -> None:
    response = graph.admin.get("/nowhere", headers={"client-request-id": "abc"})
    assert response.status_code == 404
    assert_envelope(response.json(), "NotFound")
    assert response.headers["client-request-id"] == "abc"
    assert "x-ms-ags-diagnostic" in response.headers


def test_wrong_method_is_405(graph: Graph) -> None:
    response = graph.as_user(ADELE).delete("/v1.0/me/presence")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert_envelope(response.json(), "MethodNotAllowed")

    response = graph.as_user(ADELE).get("/v1.0/me/presence/setPresence")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"

    control = graph.admin.delete("/_mockgraph/health")
    assert control.status_code == 405
    assert_envelope(control.json(), "MethodNotAllowed")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"sessionId": "s",', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b'{"sessionId": "s"}', "text/plain"),
        (b'{"sessionId": "s"}', None),
    ],
)
def test_unreadable_bodies_are_graphs_400(
    graph: Graph, content: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = graph.as_app().post(
        f"/v1.0/users/{PATTI}/presence/setPresence", content=content, headers=headers
    )
    assert response.status_code == 400
    assert_envelope(response.json(), "BadRequest")
    assert response.json()["error"]["message"] == (
        "Unable to read JSON request payload. Please ensure Content-Type header is set and "
        "payload is of valid JSON format."
    )


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
def test_bodies_that_are_not_objects_are_400(graph: Graph, body: bytes) -> None:
    response = graph.as_app().post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert_envelope(response.json(), "BadRequest")


def test_malformed_control_plane_json_is_400(graph: Graph) -> None:
    response = graph.admin.post(
        "/_mockgraph/tokens", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert_envelope(response.json(), "BadRequest")


@pytest.mark.parametrize(
    "path", [f"/v1.0/users/{PATTI}/presence/setStatusMessage", "/_mockgraph/tokens"]
)
def test_bodies_over_one_mebibyte_are_413(graph: Graph, path: str) -> None:
    huge = b'{"statusMessage": {"message": {"content": "' + b"x" * (1024 * 1024) + b'"}}}'
    response = graph.as_app().post(path, content=huge, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert_envelope(response.json(), "RequestEntityTooLarge")
    assert graph.presence(PATTI)["statusMessage"] is None


def test_chunked_bodies_over_the_limit_are_413(graph: Graph) -> None:
    def chunks() -> object:
        for _ in range(300):
            yield b"x" * 4096

    response = graph.as_app().post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "path", [f"/v1.0/users/{PATTI}/presence/setPresence", "/_mockgraph/tokens"]
)
def test_one_body_limit_for_graph_and_the_control_plane(
    app: FastAPI, graph: Graph, path: str
) -> None:
    # Streamed in chunks with no Content-Length, as uvicorn passes a chunked body on: both
    # pipelines stop reading at the same limit and answer with the same message.
    chunks = [{"type": "http.request", "body": b"x" * 4096, "more_body": True}] * 300
    messages = iter([*chunks, {"type": "http.request", "body": b"", "more_body": False}])
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [
            (b"authorization", f"Bearer {graph.token(appId=PRESENCE_SYNC, roles=[])}".encode()),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"host", b"mockgraph.test"),
        ],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("mockgraph.test", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert_envelope(body, "RequestEntityTooLarge")
    assert body["error"]["message"] == (
        "The request body is larger than the 1024 KiB mockgraph accepts."
    )


def test_unexpected_exceptions_are_500_without_a_stack_trace(app: FastAPI, graph: Graph) -> None:
    def explode() -> None:
        raise RuntimeError("a bug in mockgraph, with a secret detail")

    app.add_api_route("/_mockgraph/explode", explode)
    response = graph.admin.get("/_mockgraph/explode")

    assert response.status_code == 500
    assert_envelope(response.json(), "generalException")
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    assert "request-id" in response.headers


# A failing test shows what it compared: the gateway's and the errors' reprs say what they hold.


# GraphError's repr: tests/test_error_repr.py.


def test_a_reply_shows_its_status_content_type_and_body() -> None:
    shown = repr(Reply(201, b'{"id":"1"}'))
    photo = repr(Reply(200, b"\xff" * 1000, b"image/jpeg", [(b"etag", b'"1"')]))

    assert shown == 'Reply(201, OData JSON, 10 bytes: b\'{"id":"1"}\')'
    assert photo.startswith("Reply(200, image/jpeg, 1000 bytes: b'\\xff")
    assert "...', headers=[(b'etag', b'\"1\"')])" in photo


def _get_presence(request: GraphRequest) -> Reply:
    return Reply()


def test_an_operation_shows_its_method_path_name_and_access() -> None:
    operation = Operation(
        "POST", "/me/presence/setPresence", _get_presence, name="setPresence", access=Access.WRITE
    )

    assert repr(operation) == (
        "Operation(POST /me/presence/setPresence 'setPresence', handler=_get_presence, "
        "access=WRITE)"
    )


def test_a_graph_request_shows_its_address_params_and_caller() -> None:
    scope = {
        "method": "GET",
        "path": f"/v1.0/users/{ADELE}/presence",
        "query_string": b"$select=id",
    }
    request = GraphRequest(scope, parse_cloud("global"))
    request.params = {"id": ADELE}
    anonymous = repr(request)
    request.principal = Principal("app", TENANT, None, PRESENCE_SYNC, frozenset(), 0.0, 1.0)

    assert anonymous == (
        f"GraphRequest(GET /v1.0/users/{ADELE}/presence?$select=id, params={{'id': '{ADELE}'}})"
    )
    assert repr(request) == anonymous[:-1] + f", app='{PRESENCE_SYNC}', user=None)"


def test_two_authorization_headers_are_a_401_never_a_silent_pick(graph: Graph) -> None:
    token = graph.token(appId=PRESENCE_SYNC, roles=["Presence.Read.All"])
    client = httpx.Client(transport=graph.transport, base_url=graph.base_url)
    for second in (token, "garbage"):
        response = client.get(
            f"/v1.0/users/{PATTI}/presence",
            headers=[("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {second}")],
        )
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "InvalidAuthenticationToken"
        assert "more than one Authorization header" in error["message"]
