"""The live parts of one mockgraph app, built once by create_app and shared by its routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.state.fixtures import Fixtures
from mockgraph.state.journal import Journal
from mockgraph.state.store import Store

if TYPE_CHECKING:
    # Types only: the resources' routes read the runtime, so it sits below them.
    from mockgraph.identity.service import Identity
    from mockgraph.notifications.service import Notifier


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    fixtures: Fixtures
    clock: Clock
    store: Store
    tokens: TokenAuthority
    journal: Journal
    identity: Identity
    notifier: Notifier
