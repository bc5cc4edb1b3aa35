"""Directory addresses: /me, /users/{key} in every OData key form Graph takes, /groups/{id}.

Graph accepts a user as `/users/{id}`, `/users/{userPrincipalName}` (`@` raw or `%40`, `#`
as `%23`), `/users('{id or upn}')` and the alternate key `/users(userPrincipalName='{upn}')`;
inside quotes an apostrophe is doubled. Segments are read from the raw (still escaped) path,
so that an escaped `/` or `#` stays inside the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from mockgraph.directory.exceptions import RequestBadRequest
from mockgraph.errors import GraphError

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PARENS = re.compile(r"^(?P<set>[A-Za-z]+)\((?P<inside>.*)\)$", re.DOTALL)
_NAMED = re.compile(r"^(?P<name>[A-Za-z]+)\s*=\s*(?P<literal>'.*')$", re.DOTALL)
VERSIONS = ("v1.0", "beta")


@dataclass(frozen=True, slots=True)
class UserKey:
    """A user as the client named it: `text` as received; `by` is id, upn or either."""

    text: str
    by: str

    def echo(self) -> str:
        """The key as Graph's 404 message writes it."""
        return self.text


@dataclass(frozen=True, slots=True)
class Address:
    """A directory address: `root` is me, users or groups; `key` the user or group named."""

    version: str
    root: str
    key: UserKey | None
    tail: tuple[str, ...]  # the segments after the entity, lower-cased


def bad_request() -> GraphError:
    return RequestBadRequest("Bad request. Please fix the request before retrying.")


def segment_not_found(segment: str) -> GraphError:
    return GraphError(f"Resource not found for the segment '{segment}'.")


def _decode(segment: str) -> str:
    if _BAD_ESCAPE.search(segment):
        raise bad_request()
    try:
        return unquote(segment, errors="strict")
    except UnicodeDecodeError:
        raise bad_request() from None


def _literal(text: str) -> str | None:
    """The value of an OData string literal ('…' with '' for '), or None if malformed."""
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        return None
    inner = text[1:-1]
    if re.search(r"(?<!')'(?!')", inner.replace("''", "")):
        return None
    if inner.replace("''", "").count("'"):
        return None
    return inner.replace("''", "'")


def _key_in_parens(inside: str) -> UserKey:
    named = _NAMED.match(inside.strip())
    if named is not None:
        value = _literal(named.group("literal"))
        name = named.group("name").lower()
        if value is None or name not in ("userprincipalname", "id"):
            raise bad_request()
        return UserKey(value, "upn" if name == "userprincipalname" else "id")
    value = _literal(inside.strip())
    if value is None:
        raise bad_request()
    return UserKey(value, "either")


def parse_address(raw_path: str) -> Address | None:
    """The directory address of a Graph path, or None when it is not a directory path."""
    parts = raw_path.split("/")
    if len(parts) < 3 or parts[1] not in VERSIONS:
        return None
    version, rest = parts[1], [p for p in parts[2:]]
    if rest and rest[-1] == "":
        rest.pop()
    if not rest:
        return None
    first = _decode(rest[0])
    low = first.lower()
    if low == "me":
        return Address(version, "me", None, _tail(rest[1:]))
    parens = _PARENS.match(first)
    if parens is not None and parens.group("set").lower() in ("users", "groups"):
        root = parens.group("set").lower()
        return Address(version, root, _key_in_parens(parens.group("inside")), _tail(rest[1:]))
    if low not in ("users", "groups"):
        return None
    if len(rest) == 1:
        return Address(version, low, None, ())
    segment = _decode(rest[1])
    if segment.startswith("$"):
        if segment.lower() == "$count" and len(rest) == 2:
            return Address(version, low, None, ("$count",))
        raise segment_not_found(segment)
    return Address(version, low, UserKey(segment, "either"), _tail(rest[2:]))


def _tail(segments: list[str]) -> tuple[str, ...]:
    return tuple(_decode(s).lower() for s in segments)


def is_guid(text: str) -> bool:
    return GUID.match(text) is not None
