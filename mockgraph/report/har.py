"""The journal as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), which browsers'
devtools, Fiddler and Charles read: one entry per Graph call, bodies included.

The journal keeps no request headers and never a token: an entry's Authorization header says
only that a bearer token was sent ("Bearer [redacted]"), as the journal says only who it named.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from mockgraph.domain.times import format_timestamp
from mockgraph.state.journal import MAX_BODY_CHARS, Entry

JSON = "application/json"
REDACTED = "Bearer [redacted]"


def har_log(entries: Iterable[Entry], base_url: str, version: str) -> dict[str, Any]:
    """A HAR document of `entries`; their URLs start with `base_url` (mockgraph's own)."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "mockgraph", "version": version},
            "pages": [],
            "entries": [_entry(e, base_url.rstrip("/")) for e in entries],
        }
    }


def _entry(entry: Entry, base_url: str) -> dict[str, Any]:
    latency = round(entry.latency_ms, 3)
    return {
        "startedDateTime": _started(entry.timestamp),
        "time": latency,
        "request": _request(entry, base_url),
        "response": _response(entry),
        "cache": {},
        "timings": {"send": 0, "wait": latency, "receive": 0},
        # Custom fields start with an underscore (the spec's "Custom Fields").
        "_mockgraph": {
            "sequence": entry.sequence,
            "tenant": entry.tenant,
            "userId": entry.user_id,
            "appId": entry.app_id,
        },
    }


def _started(timestamp: float) -> str:
    # The tenant's clock, in the spec's ISO 8601 with milliseconds.
    text = format_timestamp(timestamp)
    return text if "." in text else text.replace("Z", ".000Z")


def _request(entry: Entry, base_url: str) -> dict[str, Any]:
    query = entry.query.decode("latin-1")
    headers = []
    if entry.principal is not None:
        headers.append(_header("Authorization", REDACTED))
    if entry.client_request_id != entry.request_id:
        headers.append(_header("client-request-id", entry.client_request_id))
    request: dict[str, Any] = {
        "method": entry.method,
        "url": base_url + entry.path + ("?" + query if query else ""),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": [
            {"name": n, "value": v} for n, v in parse_qsl(query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": entry.body_size,
    }
    if entry.body_size:
        headers.append(_header("Content-Type", JSON))
        request["postData"] = {"mimeType": JSON, "text": _text(entry.body, entry.body_size)}
    return request


def _response(entry: Entry) -> dict[str, Any]:
    headers = [
        _header("request-id", entry.request_id),
        _header("client-request-id", entry.client_request_id),
    ]
    headers.extend(_header(name, value) for name, value in (entry.headers or {}).items())
    content: dict[str, Any] = {"size": entry.response_size, "mimeType": JSON}
    if entry.response is not None and entry.response_size:
        headers.append(_header("Content-Type", JSON))
        content["text"] = _text(entry.response, entry.response_size)
    elif entry.response_size:
        # A photo's bytes, or an answer too large for the journal to keep.
        content["mimeType"] = "application/octet-stream"
        content["comment"] = "not kept by mockgraph's journal"
    try:
        reason = HTTPStatus(entry.status).phrase
    except ValueError:
        reason = ""
    return {
        "status": entry.status,
        "statusText": reason,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "content": content,
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": entry.response_size,
    }


def _text(raw: bytes | None, size: int) -> str:
    if raw is None or size > MAX_BODY_CHARS:
        return f"(not kept: {size} bytes)"
    return raw.decode("utf-8", "replace")


def _header(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}
