"""Every Graph presence operation, declared once: presence/routes.py registers each with the
gateway at every address it has, which serves it and shows it in the OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockgraph.auth.permissions import Access
from mockgraph.presence import models


@dataclass(frozen=True)
class Action:
    """One presence operation, as Graph documents it:
    https://learn.microsoft.com/graph/api/resources/presence"""

    name: str  # Graph's own name, as its docs title the page
    method: str
    action: str | None  # the segment after the presence address; None for GET
    access: Access
    summary: str
    body: type[models.GraphBody] | None = None
    me_only: bool = False  # the location actions exist at /me/presence only
    example: dict[str, Any] | None = None


GET_PRESENCE = Action(
    "presence: get",
    "GET",
    None,
    Access.READ,
    "Get a user's presence. Reading another user's presence needs Presence.Read.All; "
    "their status message then shows without publishedDateTime and expiryDateTime.",
)
SET_PRESENCE = Action(
    "presence: setPresence",
    "POST",
    "setPresence",
    Access.WRITE,
    "Set the state of one presence session (keyed by sessionId) as an application.",
    models.SetPresence,
    example={
        "sessionId": "22553876-f5ab-4529-bffb-cfe50aa89f87",
        "availability": "Available",
        "activity": "Available",
        "expirationDuration": "PT1H",
    },
)
CLEAR_PRESENCE = Action(
    "presence: clearPresence",
    "POST",
    "clearPresence",
    Access.WRITE,
    "Clear one presence session; 404 when it does not exist.",
    models.ClearPresence,
    example={"sessionId": "22553876-f5ab-4529-bffb-cfe50aa89f87"},
)
SET_USER_PREFERRED_PRESENCE = Action(
    "presence: setUserPreferredPresence",
    "POST",
    "setUserPreferredPresence",
    Access.WRITE,
    "Set the user's preferred presence; it shows only while a presence session exists.",
    models.SetUserPreferredPresence,
    example={
        "availability": "DoNotDisturb",
        "activity": "DoNotDisturb",
        "expirationDuration": "PT8H",
    },
)
CLEAR_USER_PREFERRED_PRESENCE = Action(
    "presence: clearUserPreferredPresence",
    "POST",
    "clearUserPreferredPresence",
    Access.WRITE,
    "Clear the user's preferred presence.",
    models.Empty,
    example={},
)
SET_STATUS_MESSAGE = Action(
    "presence: setStatusMessage",
    "POST",
    "setStatusMessage",
    Access.WRITE,
    "Set (or, with null or empty content, clear) the user's status message.",
    models.SetStatusMessage,
    example={
        "statusMessage": {
            "message": {"content": "Hey I'm currently in a meeting.", "contentType": "text"},
            "expiryDateTime": {
                "dateTime": "2026-10-18T17:05:33.2079781",
                "timeZone": "Pacific Standard Time",
            },
        }
    },
)
_LOCATION = {"workLocationType": "office", "placeId": "eb706f15-137e-4722-b4d1-b601481d9251"}
SET_MANUAL_LOCATION = Action(
    "presence: setManualLocation",
    "POST",
    "setManualLocation",
    Access.LOCATION,
    "Set the signed-in user's work location explicitly; it beats any automatic location.",
    models.SetWorkLocation,
    me_only=True,
    example=_LOCATION,
)
SET_AUTOMATIC_LOCATION = Action(
    "presence: setAutomaticLocation",
    "POST",
    "setAutomaticLocation",
    Access.LOCATION,
    "Set the automatically detected work location of the signed-in user.",
    models.SetWorkLocation,
    me_only=True,
    example=_LOCATION,
)
CLEAR_AUTOMATIC_LOCATION = Action(
    "presence: clearAutomaticLocation",
    "POST",
    "clearAutomaticLocation",
    Access.LOCATION,
    "Clear the automatic work location; a manual one still wins.",
    models.Empty,
    me_only=True,
)
CLEAR_LOCATION = Action(
    "presence: clearLocation",
    "POST",
    "clearLocation",
    Access.LOCATION,
    "Clear both the manual and the automatic work location.",
    models.Empty,
    me_only=True,
)
GET_PRESENCES_BY_USER_ID = Action(
    "cloudCommunications: getPresencesByUserId",
    "POST",
    "getPresencesByUserId",
    Access.BULK_READ,
    "Get the presence of up to 650 users, in the order asked; an unknown id gives PresenceUnknown.",
    models.GetPresencesByUserId,
    example={
        "ids": ["fa8bf3dc-eca7-46b7-bad1-db199b62afc3", "66825e03-7ef5-42da-9069-724602c31f6b"]
    },
)

# The operations bound to a presence entity, at /me/presence, /users/{id}/presence and
# /communications/presences/{id}.
PRESENCE_OPERATIONS = (
    GET_PRESENCE,
    SET_PRESENCE,
    CLEAR_PRESENCE,
    SET_USER_PREFERRED_PRESENCE,
    CLEAR_USER_PREFERRED_PRESENCE,
    SET_STATUS_MESSAGE,
    SET_MANUAL_LOCATION,
    SET_AUTOMATIC_LOCATION,
    CLEAR_AUTOMATIC_LOCATION,
    CLEAR_LOCATION,
)
