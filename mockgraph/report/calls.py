"""The journal's entries as the report reads them: who called, which operation, and what
permission it needed, from the gateway's own registry and the permission matrix."""

from __future__ import annotations

from dataclasses import dataclass

from mockgraph.auth.permissions import (
    USER_FULL_READ,
    Access,
    Directory,
    directory_needs,
    presence_needs,
)
from mockgraph.gateway import Operation, Routes
from mockgraph.state.journal import Entry

PRESENCE, DIRECTORY, SUBSCRIPTIONS, OTHER = "presence", "directory", "subscriptions", "other"
# The presence operations Graph's presence limit (1,500 per 30 s per app per tenant) covers.
PRESENCE_ACCESS = frozenset({Access.READ, Access.BULK_READ, Access.WRITE, Access.LOCATION})
_BASIC_ONLY = frozenset({"User.ReadBasic.All"})


@dataclass(frozen=True, slots=True, order=True)
class Client:
    """A client as the report groups calls: the app, and the user of a delegated token."""

    app_id: str
    user_id: str | None

    @property
    def delegated(self) -> bool:
        return self.user_id is not None

    def as_json(self) -> dict[str, str | None]:
        kind = "delegated" if self.delegated else "application"
        return {"appId": self.app_id, "userId": self.user_id, "kind": kind}


@dataclass(frozen=True, slots=True)
class Call:
    """One journaled call with what the report knows of it."""

    entry: Entry
    client: Client
    operation: Operation | None  # None: an address mockgraph does not serve
    family: str
    # Any one of these would have let this client make the call; None when no permission
    # could (`possible` False) or none is checked (`possible` True).
    needs: frozenset[str] | None
    possible: bool = True


def directory_access(pattern: str) -> Directory | None:
    """What a directory operation reads, from its registered path (directory/routes.py)."""
    if "/photo" in pattern:
        return Directory.PHOTO
    if pattern.endswith("/memberOf"):
        return Directory.MEMBER_OF
    if pattern.startswith("/groups/{id}/members"):
        return Directory.MEMBERS
    if pattern == "/groups/{id}":
        return Directory.GROUP
    if pattern in ("/users", "/users/$count"):
        return Directory.USERS
    if pattern in ("/me", "/users/{id}"):
        return Directory.USER
    return None


def read_calls(entries: list[Entry], routes: Routes) -> list[Call]:
    """The calls made with a token (a call refused before its token was read has no client)."""
    calls = []
    for entry in entries:
        principal = entry.principal
        if principal is None:
            continue
        client = Client(principal.app_id or "", principal.user_id if principal.delegated else None)
        calls.append(_classify(entry, client, routes, principal.permissions))
    return calls


def _classify(entry: Entry, client: Client, routes: Routes, held: frozenset[str]) -> Call:
    match = routes.match(entry.path)
    operation = None
    if match is not None:
        operation = match.operations.get(entry.method) or match.operations.get("*")
    if operation is None:
        return Call(entry, client, None, OTHER, None)
    named = match.params.get("id", "").lower() if match is not None else ""
    own = operation.path.startswith("/me") or (
        client.user_id is not None and named == client.user_id
    )
    access = operation.access
    if access is not None:
        family = PRESENCE if access in PRESENCE_ACCESS else SUBSCRIPTIONS
        needs = presence_needs(access, client.delegated, own)
        return Call(entry, client, operation, family, needs, needs is not None)
    reads = directory_access(operation.path)
    if reads is None:
        return Call(entry, client, operation, OTHER, None)
    needs = directory_needs(reads, client.delegated, own)
    # User.ReadBasic.All would show this client other users' non-basic properties as null:
    # it covers the call only when the client saw no more than that.
    if needs is not None and reads in (Directory.USER, Directory.USERS) and held & USER_FULL_READ:
        needs = needs - _BASIC_ONLY
    return Call(entry, client, operation, DIRECTORY, needs, needs is not None)
