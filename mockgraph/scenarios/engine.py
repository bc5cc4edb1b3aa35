"""One scenario run on one tenant: its steps in order, a cursor, and the virtual time it is at."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockgraph.domain.presence import UserState
from mockgraph.errors import BadRequest, GraphError
from mockgraph.scenarios.actions import apply
from mockgraph.scenarios.cast import cast
from mockgraph.scenarios.model import Scenario, Step
from mockgraph.state.store import Store, Tenant

# The applied steps a run remembers (its journal), and the most steps one tick applies before
# it lets the server answer calls again.
JOURNAL_SIZE = 100_000
BATCH = 5_000


@dataclass(frozen=True, slots=True)
class Applied:
    """One applied step and what the user's presence became: the run's journal entry."""

    at: float
    user_id: str
    action: str
    label: str | None
    availability: str
    activity: str
    sequence: int
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "userId": self.user_id,
            "action": self.action,
            "label": self.label,
            "availability": self.availability,
            "activity": self.activity,
            "sequence": self.sequence,
            "error": self.error,
        }


class Run:
    """A scenario loaded onto a tenant: steps in time order, played up to a virtual time."""

    def __init__(
        self,
        scenario: Scenario,
        start: float,
        store: Store,
        tenant_id: str,
        scan: Callable[[Tenant], None],
    ) -> None:
        self.scenario = scenario
        self.start = start
        self.steps: list[Step] = scenario.steps
        self.end = start + (self.steps[-1].offset if self.steps else 0.0)
        self.store, self.tenant_id, self.scan = store, tenant_id, scan
        self.journal: deque[Applied] = deque(maxlen=JOURNAL_SIZE)
        self.cursor = 0
        self.applied = 0
        self.errors = 0
        self.cast: list[str] = []
        self.rewind()

    @property
    def tenant(self) -> Tenant:
        return self.store.tenant(self.tenant_id)

    def rewind(self) -> None:
        """Back to the start: the tenant as the fixtures have it, the cast, the clock frozen."""
        self.store.reset(self.tenant_id)
        tenant = self.tenant
        self.cast = cast(tenant, self.scenario.users, self.scenario.seed or 0)
        self._ids = self._resolve(tenant)
        tenant.clock.freeze()
        tenant.clock.set(_from_timestamp(self.start))
        # Every view settled at the start, so that sequence numbers do not depend on who read
        # the tenant before the first step.
        for user in tenant.users.values():
            user.current(self.start)
        self.cursor = self.applied = self.errors = 0
        self.journal.clear()

    def _resolve(self, tenant: Tenant) -> dict[int | str, str]:
        ids: dict[int | str, str] = dict(enumerate(self.cast))
        by_upn = {u.user_principal_name.lower(): u.id for u in tenant.users.values()}
        for step in self.steps:
            ref = step.user
            if ref in ids:
                continue
            found = by_upn.get(str(ref).lower())
            if found is None and tenant.user(str(ref)) is not None:
                found = str(ref).lower()
            if found is None:
                raise BadRequest(f"The scenario's user '{ref}' is not in the tenant.")
            ids[ref] = found
        return ids

    @property
    def finished(self) -> bool:
        return self.cursor >= len(self.steps)

    def next_time(self) -> float | None:
        return None if self.finished else self.start + self.steps[self.cursor].offset

    def play_to(self, target: float, limit: int | None = None, *, move_clock: bool = True) -> bool:
        """Apply every step due by `target`, one moment at a time (the clock set to it, and
        subscribers told after it), then set the clock to `target`. With `limit`, stop after
        about that many steps; False if it stopped short."""
        tenant = self.tenant
        steps, count = self.steps, 0
        while self.cursor < len(steps):
            moment = self.start + steps[self.cursor].offset
            if moment > target:
                break
            if limit is not None and count >= limit:
                return False
            if move_clock:
                tenant.clock.set(_from_timestamp(moment))
            while self.cursor < len(steps) and self.start + steps[self.cursor].offset == moment:
                self._apply(tenant, steps[self.cursor], moment)
                self.cursor += 1
                count += 1
            self.scan(tenant)
        if move_clock and target > tenant.clock.timestamp():
            tenant.clock.set(_from_timestamp(target))
        return True

    def _apply(self, tenant: Tenant, step: Step, moment: float) -> None:
        user_id = self._ids[step.user]
        user = tenant.users.get(user_id)
        error = None
        if user is None:
            error = f"The user '{user_id}' was not found in this tenant."
        else:
            _settle(user, moment)
            try:
                apply(user, step, moment)
            except GraphError as exc:
                error = exc.message
        self.applied += 1
        if error is not None:
            self.errors += 1
        view = user.current(moment) if user is not None else None
        self.journal.append(
            Applied(
                step.offset,
                user_id,
                step.action,
                step.label,
                view.availability if view else "PresenceUnknown",
                view.activity if view else "PresenceUnknown",
                user.sequence if user is not None else 0,
                error,
            )
        )


def _settle(user: UserState, moment: float) -> None:
    """Count each change the clock made (an expiry, a fade) before `moment`, as a reader there
    would have seen it, so that sequence numbers do not depend on when others read."""
    for _ in range(8):
        due = user.stable_until
        if not user.computed_at < due < moment:
            return
        user.current(due)


def _from_timestamp(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)
