"""A user's directory profile: the properties Graph's user resource carries besides presence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    """The optional profile fields of a fixture user; unset strings are None, lists empty.

    `photo` is the absolute path of the user's JPEG (None: the user has no photo).
    """

    mail: str | None = None
    given_name: str | None = None
    surname: str | None = None
    job_title: str | None = None
    department: str | None = None
    office_location: str | None = None
    business_phones: tuple[str, ...] = ()
    mobile_phone: str | None = None
    preferred_language: str | None = None
    account_enabled: bool = True
    proxy_addresses: tuple[str, ...] = ()
    photo: str | None = None


EMPTY_PROFILE = Profile()

# Graph's property name of each Profile field (the photo is a navigation, not a property).
GRAPH_NAMES: dict[str, str] = {
    "mail": "mail",
    "given_name": "givenName",
    "surname": "surname",
    "job_title": "jobTitle",
    "department": "department",
    "office_location": "officeLocation",
    "business_phones": "businessPhones",
    "mobile_phone": "mobilePhone",
    "preferred_language": "preferredLanguage",
    "account_enabled": "accountEnabled",
    "proxy_addresses": "proxyAddresses",
}


@dataclass(frozen=True, slots=True)
class Group:
    """A group of the directory; `members` holds user and group ids, in the fixture's order."""

    id: str
    display_name: str
    description: str | None = None
    mail: str | None = None
    members: tuple[str, ...] = ()
