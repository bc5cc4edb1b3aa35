"""Graph's presence rules for each action, and what each reader may see. No HTTP here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from mockgraph.domain.guid import guid_error, is_guid
from mockgraph.domain.presence import Preferred, Session, StatusMessage, UserState, WorkLocation
from mockgraph.domain.rendering import (
    MEMBERS,
    OTHER,
    SELF,
    entity,
    entity_dict,
    unknown_entity,
)
from mockgraph.domain.times import (
    format_timestamp,
    parse_date_time_time_zone,
    parse_duration,
)
from mockgraph.domain.values import (
    MAX_IDS,
    PREFERRED_PRESENCE_PAIRS,
    SET_PRESENCE_PAIRS,
    canonical_work_location_type,
    checked_pair,
)
from mockgraph.errors import BadRequest, InvalidArgument, NotFound
from mockgraph.presence import models

SESSION_DEFAULT = timedelta(minutes=5)
SESSION_MIN, SESSION_MAX = timedelta(minutes=5), timedelta(hours=4)
OUT_OF_RANGE = "The provided [ExpirationDuration] is out of range."
# entity lives in domain/rendering.py; re-exported only until presence/routes.py imports it
# from there.
__all__ = ["entity"]


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
    lasts = session_seconds(body)
    user.sessions[body.sessionId] = Session(
        availability, activity, set_at=ctx.now, expires_at=ctx.now + lasts
    )
    user.changed(ctx.now)


def session_seconds(body: models.SetPresence) -> float:
    """How long setPresence's session lasts, in seconds: expirationDuration (PT5M to PT4H),
    or five minutes without one; InvalidArgument outside that range."""
    duration = SESSION_DEFAULT
    if body.expirationDuration is not None:
        duration = parse_duration(body.expirationDuration, "expirationDuration")
        if not SESSION_MIN <= duration <= SESSION_MAX:
            raise InvalidArgument(OUT_OF_RANGE)
    return duration.total_seconds()


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
    published = format_timestamp(ctx.now)
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
        if not is_guid(user_id):
            raise BadRequest(guid_error(f"ids[{index}]", user_id, "a user object id"))
    return [i.lower() for i in body.ids]


def checked_user_id(user_id: str) -> str:
    if not is_guid(user_id):
        raise BadRequest(
            guid_error("The user id", user_id, "a user object id")
            + " Presence is addressed by the user's object id, not by userPrincipalName."
        )
    return user_id.lower()


def unknown_user(user_id: str) -> NotFound:
    return NotFound(f"The user '{user_id}' was not found in this tenant.")


def reader(caller_id: str | None, user_id: str) -> str:
    """The user themself (a delegated token whose oid is the target), or anyone else."""
    return SELF if caller_id == user_id else OTHER


def presences_by_user_id(
    tenant_users: Mapping[str, UserState], ids: list[str], caller_id: str | None, now: float
) -> list[bytes]:
    """cloudCommunications: getPresencesByUserId: each id's entity, in the order asked; an id
    that names no user gives PresenceUnknown."""
    entries = []
    for user_id in ids:
        user = tenant_users.get(user_id)
        entries.append(
            unknown_entity(user_id)
            if user is None
            else entity(user, now, reader(caller_id, user_id))
        )
    return entries


def only_at_me(action: str) -> BadRequest:
    """The work-location actions exist at /me/presence only."""
    return BadRequest(f"{action} is supported only at /me/presence/{action}.")


def unknown_action(segment: str) -> NotFound:
    action = segment.lower().removeprefix("microsoft.graph.")
    return NotFound(
        f"The presence action '{action}' does not exist; see /docs for the emulated operations."
    )


_SELECTABLE_BY_LOWER = {name.lower(): name for name in MEMBERS}


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
    """$select: `id` and the chosen members, in the order chosen."""
    user.current(now)
    full = entity_dict(user, kind)
    keep = ["id", *(f for f in fields if f != "id")]
    return {name: full[name] for name in keep}
