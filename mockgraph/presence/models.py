"""Wire schemas of the presence API, in Graph's names: they validate bodies and feed the OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel, Field

from mockgraph.domain.bodies import GraphBody

# GraphBody lives in domain/bodies.py; re-exported only until presence/operations.py imports
# it from there.
__all__ = ["GraphBody"]


class SetPresence(GraphBody):
    sessionId: str = Field(
        description="The ID of the application's presence session.",
        examples=["22553876-f5ab-4529-bffb-cfe50aa89f87"],
    )
    availability: str = Field(description="The base presence information.", examples=["Available"])
    activity: str = Field(
        description="The supplemental information to availability.", examples=["Available"]
    )
    expirationDuration: str | None = Field(
        None, description="ISO 8601 duration, PT5M to PT4H; PT5M when left out.", examples=["PT1H"]
    )


class ClearPresence(GraphBody):
    sessionId: str = Field(
        description="The ID of the application's presence session.",
        examples=["22553876-f5ab-4529-bffb-cfe50aa89f87"],
    )


class SetUserPreferredPresence(GraphBody):
    availability: str = Field(examples=["DoNotDisturb"])
    activity: str = Field(examples=["DoNotDisturb"])
    expirationDuration: str | None = Field(
        None,
        description="ISO 8601 duration; 1 day for Busy and DoNotDisturb, else 7 days.",
        examples=["PT8H"],
    )


class Empty(GraphBody):
    """An empty JSON object; the body may also be left out."""


class ItemBody(GraphBody):
    content: str | None = Field(None, examples=["Hey I'm currently in a meeting."])
    contentType: str = Field("text", examples=["text"])


class DateTimeTimeZone(GraphBody):
    dateTime: str = Field(examples=["2026-10-18T17:05:33.2079781"])
    timeZone: str | None = Field(None, examples=["Pacific Standard Time"])


class PresenceStatusMessageInput(GraphBody):
    message: ItemBody | None = None
    expiryDateTime: DateTimeTimeZone | None = None
    # Read-only in Graph: accepted and ignored.
    publishedDateTime: str | None = None


class SetStatusMessage(GraphBody):
    statusMessage: PresenceStatusMessageInput | None = Field(
        description="The message; null or an empty content clears it."
    )


class GetPresencesByUserId(GraphBody):
    ids: list[str] = Field(
        description="The user object IDs (at most 650).",
        examples=[["fa8bf3dc-eca7-46b7-bad1-db199b62afc3", "66825e03-7ef5-42da-9069-724602c31f6b"]],
    )


class SetWorkLocation(GraphBody):
    workLocationType: str = Field(
        description="unspecified, office, remote or timeOff.", examples=["office"]
    )
    placeId: str | None = Field(None, examples=["eb706f15-137e-4722-b4d1-b601481d9251"])


# Response shapes, for the OpenAPI only: responses are rendered by the service.
class OutOfOfficeSettings(BaseModel):
    isOutOfOffice: bool | None = None
    message: str | None = None


class PresenceStatusMessage(BaseModel):
    message: ItemBody | None = None
    publishedDateTime: str | None = Field(None, description="Left out for other users.")
    expiryDateTime: DateTimeTimeZone | None = Field(None, description="Left out for other users.")


class UserWorkLocation(BaseModel):
    workLocationType: str
    source: str
    placeId: str | None = None


class Presence(BaseModel):
    """Every member but `id` may be left out by $select; sequenceNumber is null only for an
    unknown id in getPresencesByUserId."""

    odata_context: str | None = Field(None, alias="@odata.context")
    id: str
    availability: str | None = None
    activity: str | None = None
    statusMessage: PresenceStatusMessage | None = None
    outOfOfficeSettings: OutOfOfficeSettings | None = None
    workLocation: UserWorkLocation | None = None
    sequenceNumber: str | None = None


class PresenceCollection(BaseModel):
    odata_context: str | None = Field(None, alias="@odata.context")
    value: list[Presence]
