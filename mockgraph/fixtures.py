"""The seed file: its format, its defaults, and one clear line for each mistake in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mockgraph.presence.values import canonical_activity, canonical_availability

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEFAULT_TENANT_ID = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"


def _guid(value: str) -> str:
    if not GUID.match(value):
        raise ValueError(f"'{value}' is not a GUID such as fa8bf3dc-eca7-46b7-bad1-db199b62afc3")
    return value.lower()


Guid = Annotated[str, Field(description="A GUID")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FixturePresence(_Strict):
    availability: str
    activity: str

    @model_validator(mode="after")
    def _known_values(self) -> FixturePresence:
        availability = canonical_availability(self.availability)
        activity = canonical_activity(self.activity)
        if availability is None:
            raise ValueError(f"unknown availability '{self.availability}'")
        if activity is None:
            raise ValueError(f"unknown activity '{self.activity}'")
        object.__setattr__(self, "availability", availability)
        object.__setattr__(self, "activity", activity)
        return self


class FixtureItemBody(_Strict):
    content: str
    contentType: str = "text"


class FixtureDateTimeTimeZone(_Strict):
    dateTime: str
    timeZone: str = "UTC"


class FixtureStatusMessage(_Strict):
    message: FixtureItemBody
    publishedDateTime: str | None = None
    expiryDateTime: FixtureDateTimeTimeZone | None = None


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
        return self.userPrincipalName or f"user-{self.id[:8]}@mockgraph.local"

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

    @model_validator(mode="after")
    def _unique(self) -> Fixtures:
        _no_duplicates("users", [u.id for u in self.users], "id")
        _no_duplicates("users", [u.upn.lower() for u in self.users], "userPrincipalName")
        _no_duplicates("apps", [a.appId for a in self.apps], "appId")
        return self

    def app(self, app_id: str) -> FixtureApp | None:
        return next((a for a in self.apps if a.appId == app_id.lower()), None)


def _no_duplicates(collection: str, values: list[str], key: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{collection}[{index}].{key} '{value}' appears twice")
        seen.add(value)


class FixtureError(Exception):
    """A fixture file that cannot be used; the message is one line naming file and JSON path."""


def json_path(loc: tuple[Any, ...]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_fixtures(raw: bytes | str, source: str) -> Fixtures:
    try:
        return Fixtures.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        loc = tuple(p for p in first["loc"] if p not in ("function-after", "model"))
        raise FixtureError(f"{source}: {json_path(loc)}: {message}") from None


def load_fixtures(path: Path) -> Fixtures:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read the fixture file: {exc.strerror}") from None
    return parse_fixtures(raw, str(path))
