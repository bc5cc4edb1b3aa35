"""A tenant's users as the directory reads them: in order, and by id, mail and UPN."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property

from mockgraph.directory.properties import DirectoryUser


class UserIndex:
    """Lookups for eq filters and keys, and sorted views for $orderby; built once per change."""

    def __init__(self, users: Mapping[str, DirectoryUser]) -> None:
        self.by_id = users
        self.ordered: Sequence[DirectoryUser] = list(users.values())
        self.by_upn: dict[str, DirectoryUser] = {}
        # A mail names one user, or (rarely) several: those are listed apart, so that a
        # tenant of 100,000 users does not hold 100,000 one-user lists for the collector to
        # walk (a full collection went from under 1 ms to 20 ms).
        self.by_mail: dict[str, DirectoryUser] = {}
        self.shared_mail: dict[str, list[DirectoryUser]] = {}
        for user in self.ordered:
            self.by_upn[user.user_principal_name.lower()] = user
            mail = user.profile.mail
            if mail is None:
                continue
            key = mail.lower()
            first = self.by_mail.setdefault(key, user)
            if first is not user:
                self.shared_mail.setdefault(key, [first]).append(user)
        self._sorted: dict[tuple[str, bool], list[DirectoryUser]] = {}
        self._positions: dict[str, int] | None = None  # id -> place in `ordered`, on demand

    @cached_property
    def schema_extensions(self) -> dict[str, str]:
        """The schema extensions registered in the tenant: those any of its users holds a
        value of (lower-case -> the id as written); worked out on the first $select of one."""
        found: dict[str, str] = {}
        for user in self.ordered:
            for name in user.profile.schemaExtensions or ():
                found.setdefault(name.lower(), name)
        return found

    def find(self, prop: str, value: str) -> list[DirectoryUser]:
        """The users whose id, userPrincipalName or mail (`prop`) is `value` (lower case)."""
        if prop == "id":
            user = self.by_id.get(value)
        elif prop == "userPrincipalName":
            user = self.by_upn.get(value)
        else:
            shared = self.shared_mail.get(value)
            if shared is not None:
                return shared
            user = self.by_mail.get(value)
        return [user] if user is not None else []

    def in_order(self, users: Iterable[DirectoryUser]) -> list[DirectoryUser]:
        """`users` in the directory's order (an `in` list's matches come back in that order,
        not the list's), without walking the whole directory for each query."""
        if self._positions is None:
            self._positions = {user.id: place for place, user in enumerate(self.ordered)}
        positions = self._positions
        return sorted(users, key=lambda user: positions[user.id])

    def sorted_by(self, prop: str, descending: bool) -> list[DirectoryUser]:
        key = (prop, descending)
        found = self._sorted.get(key)
        if found is None:
            if prop == "displayName":
                found = sorted(
                    self.ordered, key=lambda u: u.display_name.lower(), reverse=descending
                )
            else:
                found = sorted(
                    self.ordered, key=lambda u: u.user_principal_name.lower(), reverse=descending
                )
            self._sorted[key] = found
        return found


class Indexes:
    """One UserIndex per tenant, rebuilt when the tenant's user table is at another version
    (store.UserTable: every change to the table, or a new table, gives a new one)."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[int, UserIndex]] = {}

    def of(self, tenant_id: str, users: Mapping[str, DirectoryUser], version: int) -> UserIndex:
        cached = self._built.get(tenant_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        index = UserIndex(users)
        self._built[tenant_id] = (version, index)
        return index
