"""The seed file: its format, its defaults, and one clear line for each mistake in it."""

from __future__ import annotations

import gc
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from mockgraph.domain.profile import EMPTY_PROFILE, Group, Profile
from mockgraph.domain.times import (
    LocalDateTime,
    format_offset_datetime,
    parse_date_time_time_zone,
    parse_offset_datetime,
)
from mockgraph.domain.values import known_activity, known_availability
from mockgraph.errors import GraphError

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEFAULT_TENANT_ID = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"


def _guid(value: str) -> str:
    if not GUID.match(value):
        raise ValueError(f"'{value}' is not a GUID such as fa8bf3dc-eca7-46b7-bad1-db199b62afc3")
    return value.lower()


class StrictModel(BaseModel):
    """Seed and state files: unknown keys refused, types exact."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FixturePresence(StrictModel):
    """The state of the user's signed-in Teams client: a session that never expires or fades."""

    availability: str
    activity: str

    _check_availability = field_validator("availability")(known_availability)
    _check_activity = field_validator("activity")(known_activity)


class FixtureItemBody(StrictModel):
    content: str
    contentType: str = "text"

    @field_validator("contentType")
    @classmethod
    def _text(cls, value: str) -> str:
        if value.lower() != "text":
            raise ValueError("the only supported contentType is 'text'")
        return "text"


class FixtureDateTimeTimeZone(StrictModel):
    dateTime: str
    timeZone: str = "UTC"

    @model_validator(mode="after")
    def _parses(self) -> FixtureDateTimeTimeZone:
        _as_value_error(
            lambda: parse_date_time_time_zone(self.dateTime, self.timeZone, "expiryDateTime")
        )
        return self


class FixtureStatusMessage(StrictModel):
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


class FixtureOutOfOffice(StrictModel):
    isOutOfOffice: bool = False
    message: str | None = None


class FixtureProfile(StrictModel):
    """The directory profile (README: "Fixture format"); photo: a JPEG relative to the file."""

    mail: str | None = None
    givenName: str | None = None
    surname: str | None = None
    jobTitle: str | None = None
    department: str | None = None
    officeLocation: str | None = None
    businessPhones: list[str] = []
    mobilePhone: str | None = None
    preferredLanguage: str | None = None
    accountEnabled: bool = True
    proxyAddresses: list[str] = []
    photo: str | None = None


_PROFILE_FIELDS = frozenset(FixtureProfile.model_fields)


class FixtureUser(FixtureProfile):
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


class FixtureGroup(StrictModel):
    id: str
    displayName: str
    description: str | None = None
    mail: str | None = None
    members: list[str] = []

    _check_id = field_validator("id")(_guid)

    @field_validator("members")
    @classmethod
    def _member_ids(cls, value: list[str]) -> list[str]:
        return [_guid(member) for member in value]


class FixtureApp(StrictModel):
    appId: str
    displayName: str | None = None
    clientSecret: str | None = None
    applicationPermissions: list[str] = []
    delegatedPermissions: list[str] = []
    redirectUris: list[str] = []
    isPublicClient: bool = False

    _check_id = field_validator("appId")(_guid)


@dataclass(frozen=True, slots=True)
class SeedStatus:
    content: str
    content_type: str
    published: str | None  # Edm.DateTimeOffset as Graph writes it; None: when seeded
    expiry: LocalDateTime | None


@dataclass(frozen=True, slots=True)
class SeedUser:
    """A fixture user, validated and kept small: 100,000 of them must fit in little memory."""

    id: str
    user_principal_name: str
    display_name: str
    password: str | None
    presence: tuple[str, str] | None
    status: SeedStatus | None
    out_of_office: tuple[bool, str | None]
    profile: Profile = EMPTY_PROFILE


_NO_OUT_OF_OFFICE: tuple[bool, str | None] = (False, None)


def profile_of(user: FixtureProfile, base: Path | None) -> Profile:
    """The directory profile of a fixture user; the photo path made absolute, and checked."""
    photo = None
    if user.photo is not None:
        photo = os.path.abspath(os.path.join(base or Path.cwd(), user.photo))
        if not os.path.isfile(photo):
            raise ValueError(f"no such file '{photo}'")
    if photo is None and user.mail is None and user.givenName is None and user.surname is None:
        if user.model_fields_set.isdisjoint(_PROFILE_FIELDS):
            return EMPTY_PROFILE
    return Profile(
        mail=user.mail,
        given_name=user.givenName,
        surname=user.surname,
        job_title=user.jobTitle,
        department=user.department,
        office_location=user.officeLocation,
        business_phones=tuple(user.businessPhones),
        mobile_phone=user.mobilePhone,
        preferred_language=user.preferredLanguage,
        account_enabled=user.accountEnabled,
        proxy_addresses=tuple(user.proxyAddresses),
        photo=photo,
    )


def profile_document(profile: Profile) -> dict[str, Any]:
    """A profile in the fixture format (photo as an absolute path): the inverse of profile_of."""
    return {
        "mail": profile.mail,
        "givenName": profile.given_name,
        "surname": profile.surname,
        "jobTitle": profile.job_title,
        "department": profile.department,
        "officeLocation": profile.office_location,
        "businessPhones": list(profile.business_phones),
        "mobilePhone": profile.mobile_phone,
        "preferredLanguage": profile.preferred_language,
        "accountEnabled": profile.account_enabled,
        "proxyAddresses": list(profile.proxy_addresses),
        "photo": profile.photo,
    }


def group_document(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "displayName": group.display_name,
        "description": group.description,
        "mail": group.mail,
        "members": list(group.members),
    }


def seed_of(user: FixtureUser, base: Path | None = None) -> SeedUser:
    """The compact seed of a validated fixture user; `base`: the folder photos are read from."""
    status = None
    if user.statusMessage is not None:
        given = user.statusMessage
        expiry = given.expiryDateTime
        status = SeedStatus(
            given.message.content,
            "text",
            None
            if given.publishedDateTime is None
            else format_offset_datetime(
                parse_offset_datetime(given.publishedDateTime, "publishedDateTime")
            ),
            None
            if expiry is None
            else parse_date_time_time_zone(expiry.dateTime, expiry.timeZone, "expiryDateTime"),
        )
    ooo = user.outOfOfficeSettings
    return SeedUser(
        id=user.id,
        user_principal_name=user.upn,
        display_name=user.name,
        password=user.password,
        presence=None
        if user.presence is None
        else (user.presence.availability, user.presence.activity),
        status=status,
        out_of_office=_NO_OUT_OF_OFFICE
        if not ooo.isOutOfOffice and ooo.message is None
        else (ooo.isOutOfOffice, ooo.message),
        profile=profile_of(user, base),
    )


class _Document(StrictModel):
    """The fixture file; its users are validated one at a time (see parse_fixtures)."""

    tenantId: str = DEFAULT_TENANT_ID
    users: list[dict[str, Any]] = []
    apps: list[FixtureApp] = []
    groups: list[FixtureGroup] = []

    _check_tenant = field_validator("tenantId")(_guid)


@dataclass(frozen=True)
class Fixtures:
    """The seed data: the fixtures' tenant, its users and the apps that may ask for tokens."""

    tenant_id: str = DEFAULT_TENANT_ID
    users: tuple[SeedUser, ...] = ()
    apps: tuple[FixtureApp, ...] = ()
    groups: tuple[Group, ...] = ()

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


def parse_fixtures(raw: bytes | str, source: str, base: Path | None = None) -> Fixtures:
    """Validated fixtures, or FixtureError naming `source` and the JSON path of the problem.

    Users are validated one by one into compact seeds, so that a file of 100,000 users never
    holds 100,000 pydantic models at once.
    """
    with paused_gc():
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise FixtureError(
                f"{source}: $: Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except UnicodeDecodeError:
            raise FixtureError(f"{source}: $: Invalid JSON: not UTF-8 text") from None
        return _parse(data, source, base)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collection while many long-lived objects are made (100,000 users' seeds and
    state): its passes over them would only cost time, a third of such a start-up."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _parse(data: Any, source: str, base: Path | None) -> Fixtures:
    document = _validated(_Document, data, source, ())
    users = document.users
    seeds = []
    for index in range(len(users)):
        at = ("users", index)
        user = _validated(FixtureUser, users[index], source, at)
        try:
            seeds.append(seed_of(user, base))
        except ValueError as exc:
            raise FixtureError(f"{source}: {json_path((*at, 'photo'))}: {exc}") from None
        users[index] = {}  # let the parsed JSON go as soon as it is read
    _no_duplicates(source, "users", [u.id for u in seeds], "id")
    _no_duplicates(
        source, "users", [u.user_principal_name.lower() for u in seeds], "userPrincipalName"
    )
    _no_duplicates(source, "apps", [a.appId for a in document.apps], "appId")
    groups = groups_of(document.groups, {u.id for u in seeds}, source)
    return Fixtures(document.tenantId, tuple(seeds), tuple(document.apps), groups)


def groups_of(given: list[FixtureGroup], user_ids: set[str], source: str) -> tuple[Group, ...]:
    """The fixture's groups; every member must be a user or group of the same file."""
    _no_duplicates(source, "groups", [g.id for g in given], "id")
    known = user_ids | {g.id for g in given}
    for index, group in enumerate(given):
        for position, member in enumerate(group.members):
            if member not in known:
                raise FixtureError(
                    f"{source}: $.groups[{index}].members[{position}]: '{member}' is not the "
                    "id of a user or group of this file"
                )
    return tuple(Group(g.id, g.displayName, g.description, g.mail, tuple(g.members)) for g in given)


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], data: Any, source: str, at: tuple[Any, ...]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        kind = first["type"]
        if kind == "extra_forbidden":
            message = "unknown key (the README lists the keys of the fixture format)"
        elif kind in ("model_type", "dict_type"):
            message = "must be a JSON object"
        elif kind == "list_type":
            message = "must be a JSON array"
        loc = at + tuple(p for p in first["loc"] if p not in ("function-after", "model"))
        raise FixtureError(f"{source}: {json_path(loc)}: {message}") from None


def load_fixtures(path: Path) -> Fixtures:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read the fixture file: {exc.strerror}") from None
    return parse_fixtures(raw, str(path), path.parent)
