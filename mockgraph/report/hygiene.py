"""Hygiene, as Dev Proxy's guidance plugins word it, over the whole session: $select on
directory reads, client-request-id, beta, @odata.nextLink followed, ConsistencyLevel.

Sources: https://learn.microsoft.com/graph/query-parameters#select, https://learn.microsoft.com/
graph/best-practices-concept, https://learn.microsoft.com/graph/versioning-and-support,
https://learn.microsoft.com/graph/paging, https://learn.microsoft.com/graph/aad-advanced-queries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit

from mockgraph.auth.permissions import Directory
from mockgraph.report.calls import DIRECTORY, Call, directory_access
from mockgraph.report.findings import INFO, WARNING, Finding, plural, sequences

_DOCS = "https://learn.microsoft.com/graph/"
# Directory reads whose answer has properties to choose: not photos, not counts.
_SELECTABLE = frozenset(
    {Directory.USER, Directory.USERS, Directory.GROUP, Directory.MEMBERS, Directory.MEMBER_OF}
)


def hygiene(calls: Sequence[Call]) -> list[Finding]:
    checks = (_no_select, _no_client_request_id, _beta, _next_link_not_followed, _consistency)
    return [finding for check in checks if (finding := check(calls)) is not None]


def _query_names(call: Call) -> set[str]:
    query = call.entry.query.decode("latin-1")
    return {name.lower() for name, _ in parse_qsl(query, keep_blank_values=True)}


def _no_select(calls: Sequence[Call]) -> Finding | None:
    found = [
        c
        for c in calls
        if c.family == DIRECTORY
        and c.operation is not None
        and c.entry.method == "GET"
        and c.entry.status < 400
        and directory_access(c.operation.path) in _SELECTABLE
        and not c.operation.path.endswith("$count")
        and not {"$select", "select"} & _query_names(c)
    ]
    if not found:
        return None
    return Finding(
        "hygiene",
        "noSelect",
        WARNING,
        f"{plural(len(found), 'directory read')} without $select",
        "Add $select naming only the properties the client uses (smaller, faster answers).",
        sequences(found),
        source=_DOCS + "query-parameters#select",
    )


def _no_client_request_id(calls: Sequence[Call]) -> Finding | None:
    # The gateway sets client-request-id to the request-id when the client sent none.
    found = [c for c in calls if c.entry.client_request_id == c.entry.request_id]
    if not found:
        return None
    return Finding(
        "hygiene",
        "noClientRequestId",
        INFO,
        f"{plural(len(found), 'call')} without a client-request-id header",
        "Send a new GUID as client-request-id on each call, and log it: support asks for it.",
        sequences(found),
        source=_DOCS + "best-practices-concept#reliability-and-support",
    )


def _beta(calls: Sequence[Call]) -> Finding | None:
    found = [c for c in calls if c.entry.path.startswith("/beta/")]
    if not found:
        return None
    return Finding(
        "hygiene",
        "beta",
        WARNING,
        f"{plural(len(found), 'call')} to the beta endpoint",
        "Call /v1.0: beta APIs may change without notice and are not supported in production.",
        sequences(found),
        source=_DOCS + "versioning-and-support",
    )


def _skiptoken(link: str) -> str | None:
    for name, value in parse_qsl(urlsplit(link).query, keep_blank_values=True):
        if name.lower() in ("$skiptoken", "skiptoken"):
            return value
    return None


def _next_link_not_followed(calls: Sequence[Call]) -> Finding | None:
    """A page answered with @odata.nextLink whose next page the client never asked for."""
    followed = set()
    for call in calls:
        for name, value in parse_qsl(call.entry.query.decode("latin-1")):
            if name.lower() in ("$skiptoken", "skiptoken"):
                followed.add(value)
    found = []
    for call in calls:
        answer = call.entry.response
        if call.entry.status != 200 or not answer or b'"@odata.nextLink"' not in answer:
            continue
        try:
            link = json.loads(answer).get("@odata.nextLink")
        except ValueError:
            continue
        token = _skiptoken(link) if isinstance(link, str) else None
        if token is not None and token not in followed:
            found.append(call)
    if not found:
        return None
    return Finding(
        "hygiene",
        "nextLinkNotFollowed",
        WARNING,
        f"{plural(len(found), 'page')} with an @odata.nextLink the client did not follow",
        "Follow @odata.nextLink until there is none (msgraph-sdk's PageIterator does).",
        sequences(found),
        source=_DOCS + "paging",
    )


def _consistency(calls: Sequence[Call]) -> Finding | None:
    found = [
        c
        for c in calls
        if c.entry.error_code == "Request_UnsupportedQuery"
        and c.entry.response is not None
        and b"ConsistencyLevel" in c.entry.response
    ]
    if not found:
        return None
    return Finding(
        "hygiene",
        "noConsistencyLevel",
        WARNING,
        f"{plural(len(found), 'advanced query', 'advanced queries')} failed without "
        "ConsistencyLevel: eventual",
        "Send the header ConsistencyLevel: eventual, with $count=true, on advanced queries.",
        sequences(found),
        source=_DOCS + "aad-advanced-queries",
    )
