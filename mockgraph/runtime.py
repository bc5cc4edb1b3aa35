"""The live parts of one mockgraph app, built once by create_app and shared by its routes.

The Entra stand-in and the notifier live in resources above this layer; the runtime names
them by what the control plane and the dashboard need of them (protocols), so that no
import, type-only included, points up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clock import Clock
from mockgraph.gateway import Routes
from mockgraph.settings import Settings
from mockgraph.state.fixtures import Fixtures
from mockgraph.state.journal import Journal
from mockgraph.state.persistence import Saves, load, snapshot
from mockgraph.state.store import Store, Tenant
from mockgraph.state.tokenlog import TokenLog


class SignIns(Protocol):
    """What the control plane needs of the Entra stand-in (identity.service.Identity)."""

    def forget(self, tenant_id: str | None) -> None:
        """A reset: drop one tenant's sign-in state (codes, refresh tokens), or all."""
        ...

    def export_state(self) -> list[dict[str, Any]]:
        """The refresh tokens, for the state file."""
        ...

    def import_state(self, items: list[Any]) -> None:
        """Restore the state file's refresh tokens; ValueError naming a bad one."""
        ...


class DeliveryAttempt(Protocol):
    """One delivery attempt as the control plane lists it (notifications.models.Attempt)."""

    @property
    def tenant(self) -> str: ...
    @property
    def subscription_id(self) -> str: ...
    def as_json(self) -> dict[str, Any]: ...


class LiveSubscription(Protocol):
    """A subscription as the dashboard shows it (notifications.models.Subscription)."""

    @property
    def id(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def app_id(self) -> str: ...
    @property
    def creator_id(self) -> str: ...
    @property
    def notification_url(self) -> str: ...
    @property
    def expires_at(self) -> float: ...


class Notifications(Protocol):
    """What the control plane and the dashboard need of the notifier
    (notifications.service.Notifier)."""

    @property
    def log(self) -> Sequence[DeliveryAttempt]:
        """Every delivery attempt, newest last (bounded)."""
        ...

    def of(self, tenant: Tenant) -> Sequence[LiveSubscription]:
        """Every live subscription of one tenant."""
        ...

    def forget(self, tenant_id: str | None) -> None:
        """A reset: stop the subscriptions (and their deliveries) of one tenant, or all."""
        ...

    def scan(self, tenant: Tenant) -> None:
        """Send the notifications a tenant's changes (or its clock) made due."""
        ...

    def export_state(self) -> list[dict[str, Any]]:
        """Every live subscription, for the state file."""
        ...

    def import_state(self, items: list[Any]) -> None:
        """Restore the state file's subscriptions; ValueError naming a bad one."""
        ...

    async def flush(self, timeout: float = ...) -> int:
        """Wait until every pending delivery is done; the number left."""
        ...


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    fixtures: Fixtures
    clock: Clock
    store: Store
    tokens: TokenAuthority
    journal: Journal
    # The token requests Entra's stand-in answered (its endpoint is not in the journal).
    token_log: TokenLog
    identity: SignIns
    notifier: Notifications
    # The state file's periodic saves: failures counted, the last one's cause kept.
    saves: Saves = field(default_factory=Saves)
    # Graph's operations, as the gateway routes them (filled in by app.graph_routes): fault
    # paths are checked against them, the dashboard's journal names calls by them.
    routes: Routes = field(default_factory=Routes)


def state_snapshot(runtime: Runtime) -> bytes:
    """The state file's bytes: every tenant, and the subscriptions and refresh tokens."""
    return snapshot(
        runtime.store,
        {
            "subscriptions": runtime.notifier.export_state(),
            "refreshTokens": runtime.identity.export_state(),
        },
    )


def load_state(runtime: Runtime, path: Path) -> int:
    """Load a state file (tenants, then subscriptions and refresh tokens); StateFileError when
    it does not load. A file saved before these sections existed loads without them."""

    def restore(document: dict[str, Any]) -> None:
        runtime.notifier.import_state(document.get("subscriptions", []))
        runtime.identity.import_state(document.get("refreshTokens", []))

    return load(runtime.store, path, restore)
