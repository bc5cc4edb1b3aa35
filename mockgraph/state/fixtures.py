"""The seed file: its format, its defaults, and one clear line for each mistake in it."""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass

from mockgraph import jsontext
from mockgraph.domain.group import Group
from mockgraph.domain.guid import guid_value
from mockgraph.domain.times import (
    LocalDateTime,
    format_offset_datetime,
    parse_date_time_time_zone,
    parse_offset_datetime,
)
from mockgraph.domain.user import Profile, profile_of
from mockgraph.domain.values import known_activity, known_availability
from mockgraph.errors import GraphError
from mockgraph.jsontext import NotUnicode
from mockgraph.state import images
from mockgraph.state.certificates import AppCertificate, load_certificates
from mockgraph.state.models import FixtureApp as FixtureApp
from mockgraph.state.models import FixtureSubscription
from mockgraph.state.models import StrictModel as StrictModel

DEFAULT_TENANT_ID = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"


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


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class FixtureUser(Profile):
    """A user of the seed file (and of POST /_mockgraph/users): the profile, and the presence
    it starts with."""

    presence: FixturePresence | None = None
    statusMessage: FixtureStatusMessage | None = None
    outOfOfficeSettings: FixtureOutOfOffice = FixtureOutOfOffice()


_FIXTURE_USER = TypeAdapter(FixtureUser)


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class FixtureGroup(Group):
    """A group of the seed file: its members are ids of the file's users and groups."""


_FIXTURE_GROUP = TypeAdapter(FixtureGroup)


@dataclass(frozen=True, slots=True)
class SeedStatus:
    content: str
    content_type: str
    published: str | None  # Edm.DateTimeOffset as Graph writes it; None: when seeded
    expiry: LocalDateTime | None


@dataclass(frozen=True, slots=True)
class SeedUser:
    """A fixture user, validated and kept small: 100,000 of them must fit in little memory."""

    profile: Profile
    presence: tuple[str, str] | None
    status: SeedStatus | None
    out_of_office: tuple[bool, str | None]

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def user_principal_name(self) -> str:
        return self.profile.upn


_NO_OUT_OF_OFFICE: tuple[bool, str | None] = (False, None)


@functools.lru_cache(maxsize=1024)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def with_photo(profile: Profile, base: Path | None) -> Profile:
    """The profile with its photo's path made absolute (relative to `base`), and checked.

    ValueError names a file that is not there.
    """
    if profile.photo is None:
        return profile
    given = os.path.join(base or Path.cwd(), profile.photo)
    # One real path however the seed file was reached (fixtures/default.json is a link).
    folder, name = os.path.split(os.path.abspath(given))
    path = os.path.join(_real_folder(folder), name)
    if not os.path.isfile(path):
        raise ValueError(f"no such file '{path}'")
    return dataclasses.replace(profile, photo=path)


def seed_of(user: FixtureUser, base: Path | None = None) -> SeedUser:
    """The compact seed of a validated fixture user; `base`: the folder of its photo."""
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
        profile=with_photo(profile_of(user), base),
        presence=None
        if user.presence is None
        else (user.presence.availability, user.presence.activity),
        status=status,
        out_of_office=_NO_OUT_OF_OFFICE
        if not ooo.isOutOfOffice and ooo.message is None
        else (ooo.isOutOfOffice, ooo.message),
    )


class _Document(BaseModel):
    """The fixture file; its users are validated one at a time (see parse_fixtures)."""

    model_config = StrictModel.model_config

    tenantId: str = DEFAULT_TENANT_ID
    users: list[dict[str, Any]] = []
    apps: list[FixtureApp] = []
    groups: list[dict[str, Any]] = []
    # The tenant's verified domains; by default the domains of its users' UPNs.
    domains: list[str] | None = None
    # The tenant's Azure subscriptions, for Azure Resource Manager's list (docs/fidelity.md,
    # 'Azure Resource Manager (for the Azure CLI)').
    subscriptions: list[FixtureSubscription] = []

    _check_tenant = field_validator("tenantId")(guid_value)


@dataclass(frozen=True)
class Fixtures:
    """The seed data: the fixtures' tenant, its users and the apps that may ask for tokens."""

    tenant_id: str = DEFAULT_TENANT_ID
    users: tuple[SeedUser, ...] = ()
    apps: tuple[FixtureApp, ...] = ()
    groups: tuple[Group, ...] = ()
    # Each app's registered certificates, by appId.
    certificates: Mapping[str, tuple[AppCertificate, ...]] = field(default_factory=dict)
    domains: tuple[str, ...] | None = None
    subscriptions: tuple[FixtureSubscription, ...] = ()

    @cached_property
    def verified_domains(self) -> frozenset[str]:
        """The domains that name the tenant in Entra's URLs, lower case."""
        given = self.domains or (u.user_principal_name.rsplit("@", 1)[-1] for u in self.users)
        return frozenset(d.lower() for d in given)

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
    holds 100,000 pydantic models at once. `base` is the folder photo and certificate paths
    are relative to.
    """
    with paused_gc():
        try:
            data = jsontext.loads(
                raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
            )
        except NotUnicode as exc:
            raise FixtureError(f"{source}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise FixtureError(
                f"{source}: $: Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except UnicodeDecodeError:
            raise FixtureError(f"{source}: $: Invalid JSON: not UTF-8 text") from None
        except ValueError as exc:  # TooDeep, or an integer of more than 4,300 digits
            raise FixtureError(f"{source}: $: Invalid JSON: {exc}") from None
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
        user = _validated(_FIXTURE_USER, users[index], source, at)
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
    _no_duplicates(source, "subscriptions", [s.id for s in document.subscriptions], "id")
    groups = tuple(
        _validated(_FIXTURE_GROUP, given, source, ("groups", index))
        for index, given in enumerate(document.groups)
    )
    checked_groups(groups, {u.id for u in seeds}, source)
    certificates = {}
    for index, app in enumerate(document.apps):
        try:
            certificates[app.appId] = load_certificates(app.certificates, base)
        except ValueError as exc:
            where = json_path(("apps", index, "certificates"))
            raise FixtureError(f"{source}: {where}{exc}") from None
    domains = None if document.domains is None else tuple(document.domains)
    return Fixtures(
        document.tenantId,
        tuple(seeds),
        tuple(document.apps),
        groups,
        certificates,
        domains,
        tuple(document.subscriptions),
    )


def checked_groups(groups: tuple[Group, ...], user_ids: set[str], source: str) -> None:
    """Group ids unique; every member a user or a group of the same file."""
    _no_duplicates(source, "groups", [g.id for g in groups], "id")
    known = user_ids | {g.id for g in groups}
    for index, group in enumerate(groups):
        for position, member in enumerate(group.members):
            if member not in known:
                raise FixtureError(
                    f"{source}: $.groups[{index}].members[{position}]: '{member}' is not the "
                    "id of a user or group of this file"
                )


M = TypeVar("M")


def _validated(model: type[M] | TypeAdapter[M], data: Any, source: str, at: tuple[Any, ...]) -> M:
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        kind = first["type"]
        if kind in ("extra_forbidden", "unexpected_keyword_argument"):
            message = "unknown key (docs/fixtures.md lists the keys of the fixture format)"
        elif kind in ("model_type", "dict_type", "dataclass_type"):
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
    fixtures = parse_fixtures(raw, str(path), path.parent)
    if why := images.first_refused(user.profile.photo for user in fixtures.users):
        raise FixtureError(f"{path}: {why}")
    return fixtures
