"""The user and group property catalogs: default sets, what $select may name, what is basic."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, Protocol

from mockgraph.domain.group import STORED as STORED_GROUP
from mockgraph.domain.group import Group
from mockgraph.domain.user import SCHEMA_EXTENSION, Profile, json_value


class DirectoryUser(Protocol):
    """What the directory reads of a user record."""

    @property
    def id(self) -> str: ...
    @property
    def user_principal_name(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def profile(self) -> Profile: ...


# v1.0's default set, in the order Graph writes it: ten alphabetically, then id
# (https://learn.microsoft.com/graph/api/user-get).
V1_DEFAULT: tuple[str, ...] = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
# beta returns every property the mock stores: id first, then alphabetically (docs/fidelity.md,
# 'Directory: users, photos, groups').
BETA_DEFAULT: tuple[str, ...] = (
    "id",
    "accountEnabled",
    "assignedLicenses",
    "businessPhones",
    "department",
    "displayName",
    "givenName",
    "identities",
    "jobTitle",
    "mail",
    "mailNickname",
    "mobilePhone",
    "officeLocation",
    "otherMails",
    "postalCode",
    "preferredLanguage",
    "proxyAddresses",
    "surname",
    "userPrincipalName",
)
# What User.ReadBasic.All reads of another user (the basic profile of
# https://learn.microsoft.com/graph/api/resources/users); everything else reads as null or [].
BASIC: frozenset[str] = frozenset(
    {"displayName", "givenName", "id", "mail", "securityIdentifier", "surname", "userPrincipalName"}
)
# Collection-valued properties: [] when unset or hidden, never null.
COLLECTIONS: frozenset[str] = frozenset(
    {
        "assignedLicenses",
        "assignedPlans",
        "businessPhones",
        "identities",
        "imAddresses",
        "infoCatalogs",
        "interests",
        "licenseAssignmentStates",
        "onPremisesProvisioningErrors",
        "otherMails",
        "pastProjects",
        "provisionedPlans",
        "proxyAddresses",
        "responsibilities",
        "schools",
        "serviceProvisioningErrors",
        "skills",
    }
)
# Served by SharePoint: selecting them on the /users collection is Graph's 501
# (https://learn.microsoft.com/graph/api/user-list).
SHAREPOINT: frozenset[str] = frozenset(
    {
        "aboutMe",
        "birthday",
        "hireDate",
        "interests",
        "mySite",
        "pastProjects",
        "preferredName",
        "responsibilities",
        "schools",
        "skills",
        "mailboxSettings",
    }
)
# The structural properties of microsoft.graph.user (v1.0 CSDL) that $select may name.
_OTHER_USER_PROPERTIES = (
    "ageGroup authorizationInfo city companyName consentProvidedForMinor country "
    "createdDateTime creationType customSecurityAttributes deletedDateTime employeeHireDate "
    "employeeId employeeLeaveDateTime employeeOrgData employeeType externalUserState "
    "externalUserStateChangeDateTime faxNumber isManagementRestricted isResourceAccount "
    "lastPasswordChangeDateTime legalAgeGroupClassification mailNickname "
    "onPremisesDistinguishedName onPremisesDomainName onPremisesExtensionAttributes "
    "onPremisesImmutableId onPremisesLastSyncDateTime onPremisesSamAccountName "
    "onPremisesSecurityIdentifier onPremisesSyncEnabled onPremisesUserPrincipalName "
    "passwordPolicies passwordProfile postalCode preferredDataLocation print "
    "securityIdentifier showInAddressList signInActivity signInSessionsValidFromDateTime "
    "state streetAddress usageLocation userType"
).split()
# beta's own (https://learn.microsoft.com/graph/api/resources/user?view=graph-rest-beta):
# v1.0 refuses them as it refuses any name its user lacks (docs/fidelity.md, 'Conformance: the
# documented examples (issue 20)', beta-only user properties on v1.0).
_BETA_USER_PROPERTIES = (
    "cloudRealtimeCommunicationInfo deviceEnrollmentLimit isLicenseReconciliationNeeded "
    "onPremisesSipInfo refreshTokensValidFromDateTime"
).split()
USER_BETA_PROPERTIES: dict[str, str] = {
    name.lower(): name
    for name in (
        *BETA_DEFAULT,
        *COLLECTIONS,
        *SHAREPOINT,
        *_OTHER_USER_PROPERTIES,
        *_BETA_USER_PROPERTIES,
    )
}
USER_PROPERTIES: dict[str, str] = {
    key: name for key, name in USER_BETA_PROPERTIES.items() if name not in _BETA_USER_PROPERTIES
}


def user_catalog(version: str) -> dict[str, str]:
    """What $select may name on a user in this version: lower-case -> Graph's spelling."""
    return USER_BETA_PROPERTIES if version == "beta" else USER_PROPERTIES


def is_schema_extension(name: str) -> bool:
    """Whether `name` has the form of a schema extension's id (it is no property of user)."""
    return name.lower() not in USER_BETA_PROPERTIES and SCHEMA_EXTENSION.fullmatch(name) is not None


_GETTERS: dict[str, Callable[[DirectoryUser], Any]] = {
    "id": lambda u: u.id,
    "userPrincipalName": lambda u: u.user_principal_name,
    "displayName": lambda u: u.display_name,
    "businessPhones": lambda u: list(u.profile.businessPhones),
    "proxyAddresses": lambda u: list(u.profile.proxyAddresses),
    "userType": lambda u: "Member",
    "identities": lambda u: json_value(u.profile.identities),
    "assignedLicenses": lambda u: json_value(u.profile.assignedLicenses),
}
# The profile's own properties read as they are stored.
_STORED = (
    "mail",
    "givenName",
    "surname",
    "jobTitle",
    "department",
    "officeLocation",
    "mobilePhone",
    "preferredLanguage",
    "accountEnabled",
    "mailNickname",
    "postalCode",
    "signInActivity",
    "customSecurityAttributes",
)
for _name in _STORED:
    _GETTERS[_name] = attrgetter(f"profile.{_name}")


def user_value(user: DirectoryUser, name: str, basic_only: bool) -> Any:
    """The value of property `name` (Graph's spelling); hidden or unset: null, or [] for lists."""
    return _getter(name, basic_only)(user)


def user_document(user: DirectoryUser, names: tuple[str, ...], basic_only: bool) -> dict[str, Any]:
    """The user with properties `names`, as `user_value` gives each."""
    return user_documents((user,), names, basic_only)[0]


def user_documents(
    users: Iterable[DirectoryUser], names: tuple[str, ...], basic_only: bool
) -> list[dict[str, Any]]:
    """Each user with properties `names`; a schema extension a user holds no value of is left
    out, as Graph leaves it out (https://learn.microsoft.com/graph/api/user-list, example 10).
    The choice of getters is made once per selection (a page of 999 users asks the same
    question 999 times)."""
    getters = _getters(names, basic_only)
    documents = [{name: getter(user) for name, getter in getters} for user in users]
    if _extended(names):
        return [{k: v for k, v in d.items() if v is not _ABSENT} for d in documents]
    return documents


_ABSENT = object()


@functools.lru_cache(maxsize=256)
def _getters(
    names: tuple[str, ...], basic_only: bool
) -> tuple[tuple[str, Callable[[DirectoryUser], Any]], ...]:
    return tuple((name, _getter(name, basic_only)) for name in names)


@functools.lru_cache(maxsize=256)
def _extended(names: tuple[str, ...]) -> bool:
    """Whether any of `names` is a schema extension."""
    return any(is_schema_extension(name) for name in names)


def _extension(name: str, basic_only: bool) -> Callable[[DirectoryUser], Any]:
    def read(user: DirectoryUser) -> Any:
        values = user.profile.schemaExtensions
        value = None if values is None or basic_only else values.get(name)
        if value is None:
            return _ABSENT
        return {"@odata.type": "#microsoft.graph.ComplexExtensionValue", **value}

    return read


# Chosen once per name and sight: a $filter scan reads the same few names of every user.
@functools.lru_cache(maxsize=1024)
def _getter(name: str, basic_only: bool) -> Callable[[DirectoryUser], Any]:
    if is_schema_extension(name):
        return _extension(name, basic_only)
    getter = _GETTERS.get(name)
    if getter is None or (basic_only and name not in BASIC):
        # Hidden or unset: null, or [] for a collection (a new one each time).
        return (lambda _user: []) if name in COLLECTIONS else (lambda _user: None)
    return getter


# GET /groups/{id}: the group default set, in the order of Graph's example
# (https://learn.microsoft.com/graph/api/group-get).
GROUP_DEFAULT: tuple[str, ...] = (
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
)
# beta's default set, in the order of its example
# (https://learn.microsoft.com/graph/api/group-get?view=graph-rest-beta).
GROUP_BETA_DEFAULT: tuple[str, ...] = (
    *GROUP_DEFAULT[:3],
    "createdDateTime",
    "createdByAppId",
    "organizationId",
    *GROUP_DEFAULT[4:8],
    "infoCatalogs",
    "isAssignableToRole",
    "isManagementRestricted",
    *GROUP_DEFAULT[9:27],
    "securityIdentifier",
    "serviceProvisioningErrors",
    "theme",
    "visibility",
    "writebackConfiguration",
    "onPremisesProvisioningErrors",
)
# The other structural properties of microsoft.graph.group that $select may name
# (https://learn.microsoft.com/graph/api/resources/group), and beta's own.
_OTHER_GROUP_PROPERTIES = (
    "allowExternalSenders assignedLabels assignedLicenses autoSubscribeNewMembers "
    "hasMembersWithLicenseErrors hideFromAddressLists hideFromOutlookClients isArchived "
    "isManagementRestricted isSubscribedByMail licenseProcessingState "
    "serviceProvisioningErrors uniqueName unseenCount"
).split()
_BETA_GROUP_PROPERTIES = (
    "accessType createdByAppId infoCatalogs isFavorite membershipRuleProcessingStatus "
    "organizationId writebackConfiguration"
).split()
GROUP_PROPERTIES: dict[str, str] = {
    name.lower(): name for name in (*GROUP_DEFAULT, *_OTHER_GROUP_PROPERTIES)
}
GROUP_BETA_PROPERTIES: dict[str, str] = {
    **GROUP_PROPERTIES,
    **{name.lower(): name for name in _BETA_GROUP_PROPERTIES},
}
_GROUP_COLLECTIONS = frozenset(
    {
        "assignedLabels",
        "assignedLicenses",
        "groupTypes",
        "infoCatalogs",
        "proxyAddresses",
        "resourceBehaviorOptions",
        "resourceProvisioningOptions",
        "onPremisesProvisioningErrors",
        "serviceProvisioningErrors",
    }
)
# Unset, by their type in Graph's schema: Boolean ones the service answers false, counts 0
# (the page's $select example), a complex value with its members null.
_GROUP_UNSET: dict[str, Any] = {
    "allowExternalSenders": False,
    "autoSubscribeNewMembers": False,
    "hideFromAddressLists": False,
    "hideFromOutlookClients": False,
    "isSubscribedByMail": False,
    "unseenCount": 0,
}


def group_value(group: Group, name: str, readable: bool) -> Any:
    """A group property; a group the caller may not read shows only its id.

    "Limited information returned for inaccessible member objects" in
    https://learn.microsoft.com/graph/permissions-overview.
    """
    if name == "id":
        return group.id
    if not readable:
        return [] if name in _GROUP_COLLECTIONS else None
    if name in _GROUP_READERS:
        return _GROUP_READERS[name](group)
    if name == "writebackConfiguration":
        return {"isEnabled": None, "onPremisesGroupType": None}
    if name in _GROUP_UNSET:
        return _GROUP_UNSET[name]
    return [] if name in _GROUP_COLLECTIONS else None


_GROUP_READERS: dict[str, Callable[[Group], Any]] = {
    "displayName": lambda g: g.displayName,
    "description": lambda g: g.description,
    "mail": lambda g: g.mail,
    "mailEnabled": lambda g: g.mail is not None,
    "securityEnabled": lambda g: True,
    "mailNickname": lambda g: g.mail.split("@", 1)[0] if g.mail else None,
    "proxyAddresses": lambda g: [f"SMTP:{g.mail}"] if g.mail else [],
    "visibility": lambda g: "Private",
    **{name: attrgetter(name) for name in STORED_GROUP},
}
