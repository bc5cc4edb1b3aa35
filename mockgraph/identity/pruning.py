"""Sign-in state that ends: expired codes and refresh tokens are pruned on their tenant's
clock, and the oldest go past a cap, so a long run's memory stays flat (docs/reliability.md,
"Limits")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from mockgraph.state.store import Store


class Expiring(Protocol):
    @property
    def tenant_id(self) -> str: ...
    @property
    def expires_at(self) -> float: ...


G = TypeVar("G", bound=Expiring)
# Below this many entries nothing is scanned; past it, a scan at each doubling (amortised
# O(1)), or as soon as the oldest entry has expired. At the cap, the oldest go one by one and a
# scan comes once every half a cap's additions, so that a sign-in at the cap costs what one
# below it does (docs/performance.md, "Soak").
FIRST_SCAN = 1024


class Pruner:
    """Keeps a dict of expiring grants (oldest first, as dicts keep insertion order) within
    `cap`, dropping what its tenant's clock says has expired (or whose tenant is gone)."""

    def __init__(self, store: Store, cap: int) -> None:
        self.store = store
        self.cap = cap
        self._scan_at = FIRST_SCAN
        self._unscanned = 0  # entries dropped at the cap since the last scan

    def make_room(self, entries: dict[str, G]) -> None:
        """Call before adding one entry."""
        if len(entries) < FIRST_SCAN and len(entries) < self.cap:
            return
        expired = _expired_by(self.store)
        oldest = next(iter(entries.values()))
        if len(entries) < min(self._scan_at, self.cap) and not expired(oldest):
            return
        if len(entries) >= self.cap and self._unscanned < self.cap // 2 and not expired(oldest):
            while len(entries) >= self.cap:
                del entries[next(iter(entries))]
                self._unscanned += 1
            return
        for key in [k for k, grant in entries.items() if expired(grant)]:
            del entries[key]
        while len(entries) >= self.cap:
            del entries[next(iter(entries))]
        self._scan_at = max(FIRST_SCAN, 2 * len(entries))
        self._unscanned = 0


def _expired_by(store: Store) -> Callable[[Expiring], bool]:
    clocks: dict[str, float | None] = {}

    def expired(grant: Expiring) -> bool:
        tenant_id = grant.tenant_id
        if tenant_id not in clocks:
            tenant = store.known(tenant_id)
            clocks[tenant_id] = tenant.clock.timestamp() if tenant is not None else None
        now = clocks[tenant_id]
        return now is None or now >= grant.expires_at

    return expired
