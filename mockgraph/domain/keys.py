"""How a client names a user: every OData key form Graph accepts, read one way everywhere.

Graph takes `/users/{id}`, `/users/{userPrincipalName}` (`@` raw or `%40`, `#` as `%23`),
`/users('{id or upn}')` and the alternate key `/users(userPrincipalName='{upn}')`; inside
quotes an apostrophe is doubled. The gateway routes `users(…)` as `users/(…)` (and so
`groups(…)`, `subscriptions(…)`, `presences(…)`), so a key that reaches a handler in
parentheses was written in one of the last two forms. Presence takes the object id only
(docs/fidelity.md, "Requests and addresses").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from mockgraph.domain.guid import is_guid
from mockgraph.errors import GraphError

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_NAMED = re.compile(r"^(?P<name>[A-Za-z]+)\s*=\s*(?P<literal>'.*')$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class UserKey:
    """A user as the client named it: `text` as received; `by` is id, upn or either."""

    text: str
    by: str

    @property
    def guid(self) -> str | None:
        """The object id this key names directly, if it is one (lower case)."""
        if self.by != "upn" and is_guid(self.text):
            return self.text.lower()
        return None

    @property
    def upn(self) -> str | None:
        """The userPrincipalName this key names (lower case), if it is not an object id."""
        return self.text.lower() if self.by == "upn" or not is_guid(self.text) else None


def bad_request() -> GraphError:
    """Graph's answer to a key it cannot read (a stray %, a broken literal)."""
    return GraphError(
        "Bad request. Please fix the request before retrying.", code="Request_BadRequest"
    )


def segment_not_found(segment: str) -> GraphError:
    """Graph's routing 400 for a segment it does not know (e.g. /users/$x, /photo/48x48)."""
    return GraphError(f"Resource not found for the segment '{segment}'.")


def _literal(text: str) -> str | None:
    """The value of an OData string literal ('…', '' for '), or None if malformed."""
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        return None
    inner = text[1:-1]
    if inner.replace("''", "").count("'"):
        return None
    return inner.replace("''", "'")


def parse_user_key(param: str, raw_path: str | None = None) -> UserKey:
    """The user key of a routed `{id}` segment; Graph's 400 for one it cannot read.

    `raw_path` is the path as sent (still escaped), where a stray `%` is still visible.
    """
    if raw_path is not None:
        if _BAD_ESCAPE.search(raw_path):
            raise bad_request()
        try:
            unquote(raw_path, errors="strict")
        except UnicodeDecodeError:
            raise bad_request() from None
    if param.startswith("(") and param.endswith(")"):
        inside = param[1:-1].strip()
        named = _NAMED.match(inside)
        if named is not None:
            value = _literal(named.group("literal"))
            name = named.group("name").lower()
            if value is None or name not in ("userprincipalname", "id"):
                raise bad_request()
            return UserKey(value, "upn" if name == "userprincipalname" else "id")
        value = _literal(inside)
        if value is None:
            raise bad_request()
        return UserKey(value, "either")
    if param.startswith("$"):
        raise segment_not_found(param)
    return UserKey(param, "either")
