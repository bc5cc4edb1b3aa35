"""What the dashboard shows of a tenant: each user as a reader sees them, and the state behind it.

Every part carries a version (a digest of what it shows), so the page asks often and cheaply
and the server sends a part only when it changed. Clock-driven changes (fade, expiry) show
because each look reads the tenant's clock, as a Graph GET would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mockgraph.domain.presence import FIXTURE_SESSION_ID, UserState
from mockgraph.domain.rendering import SELF, entity_dict
from mockgraph.state.fixtures import Fixtures
from mockgraph.state.journal import Entry
from mockgraph.state.store import Tenant

MAX_PAGE_SIZE = 200
MAX_SEARCH = 200


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


def _matches(user: UserState, needle: str) -> bool:
    return (
        needle in user.display_name.lower()
        or needle in user.user_principal_name.lower()
        or needle in user.id
    )


def board(tenant: Tenant, fixtures: Fixtures, page: Page) -> dict[str, Any]:
    """One page of the tenant's users, with how many match and a count per availability."""
    now = tenant.clock.timestamp()
    needle = page.search.strip().lower()[:MAX_SEARCH]
    size = max(1, min(page.size, MAX_PAGE_SIZE))
    counts: dict[str, int] = {}
    matched: list[UserState] = []
    for user in tenant.users.values():
        availability = user.current(now).availability
        counts[availability] = counts.get(availability, 0) + 1
        if not needle or _matches(user, needle):
            matched.append(user)
    matched.sort(key=lambda u: (u.display_name.lower(), u.id))
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


def journal_rows(
    entries: Iterable[Entry], tenant: Tenant | None, fixtures: Fixtures
) -> list[dict[str, Any]]:
    apps = app_names(fixtures)
    return [{**e.as_json(), "caller": caller(e, tenant, apps)} for e in entries]
