"""What the dashboard shows of a tenant: each user as a reader sees them, and the state behind it.

Every part carries a version (a digest of what it shows), so the page asks often and cheaply
and the server sends a part only when it changed. Clock-driven changes (fade, expiry) show
because each look reads the tenant's clock, as a Graph GET would.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mockgraph.domain.presence import FIXTURE_SESSION_ID, UserState
from mockgraph.domain.rendering import SELF, entity_dict
from mockgraph.domain.user import natural_key
from mockgraph.gateway import Operation, Routes
from mockgraph.state.fixtures import Fixtures
from mockgraph.state.journal import Entry
from mockgraph.state.store import Tenant

MAX_PAGE_SIZE = 200
MAX_SEARCH = 200
# Tenants whose order is kept; past it the cache starts afresh (a test run makes many).
MAX_ORDERS = 256


@dataclass(frozen=True, slots=True)
class Page:
    """Which users the page shows: a search over name, UPN and id, and a page of them."""

    search: str = ""
    number: int = 0
    size: int = 48


def version_of(part: object) -> str:
    """A short digest of a part as JSON: equal parts, equal versions."""
    text = json.dumps(part, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _ms(timestamp: float | None) -> int | None:
    return None if timestamp is None else int(timestamp * 1000)


def app_names(fixtures: Fixtures) -> dict[str, str]:
    names = {a.appId.lower(): a.displayName or a.appId for a in fixtures.apps}
    names[FIXTURE_SESSION_ID] = "Teams"
    return names


def user_card(user: UserState, now: float, apps: dict[str, str]) -> dict[str, Any]:
    """One user as the board shows them: what Graph answers the user, and the state behind it."""
    user.current(now)
    entity = entity_dict(user, SELF)
    status = user.status
    preferred = user.preferred
    return {
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        # The page shows it from /_mockgraph/ui/photos/{id}; initials when there is none.
        "hasPhoto": user.profile.photo is not None,
        "availability": entity["availability"],
        "activity": entity["activity"],
        "statusMessage": None
        if status is None
        else {
            "content": status.content,
            "expiresAt": _ms(status.expires_at()),
            "expiry": None
            if status.expiry is None
            else {"dateTime": status.expiry.date_time, "timeZone": status.expiry.time_zone},
        },
        "outOfOfficeSettings": entity["outOfOfficeSettings"],
        "preferredPresence": None
        if preferred is None
        else {
            "availability": preferred.availability,
            "activity": preferred.activity,
            "expiresAt": _ms(preferred.expires_at),
        },
        "sessions": [
            {
                "sessionId": session_id,
                "app": apps.get(session_id.lower()),
                "availability": state[0],
                "activity": state[1],
                "expiresAt": _ms(session.expires_at),
            }
            for session_id, session in sorted(user.sessions.items())
            for state in [session.state_at(now)]
        ],
        "workLocation": entity["workLocation"],
        "sequenceNumber": entity["sequenceNumber"],
    }


class Order:
    """Each tenant's users in natural order ("Person 2" before "Person 10"), sorted again only
    when its user table changed: a poll of 10,000 users would otherwise sort them each time."""

    def __init__(self) -> None:
        self._sorted: dict[str, tuple[int, list[UserState]]] = {}

    def of(self, tenant: Tenant) -> list[UserState]:
        users = tenant.users
        users.settle()  # the users it keeps are read again at each poll
        known = self._sorted.get(tenant.id)
        if known is None or known[0] != users.version:
            ordered = sorted(users.values(), key=lambda u: (natural_key(u.display_name), u.id))
            if len(self._sorted) >= MAX_ORDERS:
                self._sorted.clear()
            known = self._sorted[tenant.id] = (users.version, ordered)
        return known[1]


def _matches(user: UserState, needle: str) -> bool:
    return (
        needle in user.display_name.lower()
        or needle in user.user_principal_name.lower()
        or needle in user.id
    )


def board(tenant: Tenant, fixtures: Fixtures, page: Page, order: Order) -> dict[str, Any]:
    """One page of the tenant's users in natural order, with how many match and a count per
    availability."""
    now = tenant.clock.timestamp()
    needle = page.search.strip().lower()[:MAX_SEARCH]
    size = max(1, min(page.size, MAX_PAGE_SIZE))
    counts: dict[str, int] = {}
    matched: list[UserState] = []
    for user in order.of(tenant):
        availability = user.current(now).availability
        counts[availability] = counts.get(availability, 0) + 1
        if not needle or _matches(user, needle):
            matched.append(user)
    pages = max(1, -(-len(matched) // size))
    number = max(0, min(page.number, pages - 1))
    apps = app_names(fixtures)
    shown = matched[number * size : (number + 1) * size]
    return {
        "total": len(tenant.users),
        "matched": len(matched),
        "page": number,
        "pages": pages,
        "pageSize": size,
        "counts": dict(sorted(counts.items())),
        "users": [user_card(u, now, apps) for u in shown],
    }


def caller(entry: Entry, tenant: Tenant | None, apps: dict[str, str]) -> str | None:
    """Who made a call, by name: the user (through which app) or the app."""
    app = apps.get((entry.app_id or "").lower(), entry.app_id)
    if entry.user_id is not None:
        user = tenant.user(entry.user_id) if tenant is not None else None
        name = user.display_name if user is not None else entry.user_id
        return f"{name} via {app}" if app else name
    return app


# The resource's address a Graph operation id starts with (me_getPresence, user_get).
_FORMS = ("me_", "users_", "user_", "communications_")
_VERBS = ("get", "list", "count", "create", "renew", "delete", "update", "batch")
_WORD = re.compile(r"(?<=[a-z])(?=[A-Z])")


def operation_label(operation: Operation) -> str | None:
    """What the journal calls an operation: Graph's name of an action ("setPresence"), else
    its OpenAPI id in words ("get presence", "list users", "count members (users)"); None
    for one whose id names no verb (the path's tail says it better)."""
    if operation.qualified and operation.name:
        return operation.name
    if operation.doc is None:
        return None
    name = operation.doc.operation_id
    for form in _FORMS:
        name = name.removeprefix(form)
    base, *rest = name.split("_")
    words = _WORD.sub(" ", base).lower().split()
    if words == ["get"]:
        words = ["get", "user"]
    if not words or words[0] not in _VERBS:
        return None
    if "count" in rest:
        words[0] = "count"
    kinds = [part for part in rest if part != "count"]
    return " ".join(words) + (f" ({', '.join(kinds)})" if kinds else "")


def path_tail(path: str) -> str:
    """The end of a path that tells calls apart: its last segment, with the one before it when
    the last is OData's ($count, $value, microsoft.graph.user)."""
    segments = [s for s in path.split("/") if s]
    keep = 2 if segments and segments[-1].startswith(("$", "microsoft.graph.")) else 1
    tail = "/".join(segments[-keep:])
    return tail if len(segments) <= keep + 1 else f"…/{tail}"


def journal_rows(
    entries: Iterable[Entry], tenant: Tenant | None, fixtures: Fixtures, routes: Routes
) -> list[dict[str, Any]]:
    """The journal as the board lists it: each call with its caller by name and its label
    (`operation`: the Graph operation it reached, or its path's tail)."""
    apps = app_names(fixtures)
    rows = []
    for entry in entries:
        match = routes.match(entry.path)
        operation = match.operations.get(entry.method) if match is not None else None
        label = operation_label(operation) if operation is not None else None
        rows.append(
            {
                **entry.as_json(),
                "caller": caller(entry, tenant, apps),
                "operation": label or path_tail(entry.path),
            }
        )
    return rows
