"""In-memory state, one partition per tenant, each seeded from the fixtures on first use."""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from mockgraph.clock import Clock
from mockgraph.domain.group import Group
from mockgraph.domain.keys import UserKey
from mockgraph.domain.presence import FIXTURE_SESSION_ID, Session, StatusMessage, UserState
from mockgraph.domain.times import format_timestamp
from mockgraph.errors import Forbidden
from mockgraph.limits import Limit
from mockgraph.state.faults import Faults
from mockgraph.state.fixtures import Fixtures, SeedUser, paused_gc
from mockgraph.state.throttle import Throttle

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_values

# Every state of every user table has its own version, from one counter: a table built anew
# (a reset, an imported state) can never be taken for an older one, even at the same address.
_VERSIONS = itertools.count(1)


class Held(Protocol):
    """Writes waiting for their users: a scenario's steps of users nobody has looked at since
    (scenarios/backlog.py). Each user's presence depends on that user's writes alone, so they
    can wait until the user is read."""

    @property
    def users(self) -> Container[str]:
        """The ids of the users with writes waiting."""

    def write(self, user_id: str) -> None:
        """Make the user's waiting writes, in order."""

    def write_all(self) -> None:
        """Make every user's waiting writes."""


class UserTable(dict[str, UserState]):
    """A tenant's users by id, with a `version` that changes with every change to the table:
    what is built over it (the UPN map below, the directory's index) is rebuilt when the
    version differs.

    With `held` set, every read of a user (get, [], values, items, pop) first makes the writes
    waiting for them, so no reader ever sees a user behind; a reader that keeps users from an
    earlier read (a cache) calls `settle` first."""

    __slots__ = ("held", "version")

    def __init__(self, users: Iterable[tuple[str, UserState]] = ()) -> None:
        super().__init__(users)
        self.version = next(_VERSIONS)
        self.held: Held | None = None

    def settle(self, user_id: str | None = None) -> None:
        """Make the writes waiting for one user (or for every user, with None)."""
        held = self.held
        if held is None:
            return
        if user_id is None:
            held.write_all()
        elif user_id in held.users:
            held.write(user_id)

    def people(self) -> dict_values[str, UserState]:
        """Every user, for what presence never changes (id, names, UPN, profile): no waiting
        write is made, so a sign-in by UPN costs the same however long nobody read."""
        return dict.values(self)

    def get(self, user_id: str, default: None = None) -> UserState | None:  # type: ignore[override]
        held = self.held
        if held is not None and user_id in held.users:
            held.write(user_id)
        return super().get(user_id, default)

    def __getitem__(self, user_id: str) -> UserState:
        held = self.held
        if held is not None and user_id in held.users:
            held.write(user_id)
        return super().__getitem__(user_id)

    def values(self) -> dict_values[str, UserState]:
        self.settle()
        return super().values()

    def items(self) -> dict_items[str, UserState]:
        self.settle()
        return super().items()

    def __setitem__(self, user_id: str, user: UserState) -> None:
        super().__setitem__(user_id, user)
        self.version = next(_VERSIONS)

    def __delitem__(self, user_id: str) -> None:
        super().__delitem__(user_id)
        self.version = next(_VERSIONS)

    def pop(self, user_id: str, *default: Any) -> Any:
        self.settle(user_id)
        self.version = next(_VERSIONS)
        return super().pop(user_id, *default)

    def popitem(self) -> tuple[str, UserState]:
        self.settle()
        self.version = next(_VERSIONS)
        return super().popitem()

    def setdefault(self, user_id: str, user: UserState) -> UserState:
        self.version = next(_VERSIONS)
        return super().setdefault(user_id, user)

    def update(self, *others: Any, **more: UserState) -> None:
        super().update(*others, **more)
        self.version = next(_VERSIONS)

    def clear(self) -> None:
        super().clear()
        self.version = next(_VERSIONS)


class TenantLimitReached(Forbidden):
    """More tenants than the store keeps (MOCKGRAPH_MAX_TENANTS)."""


class Tenant:
    """One tenant's world: its users, its own clock, its faults and throttling windows."""

    def __init__(self, tenant_id: str, clock: Clock, throttle: Limit | None) -> None:
        self.id = tenant_id
        self.clock = clock
        self.users = UserTable()
        # The directory's groups, by id (see directory/groups.py).
        self.groups: dict[str, Group] = {}
        # userPrincipalName -> user, rebuilt when the user table changes (find_user).
        self._by_upn: dict[str, UserState] = {}
        self._upn_version = 0  # the user table's version _by_upn was built from
        self.faults = Faults()
        self.throttle = Throttle(throttle)

    def user(self, user_id: str) -> UserState | None:
        return self.users.get(user_id.lower())

    def find_user(self, key: UserKey) -> UserState | None:
        """The user a key names in any of Graph's forms: by object id, or by UPN (any case)."""
        guid = key.guid
        if guid is not None:
            return self.users.get(guid)
        upn = key.upn
        if upn is None:
            return None
        users = self.users
        if self._upn_version != users.version:
            self._by_upn = {u.user_principal_name.lower(): u for u in users.people()}
            self._upn_version = users.version
        found = self._by_upn.get(upn)
        return users.get(found.id) if found is not None else None


def seed_user(seed: SeedUser, now: float, published: str | None = None) -> UserState:
    """A user's state as the fixtures describe it; `published` is the seeding time, formatted."""
    user = UserState(seed.profile, out_of_office=seed.out_of_office)
    if seed.presence is not None:
        user.sessions[FIXTURE_SESSION_ID] = Session(*seed.presence, set_at=now, expires_at=None)
    status = seed.status
    if status is not None:
        user.status = StatusMessage(
            status.content,
            status.content_type,
            status.published or published or format_timestamp(now),
            status.expiry,
        )
    return user


class Store:
    """Every tenant's state; a tenant gets a fresh copy of the fixtures when first used.

    Which tenants exist is Entra's question (docs/fidelity.md, 'Tenants'): the fixtures' tenant
    and those the control plane made (`tenant`), kept across resets; with `any_tenant`
    (MOCKGRAPH_TENANTS=any) every tenant id exists.
    """

    def __init__(
        self,
        fixtures: Fixtures,
        clock: Clock,
        *,
        throttle: Limit | None = None,
        max_tenants: int = 1000,
        any_tenant: bool = False,
    ) -> None:
        self.fixtures = fixtures
        self.clock = clock
        self.throttle = throttle
        self.max_tenants = max_tenants
        self.any_tenant = any_tenant
        self.tenants: dict[str, Tenant] = {}
        # Tenant ids that exist, whether or not their state is held now (a reset drops it).
        self.created: set[str] = set()
        self.tenant(fixtures.tenant_id)

    def tenant(self, tenant_id: str) -> Tenant:
        """The tenant's state; the control plane's way in, which makes the tenant exist."""
        key = tenant_id.lower()
        tenant = self.tenants.get(key)
        if tenant is None:
            if len(self.tenants) >= self.max_tenants:
                raise TenantLimitReached(
                    f"mockgraph keeps at most {self.max_tenants} tenants; reset it "
                    "(POST /_mockgraph/reset) or reuse a tenant."
                )
            tenant = self.tenants[key] = self._seed(key)
            self.created.add(key)
        return tenant

    def create(self, tenant_id: str) -> bool:
        """Make a tenant exist (POST /_mockgraph/tenants); whether it is new."""
        new = tenant_id.lower() not in self.created
        self.tenant(tenant_id)
        return new

    def known(self, tenant_id: str) -> Tenant | None:
        return self.tenants.get(tenant_id.lower())

    def exists(self, tenant_id: str) -> bool:
        """Whether Entra would know this tenant id (any id, with `any_tenant`)."""
        return self.any_tenant or tenant_id.lower() in self.created

    def existing(self, tenant_id: str) -> Tenant | None:
        """The state of a tenant that exists (made on first use), or None: Entra's and Graph's
        way in, which never makes a tenant exist."""
        return self.tenant(tenant_id) if self.exists(tenant_id) else None

    def _seed(self, tenant_id: str) -> Tenant:
        tenant = Tenant(tenant_id, Clock(parent=self.clock), self.throttle)
        now = tenant.clock.timestamp()
        published = format_timestamp(now)
        with paused_gc():
            seeded = ((f.id, seed_user(f, now, published)) for f in self.fixtures.users)
            tenant.users = UserTable(seeded)
        tenant.groups = {g.id: g for g in self.fixtures.groups}
        return tenant

    def reset(self, tenant_id: str | None = None) -> None:
        """Back to the fixtures, with clocks, faults and throttling windows: one tenant, or all."""
        if tenant_id is None:
            self.tenants.clear()
            self.tenant(self.fixtures.tenant_id)
        else:
            self.tenants[tenant_id.lower()] = self._seed(tenant_id.lower())
