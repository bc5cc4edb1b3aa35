"""Graph's GUID: the shape of every object id (users, apps, tenants), checked one way."""

from __future__ import annotations

import re

from mockgraph.errors import BadRequest

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EXAMPLE = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"


def is_guid(value: str) -> bool:
    return GUID.match(value) is not None


def guid_error(where: str, value: str, kind: str = "a GUID") -> str:
    """The one message for a value that should be a GUID and is not."""
    if kind == "a GUID":
        return f"{where} '{value}' is not a GUID such as {EXAMPLE}."
    return f"{where} '{value}' is not {kind} (a GUID such as {EXAMPLE})."


def checked_guid(value: str, where: str, kind: str = "a GUID") -> str:
    """The GUID in lower case, or Graph's 400 naming where the value came from."""
    if not is_guid(value):
        raise BadRequest(guid_error(where, value, kind))
    return value.lower()


def guid_value(value: str) -> str:
    """For seed and state files (pydantic validators): the GUID in lower case, or ValueError."""
    if not is_guid(value):
        raise ValueError(f"'{value}' is not a GUID such as {EXAMPLE}")
    return value.lower()
