"""The user record: who a user is, declared once in Graph's names.

Every other view of a user derives from `Profile`: the seed file's and the control plane's
user (fixtures.FixtureUser adds the presence to seed), the state file's user (snapshot), the
stored state (domain.presence.UserState holds the profile) and the export. Adding a property
is one line here; its type and validator come with it.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from typing import Annotated, Any

from pydantic import AfterValidator, StrictBool, StrictStr

from mockgraph.domain.guid import guid_value

Guid = Annotated[StrictStr, AfterValidator(guid_value)]
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[str | int, ...]:
    """The order a person expects names in: "Person 2" before "Person 10", case ignored.

    Text and numbers alternate in the key (text first), so two keys always compare.
    """
    parts = _DIGITS.split(name.casefold())
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


@dataclasses.dataclass(frozen=True, slots=True)
class ObjectIdentity:
    """One of a user's sign-in identities
    (https://learn.microsoft.com/graph/api/resources/objectidentity)."""

    signInType: StrictStr
    issuer: StrictStr
    issuerAssignedId: StrictStr | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AssignedLicense:
    """A license assigned to a user
    (https://learn.microsoft.com/graph/api/resources/assignedlicense)."""

    skuId: Guid
    disabledPlans: tuple[Guid, ...] = ()


# A schema extension's id: a prefix (ext and 8 characters, or a verified domain's name), '_',
# and the extension's name (https://learn.microsoft.com/graph/extensibility-schema-groups).
SCHEMA_EXTENSION = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}_[A-Za-z][A-Za-z0-9]*")


def _schema_extensions(value: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]] | None:
    for name in value or {}:
        if SCHEMA_EXTENSION.fullmatch(name) is None:
            raise ValueError(f"'{name}' is not a schema extension's id (prefix_name)")
    return value


SchemaExtensions = Annotated[
    dict[StrictStr, dict[StrictStr, Any]] | None, AfterValidator(_schema_extensions)
]


@dataclasses.dataclass(frozen=True, slots=True)
class Profile:
    """A directory user, as the seed file writes one; immutable, shared by every tenant."""

    id: Guid
    userPrincipalName: StrictStr | None = None  # <id>@mockgraph.local when left out
    displayName: StrictStr | None = None  # the UPN's local part when left out
    password: StrictStr | None = None  # for the sign-in page and ROPC; never shown by Graph
    # The directory profile (https://learn.microsoft.com/graph/api/user-get), null or empty
    # when not given.
    mail: StrictStr | None = None
    givenName: StrictStr | None = None
    surname: StrictStr | None = None
    jobTitle: StrictStr | None = None
    department: StrictStr | None = None
    officeLocation: StrictStr | None = None
    businessPhones: tuple[StrictStr, ...] = ()
    mobilePhone: StrictStr | None = None
    preferredLanguage: StrictStr | None = None
    accountEnabled: StrictBool = True
    proxyAddresses: tuple[StrictStr, ...] = ()
    # A JPEG: relative to the seed file there, absolute once loaded. None: no photo.
    photo: StrictStr | None = None
    # The roleTemplateIds of the directory roles the user holds (Global Administrator:
    # 62e90394-69f5-4237-9190-012177145e10); only tokens show them, in `wids`
    # (docs/fidelity.md, 'Token shape').
    directoryRoles: tuple[Guid, ...] = ()
    # Read back as given, never interpreted (docs/fidelity.md, 'Conformance: the documented
    # examples (issue 20)', properties stored as given); $filter reads some of them.
    mailNickname: StrictStr | None = None
    postalCode: StrictStr | None = None
    identities: tuple[ObjectIdentity, ...] = ()
    assignedLicenses: tuple[AssignedLicense, ...] = ()
    signInActivity: dict[StrictStr, Any] | None = None
    customSecurityAttributes: dict[StrictStr, Any] | None = None
    # Schema extensions' values by extension id, each an object of its properties; an id any
    # user of the tenant holds is registered there (selectable on every user).
    schemaExtensions: SchemaExtensions = None

    @property
    def upn(self) -> str:
        return self.userPrincipalName or f"{self.id}@mockgraph.local"

    @property
    def name(self) -> str:
        return self.displayName or self.upn.split("@", 1)[0]


PROFILE_FIELDS = tuple(f.name for f in dataclasses.fields(Profile))
# All of a record's profile values in one C call (100,000 seed users are copied at start).
_VALUES = operator.attrgetter(*PROFILE_FIELDS)
_UPN, _NAME = PROFILE_FIELDS.index("userPrincipalName"), PROFILE_FIELDS.index("displayName")


def profile_of(record: Profile) -> Profile:
    """The plain Profile inside a validated record that extends it (a fixture's user), with the
    defaults written out."""
    values = list(_VALUES(record))
    values[_UPN], values[_NAME] = record.upn, record.name
    return Profile(*values)


def profile_json(profile: Profile) -> dict[str, Any]:
    """The profile's properties as JSON, in declaration order (the export's user)."""
    return {name: json_value(getattr(profile, name)) for name in PROFILE_FIELDS}


def json_value(value: Any) -> Any:
    """A profile value as JSON: tuples as lists, the value types as objects."""
    if isinstance(value, tuple):
        return [json_value(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value
