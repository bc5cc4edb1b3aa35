"""JSON batching (POST /$batch, https://learn.microsoft.com/graph/json-batching): each request
runs through the same routing, auth, throttling, faults and journal as a direct call."""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from mockgraph import jsontext
from mockgraph.clock import Clock
from mockgraph.errors import UNREADABLE_JSON, BadRequest, GraphError, render_error
from mockgraph.gateway import GRAPH_ERRORS, Doc, GraphRequest, Operation, Reply, Routes
from mockgraph.http import Message, Receive, Scope, Send, new_request_id
from mockgraph.jsontext import NotUnicode, TooDeep

MAX_REQUESTS = 20
# Graph's words for a batch that mixes dependent and independent requests
# (microsoftgraph/microsoft-graph-docs#16280) and for an absolute item url
# (microsoftgraph/microsoft-graph-docs-contrib#8576, microsoftgraph/msgraph-sdk-javascript#1451).
SEQUENTIAL_OR_PARALLEL = "Batch should be either fully sequential or fully parallel."
INVALID_PAYLOAD = "Invalid batch payload format."
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# Response headers worth returning inside a batch item.
_KEPT_HEADERS = {
    b"odata-version": "OData-Version",
    b"content-type": "Content-Type",
    b"retry-after": "Retry-After",
    b"cache-control": "Cache-Control",
    b"location": "Location",
    b"etag": "ETag",
    b"x-ms-resource-unit": "x-ms-resource-unit",
}

Router = Callable[[Scope, Receive, Send], Awaitable[None]]
# True while a batch runs its requests, in that batch's task only: the request log writes
# their lines without a latency of their own.
in_batch: ContextVar[bool] = ContextVar("mockgraph_in_batch", default=False)

_DOC = Doc(
    operation_id="batch",
    tag="json batching",
    summary="Run up to 20 requests in one call",
    responses={
        "200": {
            "description": "Each request's status, headers and body",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    errors={**GRAPH_ERRORS, "409": "One subscription per user per app."},
    body_schema={"type": "object"},
    example={"requests": [{"id": "1", "method": "GET", "url": "/me/presence"}]},
)


class Batching:
    """The $batch handler, with the gateway its requests re-enter and the app's clock."""

    def __init__(self, router: Router, clock: Clock) -> None:
        self.router = router
        self.clock = clock

    # POST /$batch: https://learn.microsoft.com/graph/json-batching
    async def json_batch(self, request: GraphRequest) -> Reply:
        """JSON batching: each request runs as a direct call would, dependencies first."""
        answer = await run_batch(
            request.version, request.scope, request.raw or b"", self.router, self.clock.now()
        )
        return Reply(200, json.dumps(answer, separators=(",", ":")).encode())


def register(routes: Routes, batching: Batching) -> None:
    """POST /$batch: needs no token itself; each of its requests re-enters the gateway."""
    routes.add(
        Operation("POST", "/$batch", batching.json_batch, name="$batch", doc=_DOC, public=True)
    )


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _items(raw: bytes) -> list[dict[str, Any]]:
    """The batch's requests, validated (Graph's 400 for a malformed batch)."""
    try:
        document = jsontext.loads(raw)
    except (NotUnicode, TooDeep) as exc:
        raise BadRequest(f"{UNREADABLE_JSON} ({exc})") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(UNREADABLE_JSON) from None
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        raise BadRequest("A batch body must be a JSON object with a 'requests' array.")
    items: list[dict[str, Any]] = document["requests"]
    if len(items) > MAX_REQUESTS:
        raise BadRequest("Number of requests inside batch exceeds the limit.")
    seen: list[str] = []
    for index, item in enumerate(items):
        _check_item(index, item)
        if item["id"].lower() in seen:
            raise BadRequest(f"Batch request contains duplicate request Id '{item['id']}'.")
        for dependency in item.get("dependsOn", []):
            # Only on a request before it (microsoftgraph/msgraph-sdk-dotnet-core#891).
            if dependency.lower() not in seen:
                raise BadRequest(
                    f"Invalid dependency for request Id '{item['id']}': '{dependency}' is not "
                    "the id of a request before it in the batch."
                )
        seen.append(item["id"].lower())
    _check_shape(items)
    return items


def _check_item(index: int, item: Any) -> None:
    """One request of the batch: its members, headers, dependsOn and a relative url."""
    if not isinstance(item, dict):
        raise BadRequest(f"requests[{index}] must be a JSON object.")
    for field in ("id", "method", "url"):
        if not isinstance(item.get(field), str) or not item[field]:
            raise BadRequest(f"requests[{index}].{field} is required and must be a string.")
    # A $batch inside a $batch would multiply the 20-request limit: refused whole
    # (docs/fidelity.md, "$batch").
    if _is_batch(item["url"]):
        raise BadRequest(f"requests[{index}].url: a batch request cannot contain another $batch.")
    if _ABSOLUTE.match(item["url"]):
        # "url: Required. The relative resource URL" (the json-batching page); Graph refuses an
        # absolute one so (microsoftgraph/microsoft-graph-docs-contrib#8576).
        raise BadRequest(INVALID_PAYLOAD)
    headers = item.get("headers", {})
    if not isinstance(headers, dict):
        raise BadRequest(f"requests[{index}].headers must be a JSON object.")
    for name, value in headers.items():
        # HTTP carries header names and values as ISO-8859-1 text.
        if not (name.isascii() and _latin1(str(value))):
            raise BadRequest(
                f"requests[{index}].headers['{name}'] must be ISO-8859-1 text, as HTTP headers are."
            )
    depends = item.get("dependsOn", [])
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise BadRequest(f"requests[{index}].dependsOn must be an array of request ids.")
    if "body" in item and "content-type" not in {k.lower() for k in headers}:
        if not isinstance(item["body"], dict | list):
            raise BadRequest(f"requests[{index}] has a body but no Content-Type header.")


def _check_shape(items: list[dict[str, Any]]) -> None:
    """ "Batch should be either fully sequential or fully parallel" (the json-batching page):
    no request depends on another, or each after the first depends on the one before it."""
    if not any(item.get("dependsOn") for item in items):
        return
    for before, item in itertools.pairwise(items):
        if before["id"].lower() not in {d.lower() for d in item.get("dependsOn", [])}:
            raise BadRequest(SEQUENTIAL_OR_PARALLEL)


def _is_batch(url: str) -> bool:
    """Whether a request's url names $batch, in any of the forms the gateway routes."""
    path = url.partition("?")[0].strip("/").lower()
    return path.rsplit("/", 1)[-1] in ("$batch", "%24batch")


async def run_batch(
    version: str, scope: Scope, raw: bytes, router: Router, now: datetime
) -> dict[str, Any]:
    """Run every request of the batch; the answer's `responses` keep the request order."""
    items = _items(raw)
    # Each request is the batch's caller, on the host (and so the cloud) the batch was sent to;
    # links in the answers (nextLink) name that address too.
    inherited = [(k, v) for k, v in scope["headers"] if k in (b"authorization", b"host")]
    results: dict[str, dict[str, Any]] = {}
    inside = in_batch.set(True)
    try:
        # Dependencies name earlier requests only: the request order runs each after them.
        for item in items:
            failed = [d for d in item.get("dependsOn", []) if results[d.lower()]["status"] >= 400]
            if failed:
                results[item["id"].lower()] = _failed_dependency(item, failed, now)
                continue
            results[item["id"].lower()] = await _run_one(
                version, item, inherited, router, scope.get("scheme", "http")
            )
    finally:
        in_batch.reset(inside)
    return {"responses": [results[item["id"].lower()] for item in items]}


def _failed_dependency(item: dict[str, Any], failed: list[str], now: datetime) -> dict[str, Any]:
    error = GraphError(
        f"The request depends on request {', '.join(failed)}, which failed.",
        code="FailedDependency",
        status=424,
    )
    request_id = new_request_id()
    body = render_error(error, request_id=request_id, client_request_id=request_id, now=now)
    return {
        "id": item["id"],
        "status": 424,
        "headers": {"Cache-Control": "no-cache", "Content-Type": "application/json"},
        "body": json.loads(body),
    }


async def _run_one(
    version: str,
    item: dict[str, Any],
    inherited: list[tuple[bytes, bytes]],
    router: Router,
    scheme: str = "http",
) -> dict[str, Any]:
    url: str = item["url"]
    path, _, query = url.partition("?")
    headers = list(inherited)
    for name, value in item.get("headers", {}).items():
        headers.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
    body = b""
    if "body" in item:
        given = item["body"]
        body = given.encode() if isinstance(given, str) else json.dumps(given).encode()
        if not any(name == b"content-type" for name, _ in headers):
            headers.append((b"content-type", b"application/json"))
    headers.append((b"content-length", str(len(body)).encode()))
    sub_scope: Scope = {
        "type": "http",
        "method": str(item["method"]).upper(),
        "path": f"/{version}/{path.lstrip('/')}",
        "query_string": query.encode(),
        "headers": headers,
        "http_version": "1.1",
        "scheme": scheme,
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    await router(sub_scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    answer: dict[str, Any] = {
        "id": item["id"],
        "status": start["status"],
        "headers": {
            _KEPT_HEADERS[k]: v.decode("latin-1") for k, v in start["headers"] if k in _KEPT_HEADERS
        },
    }
    if start["status"] >= 400:
        # Graph's error items carry Cache-Control too (the json-batching page's example).
        answer["headers"].setdefault("Cache-Control", "no-cache")
    if content:
        answer["body"] = _body(content, answer["headers"].get("Content-Type", ""))
    return answer


def _body(content: bytes, content_type: str) -> Any:
    """JSON as JSON, text as a string, anything else (a photo) as a base64 string."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" or not kind:
        return json.loads(content)
    if kind.startswith("text/"):
        return content.decode()
    return base64.b64encode(content).decode()
