"""The request journal: every Graph call, bounded in memory, never holding a token."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import translate
from typing import Any

from mockgraph import jsontext
from mockgraph.domain.principal import Principal
from mockgraph.domain.times import format_timestamp
from mockgraph.errors import BadRequest

DEFAULT_SIZE = 10_000
# All kept bodies together stay under this many bytes.
DEFAULT_BODY_BYTES = 16 * 1024 * 1024
# Bodies larger than this are kept as a note of their size only.
MAX_BODY_CHARS = 64 * 1024


@dataclass(slots=True)  # not frozen: a frozen __init__ costs a call per field, per request
class Entry:
    """One Graph call as the server saw it; kept raw, rendered only when asked for."""

    sequence: int
    timestamp: float
    tenant: str | None
    method: str
    path: str
    query: bytes
    status: int
    principal: Principal | None
    body: bytes | None  # None also when it was too large to keep
    body_size: int
    request_id: str
    client_request_id: str
    # How long the call took, and what it answered (None when too large to keep).
    latency_ms: float = 0.0
    response: bytes | None = None
    response_size: int = 0
    # The bytes of body and answer this entry keeps, for the journal's bound.
    held: int = 0
    # An error's own response headers (Retry-After, Allow), None on success: the report's
    # retry check and the HAR export read them.
    headers: dict[str, str] | None = None

    @property
    def error_code(self) -> str | None:
        """Graph's error code of a failed call, from the error it answered."""
        if self.status < 400 or not self.response:
            return None
        try:
            code = json.loads(self.response)["error"]["code"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None
        return code if isinstance(code, str) else None

    @property
    def user_id(self) -> str | None:
        return self.principal.user_id if self.principal is not None else None

    @property
    def app_id(self) -> str | None:
        return self.principal.app_id if self.principal is not None else None

    def as_json(self) -> dict[str, Any]:
        principal = self.principal
        granted = sorted(principal.permissions) if principal is not None else None
        delegated = principal is not None and principal.delegated
        return {
            "sequence": self.sequence,
            "time": format_timestamp(self.timestamp),
            "tenant": self.tenant,
            "method": self.method,
            "path": self.path,
            "query": self.query.decode("latin-1"),
            "status": self.status,
            "userId": self.user_id,
            "appId": self.app_id,
            "scopes": granted if delegated else None,
            "roles": None if delegated else granted,
            "body": _body(self.body, self.body_size),
            "clientRequestId": self.client_request_id,
            "requestId": self.request_id,
            "latencyMs": round(self.latency_ms, 2),
            "response": _body(self.response, self.response_size),
            "errorCode": self.error_code,
        }


def _body(raw: bytes | None, size: int) -> object:
    """A request body as the journal shows it: JSON when it parses, else text, never huge."""
    if size > MAX_BODY_CHARS:
        return {"truncated": True, "bytes": size}
    if not raw:
        return None
    try:
        return jsontext.loads(raw)  # a body refused as not text is shown as text, not read
    except ValueError:
        return raw.decode("utf-8", "replace")


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A path glob (`*` and `?`, `[...]`), matched case-insensitively against the whole path."""
    regex = translate(pattern)
    # fnmatch turns an empty or reversed range into a part that can never match.
    if not pattern.startswith(("/", "*")) or "(?!)" in regex:
        raise BadRequest(
            f"'{pattern}' is not a usable path glob: it must start with / or * "
            "(the full path, version prefix included, such as "
            "/v1.0/users/*/presence), and any [...] range must be ascending."
        )
    return re.compile(regex, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Query:
    """Which entries a caller asks for; None means any."""

    tenant: str | None = None
    method: str | None = None
    path: re.Pattern[str] | None = None
    status: int | None = None
    user_id: str | None = None
    app_id: str | None = None
    since: float | None = None

    def matches(self, entry: Entry) -> bool:
        return (
            (self.tenant is None or entry.tenant == self.tenant)
            and (self.method is None or entry.method == self.method)
            and (self.path is None or self.path.match(entry.path) is not None)
            and (self.status is None or entry.status == self.status)
            and (self.user_id is None or entry.user_id == self.user_id)
            and (self.app_id is None or entry.app_id == self.app_id)
            and (self.since is None or entry.timestamp >= self.since)
        )


class Journal:
    """The last `size` Graph calls, oldest dropped first and counted.

    Bodies are bounded too: past `body_bytes` in all, the oldest entries go, so a journal of
    large bulk requests stays as small as one of GETs.
    """

    def __init__(self, size: int = DEFAULT_SIZE, body_bytes: int = DEFAULT_BODY_BYTES) -> None:
        self._entries: deque[Entry] = deque()
        self.size = size
        self.body_bytes = body_bytes
        self._held = 0
        self.dropped = 0
        self._sequence = 0
        # Called with each entry as it is added (the request log is one).
        self.listeners: list[Callable[[Entry], None]] = []

    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def add(self, entry: Entry) -> None:
        entries = self._entries
        entries.append(entry)
        self._held += entry.held
        while len(entries) > self.size or self._held > self.body_bytes:
            oldest = entries.popleft()
            self._held -= oldest.held
            self.dropped += 1
        for listener in self.listeners:
            listener(entry)

    @property
    def last_sequence(self) -> int:
        """The sequence number of the latest call; it moves with every call."""
        return self._sequence

    def after(self, sequence: int, tenant: str | None = None, limit: int = 200) -> list[Entry]:
        """The latest calls after `sequence` (of one tenant), oldest first, at most `limit`;
        it reads from the newest end, so a look at what is new costs what is new."""
        found: list[Entry] = []
        for entry in reversed(self._entries):
            if entry.sequence <= sequence or len(found) >= limit:
                break
            if tenant is None or entry.tenant == tenant:
                found.append(entry)
        found.reverse()
        return found

    def find(self, query: Query) -> list[Entry]:
        return [e for e in self._entries if query.matches(e)]

    def clear(self, tenant: str | None = None) -> None:
        """Forget every entry, or one tenant's."""
        if tenant is None:
            self._entries.clear()
            self.dropped = 0
        else:
            self._entries = deque(e for e in self._entries if e.tenant != tenant)
        self._held = sum(e.held for e in self._entries)

    def __len__(self) -> int:
        return len(self._entries)
