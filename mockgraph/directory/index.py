"""A tenant's users as the directory reads them: in order, and by id, mail and UPN."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mockgraph.directory.properties import DirectoryUser


class UserIndex:
    """Lookups for eq filters and keys, and sorted views for $orderby; built once per change."""

    def __init__(self, users: Mapping[str, DirectoryUser]) -> None:
        self.by_id = users
        self.ordered: Sequence[DirectoryUser] = list(users.values())
        self.by_upn: dict[str, DirectoryUser] = {}
        self.by_mail: dict[str, list[DirectoryUser]] = {}
        for user in self.ordered:
            self.by_upn[user.user_principal_name.lower()] = user
            mail = user.profile.mail
            if mail is not None:
                self.by_mail.setdefault(mail.lower(), []).append(user)
        self._sorted: dict[tuple[str, bool], list[DirectoryUser]] = {}

    def find(self, prop: str, value: str) -> list[DirectoryUser]:
        if prop == "id":
            user = self.by_id.get(value)
            return [user] if user is not None else []
        if prop == "userPrincipalName":
            user = self.by_upn.get(value)
            return [user] if user is not None else []
        return self.by_mail.get(value, [])

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
    """One UserIndex per tenant, rebuilt when the tenant's user table changes size or object."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[int, int, UserIndex]] = {}

    def of(self, tenant_id: str, users: Mapping[str, DirectoryUser]) -> UserIndex:
        stamp = (id(users), len(users))
        cached = self._built.get(tenant_id)
        if cached is not None and cached[:2] == stamp:
            return cached[2]
        index = UserIndex(users)
        self._built[tenant_id] = (*stamp, index)
        return index
