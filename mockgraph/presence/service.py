"""Graph's presence rules for each action, and what each reader may see. No HTTP here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mockgraph.domain.presence import Preferred, Session, StatusMessage, UserState, WorkLocation
from mockgraph.domain.times import (
    NEVER,
    format_offset_datetime,
    parse_date_time_time_zone,
    parse_duration,
)
from mockgraph.domain.values import (
    PREFERRED_PRESENCE_PAIRS,
    SET_PRESENCE_PAIRS,
    canonical_work_location_type,
    checked_pair,
)
from mockgraph.errors import BadRequest, InvalidArgument, NotFound
from mockgraph.fixtures import GUID
from mockgraph.presence import models

SESSION_DEFAULT = timedelta(minutes=5)
SESSION_MIN, SESSION_MAX = timedelta(minutes=5), timedelta(hours=4)
MAX_IDS = 650
OUT_OF_RANGE = "The provided [ExpirationDuration] is out of range."
# Kinds of reader: the user themself sees when their status message was published and expires.
SELF, OTHER = "self", "other"


@dataclass(frozen=True, slots=True)
class Context:
    """What an action needs to know beside its body: the time and who calls."""

    now: float
    caller_app_id: str | None = None
    # Graph's docs ask for the calling app's id as sessionId; the live service takes any.
    strict_session_id: bool = False


def set_presence(user: UserState, body: models.SetPresence, ctx: Context) -> None:
    """presence: setPresence."""
    if not body.sessionId.strip():
        raise BadRequest("The parameter 'sessionId' must not be empty.")
    app_id = ctx.caller_app_id or ""
    if ctx.strict_session_id and body.sessionId.lower() != app_id.lower():
        raise BadRequest(
            f"The sessionId '{body.sessionId}' is not the calling application's id "
            f"'{app_id}'. Provide the ID of the application as sessionId."
        )
    availability, activity = checked_pair(
        body.availability, body.activity, SET_PRESENCE_PAIRS, "setPresence"
    )
    duration = SESSION_DEFAULT
    if body.expirationDuration is not None:
        duration = parse_duration(body.expirationDuration, "expirationDuration")
        if not SESSION_MIN <= duration <= SESSION_MAX:
            raise InvalidArgument(OUT_OF_RANGE)
    user.sessions[body.sessionId] = Session(
        availability, activity, set_at=ctx.now, expires_at=ctx.now + duration.total_seconds()
    )
    user.changed(ctx.now)


def clear_presence(user: UserState, body: models.ClearPresence, ctx: Context) -> None:
    """presence: clearPresence; an unknown (or expired) session is 404."""
    user.current(ctx.now)  # drops sessions that expired
    if user.sessions.pop(body.sessionId, None) is None:
        raise NotFound(f"The presence session '{body.sessionId}' does not exist.")
    user.changed(ctx.now)


def set_user_preferred_presence(
    user: UserState, body: models.SetUserPreferredPresence, ctx: Context
) -> None:
    availability, activity = checked_pair(
        body.availability, body.activity, PREFERRED_PRESENCE_PAIRS, "setUserPreferredPresence"
    )
    if body.expirationDuration is not None:
        duration = parse_duration(body.expirationDuration, "expirationDuration")
        if duration <= timedelta(0):
            raise InvalidArgument(OUT_OF_RANGE)
    else:
        days = 1 if availability in ("Busy", "DoNotDisturb") else 7
        duration = timedelta(days=days)
    user.preferred = Preferred(availability, activity, ctx.now + duration.total_seconds())
    user.changed(ctx.now)


def clear_user_preferred_presence(user: UserState, body: models.Empty, ctx: Context) -> None:
    user.preferred = None
    user.changed(ctx.now)


def set_status_message(user: UserState, body: models.SetStatusMessage, ctx: Context) -> None:
    """presence: setStatusMessage; null or empty content clears the message."""
    given = body.statusMessage
    if given is None or given.message is None or not given.message.content:
        user.status = None
        user.changed(ctx.now)
        return
    content_type = given.message.contentType.lower()
    if content_type != "text":
        raise BadRequest(
            f"The contentType '{given.message.contentType}' is not supported for a status "
            "message; the only supported format is 'text'."
        )
    expiry = None
    if given.expiryDateTime is not None:
        expiry = parse_date_time_time_zone(
            given.expiryDateTime.dateTime,
            given.expiryDateTime.timeZone,
            "statusMessage.expiryDateTime",
        )
    published = format_offset_datetime(datetime.fromtimestamp(ctx.now, UTC))
    user.status = StatusMessage(given.message.content, "text", published, expiry)
    user.changed(ctx.now)


def set_manual_location(user: UserState, body: models.SetWorkLocation, ctx: Context) -> None:
    user.manual_location = _location(body)
    user.changed(ctx.now)


def set_automatic_location(user: UserState, body: models.SetWorkLocation, ctx: Context) -> None:
    user.automatic_location = _location(body)
    user.changed(ctx.now)


def clear_automatic_location(user: UserState, body: models.Empty, ctx: Context) -> None:
    user.automatic_location = None
    user.changed(ctx.now)


def clear_location(user: UserState, body: models.Empty, ctx: Context) -> None:
    user.manual_location = user.automatic_location = None
    user.changed(ctx.now)


def _location(body: models.SetWorkLocation) -> WorkLocation:
    return WorkLocation(canonical_work_location_type(body.workLocationType), body.placeId)


def checked_ids(body: models.GetPresencesByUserId) -> list[str]:
    """getPresencesByUserId's ids: at most 650, each a GUID."""
    if len(body.ids) > MAX_IDS:
        raise BadRequest(
            f"At most {MAX_IDS} user ids are supported per request; {len(body.ids)} were given."
        )
    for index, user_id in enumerate(body.ids):
        if not GUID.match(user_id):
            raise BadRequest(f"ids[{index}] '{user_id}' is not a valid user object id (a GUID).")
    return [i.lower() for i in body.ids]


def checked_user_id(user_id: str) -> str:
    if not GUID.match(user_id):
        raise BadRequest(
            f"'{user_id}' is not a valid user object id. Presence is addressed by the user's "
            "object id (a GUID), not by userPrincipalName."
        )
    return user_id.lower()


def unknown_user(user_id: str) -> NotFound:
    return NotFound(f"The user '{user_id}' was not found in this tenant.")


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


def entity_dict(user: UserState, kind: str) -> dict[str, object]:
    view = user.view
    assert view is not None
    status: dict[str, object] | None = None
    if view.status is not None:
        status = {
            "message": {"content": view.status.content, "contentType": view.status.content_type}
        }
        # Graph leaves these out, not null, when the reader is not the user (reference §4.3).
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


SELECTABLE = (
    "id",
    "availability",
    "activity",
    "statusMessage",
    "outOfOfficeSettings",
    "workLocation",
    "sequenceNumber",
)
_SELECTABLE_BY_LOWER = {name.lower(): name for name in SELECTABLE}


def checked_select(select: str) -> list[str]:
    """The properties a $select names, in Graph's spelling; 400 for one presence lacks."""
    chosen: list[str] = []
    for raw in select.split(","):
        name = _SELECTABLE_BY_LOWER.get(raw.strip().lower())
        if name is None:
            raise BadRequest(
                f"Could not find a property named '{raw.strip()}' on type "
                "'microsoft.graph.presence'."
            )
        if name not in chosen:
            chosen.append(name)
    return chosen


def selected(user: UserState, now: float, kind: str, fields: list[str]) -> dict[str, object]:
    user.current(now)
    full = entity_dict(user, kind)
    keep = ["id", *(f for f in fields if f != "id")]
    return {name: full[name] for name in keep}


def sequence_number(sequence: int) -> str:
    """Lexicographically sortable, as Graph's stamps are (for example A0129311063)."""
    return f"A{sequence:010d}"


def unknown_presence(user_id: str) -> bytes:
    """getPresencesByUserId's entry for a well-formed id that names no user."""
    return json.dumps(
        {
            "id": user_id,
            "availability": "PresenceUnknown",
            "activity": "PresenceUnknown",
            "statusMessage": None,
            "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
            "sequenceNumber": None,
        },
        separators=(",", ":"),
    ).encode()
