"""Graph's presence entity as each reader sees it: rendered once per change, shared by all views."""

from __future__ import annotations

import json
from typing import Any

from mockgraph.domain.presence import UserState
from mockgraph.domain.times import NEVER

# Kinds of reader: the user themself sees when their status message was published and expires.
SELF, OTHER = "self", "other"
# The members of the entity, in the order Graph writes them; $select picks among these.
MEMBERS = (
    "id",
    "availability",
    "activity",
    "statusMessage",
    "outOfOfficeSettings",
    "workLocation",
    "sequenceNumber",
)


def sequence_number(sequence: int) -> str:
    """Lexicographically sortable, as Graph's stamps are (for example A0129311063)."""
    return f"A{sequence:010d}"


def entity(user: UserState, now: float, kind: str) -> bytes:
    """The presence entity as `kind` of reader sees it, as JSON; cached until it changes."""
    user.current(now)
    cached = user.rendered_self if kind == SELF else user.rendered_other
    if cached is None:
        cached = json.dumps(
            entity_dict(user, kind), separators=(",", ":"), ensure_ascii=False
        ).encode()
        if kind == SELF:
            user.rendered_self = cached
        else:
            user.rendered_other = cached
    return cached


def entity_dict(user: UserState, kind: str) -> dict[str, Any]:
    """The entity's members as of the user's last computed view."""
    view = user.view
    assert view is not None
    status: dict[str, object] | None = None
    if view.status is not None:
        status = {
            "message": {"content": view.status.content, "contentType": view.status.content_type}
        }
        # Graph leaves these out, not null, when the reader is not the user
        # (https://learn.microsoft.com/graph/api/resources/presencestatusmessage).
        if kind == SELF:
            expiry = view.status.expiry
            status["publishedDateTime"] = view.status.published
            status["expiryDateTime"] = (
                {"dateTime": expiry.date_time, "timeZone": expiry.time_zone}
                if expiry is not None
                else {"dateTime": NEVER, "timeZone": "UTC"}
            )
    location_type, source, place_id = view.location
    return {
        "id": user.id,
        "availability": view.availability,
        "activity": view.activity,
        "statusMessage": status,
        "outOfOfficeSettings": {
            "message": view.out_of_office[1],
            "isOutOfOffice": view.out_of_office[0],
        },
        "workLocation": {"workLocationType": location_type, "source": source, "placeId": place_id},
        "sequenceNumber": sequence_number(user.sequence),
    }


def unknown_dict(user_id: str) -> dict[str, Any]:
    """The entity of a well-formed id that names no user: every member, as Graph's serializer
    writes them, PresenceUnknown and nothing else known."""
    return {
        "id": user_id,
        "availability": "PresenceUnknown",
        "activity": "PresenceUnknown",
        "statusMessage": None,
        "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
        "workLocation": None,
        "sequenceNumber": None,
    }


def unknown_entity(user_id: str) -> bytes:
    return json.dumps(unknown_dict(user_id), separators=(",", ":")).encode()
