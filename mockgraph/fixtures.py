"""The seed file: its format, its defaults, and one clear line for each mistake in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from mockgraph.errors import GraphError
from mockgraph.presence.times import parse_date_time_time_zone, parse_offset_datetime
from mockgraph.presence.values import known_activity, known_availability

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEFAULT_TENANT_ID = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"


def _guid(value: str) -> str:
    if not GUID.match(value):
        raise ValueError(f"'{value}' is not a GUID such as fa8bf3dc-eca7-46b7-bad1-db199b62afc3")
    return value.lower()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FixturePresence(_Strict):
    """The state of the user's signed-in Teams client: a session that never expires or fades."""

    availability: str
    activity: str

    _check_availability = field_validator("availability")(known_availability)
    _check_activity = field_validator("activity")(known_activity)


class FixtureItemBody(_Strict):
    content: str
    contentType: str = "text"


class FixtureDateTimeTimeZone(_Strict):
    dateTime: str
    timeZone: str = "UTC"

    @model_validator(mode="after")
    def _parses(self) -> FixtureDateTimeTimeZone:
        _as_value_error(
            lambda: parse_date_time_time_zone(self.dateTime, self.timeZone, "expiryDateTime")
        )
        return self


class FixtureStatusMessage(_Strict):
    message: FixtureItemBody
    publishedDateTime: str | None = None
    expiryDateTime: FixtureDateTimeTimeZone | None = None

    @field_validator("publishedDateTime")
    @classmethod
    def _published(cls, value: str | None) -> str | None:
        if value is not None:
            _as_value_error(lambda: parse_offset_datetime(value, "publishedDateTime"))
        return value


def _as_value_error(check: Callable[[], object]) -> None:
    """Run a Graph-rule check, reporting its 400 as a fixture problem."""
    try:
        check()
    except GraphError as exc:
        raise ValueError(exc.message) from None


class FixtureOutOfOffice(_Strict):
    isOutOfOffice: bool = False
    message: str | None = None


class FixtureUser(_Strict):
    id: str
    userPrincipalName: str | None = None
    displayName: str | None = None
    password: str | None = None
    presence: FixturePresence | None = None
    statusMessage: FixtureStatusMessage | None = None
    outOfOfficeSettings: FixtureOutOfOffice = FixtureOutOfOffice()

    _check_id = field_validator("id")(_guid)

    @property
    def upn(self) -> str:
        return self.userPrincipalName or f"{self.id}@mockgraph.local"

    @property
    def name(self) -> str:
        return self.displayName or self.upn.split("@", 1)[0]


class FixtureApp(_Strict):
    appId: str
    displayName: str | None = None
    clientSecret: str | None = None
    applicationPermissions: list[str] = []
    delegatedPermissions: list[str] = []
    redirectUris: list[str] = []
    isPublicClient: bool = False

    _check_id = field_validator("appId")(_guid)


class Fixtures(_Strict):
    tenantId: str = DEFAULT_TENANT_ID
    users: list[FixtureUser] = []
    apps: list[FixtureApp] = []

    _check_tenant = field_validator("tenantId")(_guid)

    def app(self, app_id: str) -> FixtureApp | None:
        return next((a for a in self.apps if a.appId == app_id.lower()), None)


def _no_duplicates(source: str, collection: str, values: list[str], key: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise FixtureError(
                f"{source}: $.{collection}[{index}].{key}: '{value}' appears "
                "twice; each must be unique"
            )
        seen.add(value)


class FixtureError(Exception):
    """A fixture file that cannot be used; the message is one line naming file and JSON path."""


def json_path(loc: tuple[Any, ...]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_fixtures(raw: bytes | str, source: str) -> Fixtures:
    """Validated fixtures, or FixtureError naming `source` and the JSON path of the problem."""
    try:
        fixtures = Fixtures.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key (the README lists the keys of the fixture format)"
        loc = tuple(p for p in first["loc"] if p not in ("function-after", "model"))
        raise FixtureError(f"{source}: {json_path(loc)}: {message}") from None
    _no_duplicates(source, "users", [u.id for u in fixtures.users], "id")
    _no_duplicates(source, "users", [u.upn.lower() for u in fixtures.users], "userPrincipalName")
    _no_duplicates(source, "apps", [a.appId for a in fixtures.apps], "appId")
    return fixtures


def load_fixtures(path: Path) -> Fixtures:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read the fixture file: {exc.strerror}") from None
    return parse_fixtures(raw, str(path))
