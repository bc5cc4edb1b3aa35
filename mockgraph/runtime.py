"""The live parts of one mockgraph app, built once by create_app and shared by its routes."""

from __future__ import annotations

from dataclasses import dataclass

from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clock import Clock
from mockgraph.fixtures import Fixtures
from mockgraph.identity.service import Identity
from mockgraph.journal import Journal
from mockgraph.notifications.service import Notifier
from mockgraph.settings import Settings
from mockgraph.store import Store


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
