"""A tenant's whole state as JSON, and back: the export and import of /_mockgraph/state."""

from __future__ import annotations

import re
from dataclasses import field
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, ValidationError, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from mockgraph.domain.group import Group, group_json
from mockgraph.domain.presence import (
    Preferred,
    Session,
    StatusMessage,
    UserState,
    WorkLocation,
)
from mockgraph.domain.rendering import sequence_number
from mockgraph.domain.times import (
    check_clock_time,
    format_offset_datetime,
    format_timestamp,
    parse_date_time_time_zone,
    parse_offset_datetime,
)
from mockgraph.domain.user import Profile, profile_json, profile_of
from mockgraph.domain.values import (
    canonical_work_location_type,
    known_activity,
    known_availability,
)
from mockgraph.errors import BadRequest, GraphError, describe_validation_error
from mockgraph.state.fixtures import (
    FixtureError,
    FixtureGroup,
    StrictModel,
    checked_groups,
    with_photo,
)
from mockgraph.state.store import Tenant, UserTable

SEQUENCE = re.compile(r"^A(\d{10})$")


def export_tenant(tenant: Tenant) -> dict[str, Any]:
    """Everything a GET reads, with absolute times, and the tenant's clock."""
    now = tenant.clock.timestamp()
    users = []
    for user in tenant.users.values():
        user.current(now)
        status = user.status
        users.append(
            {
                **profile_json(user.profile),
                "outOfOfficeSettings": {
                    "isOutOfOffice": user.out_of_office[0],
                    "message": user.out_of_office[1],
                },
                "sessions": [
                    {
                        "sessionId": key,
                        "availability": s.availability,
                        "activity": s.activity,
                        "setDateTime": format_timestamp(s.set_at),
                        "expirationDateTime": format_timestamp(s.expires_at)
                        if s.expires_at is not None
                        else None,
                    }
                    for key, s in user.sessions.items()
                ],
                "preferredPresence": None
                if user.preferred is None
                else {
                    "availability": user.preferred.availability,
                    "activity": user.preferred.activity,
                    "expirationDateTime": format_timestamp(user.preferred.expires_at),
                },
                "statusMessage": None
                if status is None
                else {
                    "message": {"content": status.content, "contentType": status.content_type},
                    "publishedDateTime": status.published,
                    "expiryDateTime": None
                    if status.expiry is None
                    else {"dateTime": status.expiry.date_time, "timeZone": status.expiry.time_zone},
                },
                "workLocation": {
                    "manual": _location(user.manual_location),
                    "automatic": _location(user.automatic_location),
                },
                "sequenceNumber": sequence_number(user.sequence),
            }
        )
    return {
        "tenantId": tenant.id,
        "clock": {"now": format_timestamp(now), "frozen": tenant.clock.frozen},
        "users": users,
        "groups": [group_json(g) for g in tenant.groups.values()],
    }


def _location(location: WorkLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"workLocationType": location.work_location_type, "placeId": location.place_id}


class _Pair(StrictModel):
    availability: str
    activity: str

    _check_availability = field_validator("availability")(known_availability)
    _check_activity = field_validator("activity")(known_activity)


class _Session(_Pair):
    sessionId: str
    setDateTime: str
    expirationDateTime: str | None


class _Preferred(_Pair):
    expirationDateTime: str


class _Body(StrictModel):
    content: str
    contentType: str = "text"


class _Zoned(StrictModel):
    dateTime: str
    timeZone: str = "UTC"


class _Status(StrictModel):
    message: _Body
    publishedDateTime: str
    expiryDateTime: _Zoned | None = None


class _Location(StrictModel):
    workLocationType: str
    placeId: str | None = None


class _WorkLocation(StrictModel):
    manual: _Location | None = None
    automatic: _Location | None = None


class _OutOfOffice(StrictModel):
    isOutOfOffice: bool = False
    message: str | None = None


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class _User(Profile):
    """A user of the state file: the profile, and the whole presence state."""

    outOfOfficeSettings: _OutOfOffice = _OutOfOffice()
    sessions: list[_Session] = field(default_factory=list)
    preferredPresence: _Preferred | None = None
    statusMessage: _Status | None = None
    workLocation: _WorkLocation = _WorkLocation()
    sequenceNumber: str = "A0000000001"


class _Clock(StrictModel):
    now: str
    frozen: bool = False


class _State(StrictModel):
    tenantId: str | None = None
    clock: _Clock | None = None
    users: list[_User]
    groups: list[FixtureGroup] | None = None


def import_tenant(tenant: Tenant, document: Any) -> None:
    """Replace the tenant's users (and clock, when given) with `document`; all or nothing."""
    try:
        state = _State.model_validate(document)
    except ValidationError as exc:
        raise BadRequest(
            describe_validation_error(exc.errors(include_url=False)[0], "state")
        ) from None
    clock_now: datetime | None = None
    if state.clock is not None:
        clock_now = check_clock_time(_at(state.clock.now, "clock.now"), "clock.now")
    now = clock_now.timestamp() if clock_now is not None else tenant.clock.timestamp()
    users: dict[str, UserState] = {}
    for index, given in enumerate(state.users):
        where = f"users[{index}]"
        user = _user(given, where, now)
        if user.id in users:
            raise BadRequest(f"{where}.id '{user.id}' appears twice in the state.")
        users[user.id] = user
    groups = _groups(state, set(users))
    # Nothing is changed until the whole document has been read.
    if state.clock is not None and clock_now is not None:
        tenant.clock.resume()
        tenant.clock.set(clock_now)
        if state.clock.frozen:
            tenant.clock.freeze()
    tenant.users = UserTable(users.items())
    if groups is not None:
        tenant.groups = {g.id: g for g in groups}


def _profile(given: _User, where: str) -> Profile:
    try:
        return with_photo(profile_of(given), None)
    except ValueError as exc:
        raise BadRequest(f"{where}.photo: {exc}") from None


def _groups(state: _State, user_ids: set[str]) -> tuple[Group, ...] | None:
    if state.groups is None:
        return None
    groups = tuple(state.groups)
    try:
        checked_groups(groups, user_ids, "state")
    except FixtureError as exc:
        raise BadRequest(str(exc).removeprefix("state: $.")) from None
    return groups


def _at(text: str, field: str) -> datetime:
    return parse_offset_datetime(text, field)


def _user(given: _User, where: str, now: float) -> UserState:
    sequence = SEQUENCE.match(given.sequenceNumber)
    if sequence is None:
        raise BadRequest(
            f"{where}.sequenceNumber '{given.sequenceNumber}' is not of the form A0000000001."
        )
    user = UserState(
        _profile(given, where),
        out_of_office=(given.outOfOfficeSettings.isOutOfOffice, given.outOfOfficeSettings.message),
    )
    try:
        for i, s in enumerate(given.sessions):
            expires = s.expirationDateTime
            user.sessions[s.sessionId] = Session(
                s.availability,
                s.activity,
                set_at=_at(s.setDateTime, f"{where}.sessions[{i}].setDateTime").timestamp(),
                expires_at=None
                if expires is None
                else _at(expires, f"{where}.sessions[{i}].expirationDateTime").timestamp(),
            )
        if given.preferredPresence is not None:
            p = given.preferredPresence
            user.preferred = Preferred(
                p.availability,
                p.activity,
                _at(
                    p.expirationDateTime, f"{where}.preferredPresence.expirationDateTime"
                ).timestamp(),
            )
        if given.statusMessage is not None:
            m = given.statusMessage
            published = format_offset_datetime(
                _at(m.publishedDateTime, f"{where}.statusMessage.publishedDateTime")
            )
            expiry = (
                None
                if m.expiryDateTime is None
                else parse_date_time_time_zone(
                    m.expiryDateTime.dateTime,
                    m.expiryDateTime.timeZone,
                    f"{where}.statusMessage.expiryDateTime",
                )
            )
            user.status = StatusMessage(m.message.content, m.message.contentType, published, expiry)
        for layer in ("manual", "automatic"):
            location = getattr(given.workLocation, layer)
            if location is not None:
                setattr(
                    user,
                    f"{layer}_location",
                    WorkLocation(
                        canonical_work_location_type(location.workLocationType), location.placeId
                    ),
                )
    except GraphError as exc:
        raise BadRequest(f"{where}: {exc.message}") from None
    user.restore(int(sequence.group(1)), now)
    return user
