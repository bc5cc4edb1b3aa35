"""One scenario run on one tenant: its steps in order, a cursor, and the virtual time it is at."""

from __future__ import annotations

from typing import Any, Protocol

from mockgraph.domain.presence import UserState
from mockgraph.errors import BadRequest, GraphError
from mockgraph.scenarios.actions import Bodies, apply
from mockgraph.scenarios.backlog import Backlog
from mockgraph.scenarios.cast import cast
from mockgraph.scenarios.model import Scenario, Step
from mockgraph.state.store import Store, Tenant

# The applied steps a run remembers (its journal), and the most steps one tick plays before
# it lets the server answer calls again (about a millisecond's work).
JOURNAL_SIZE = 100_000
BATCH = 200
# The most moments (steps' and the clock's own) one call plays: a bound, never reached.
MAX_MOMENTS = 10_000_000
INF = float("inf")


class Subscribers(Protocol):
    """What the engine needs of change notifications (the app's notifier)."""

    def scan(self, tenant: Tenant) -> None:
        """Notify what changed since the last scan."""

    def next_change(self, tenant: Tenant) -> float:
        """When the clock alone next changes something a subscription watches."""

    def hold(self, tenant_id: str, held: bool) -> None:
        """Let the tenant's scans wait while a moment is half applied."""


# One applied step and what the user's presence became, the run's journal entry: (offset,
# user id, action, label, availability, activity, sequence number, error or None). A plain
# tuple of strings and numbers, which the garbage collector stops tracking: the journal keeps
# 100,000 (docs/scenarios.md, "Keeping up").
Applied = tuple[float, str, str, str | None, str, str, int, str | None]


def applied_json(entry: Applied) -> dict[str, Any]:
    """A journal entry as `GET /_mockgraph/scenario/steps` lists it."""
    at, user_id, action, label, availability, activity, sequence, error = entry
    return {
        "at": at,
        "userId": user_id,
        "action": action,
        "label": label,
        "availability": availability,
        "activity": activity,
        "sequence": sequence,
        "error": error,
    }


class Run:
    """A scenario loaded onto a tenant: steps in time order, played up to a virtual time."""

    def __init__(
        self,
        scenario: Scenario,
        start: float,
        store: Store,
        tenant_id: str,
        subscribers: Subscribers,
    ) -> None:
        self.scenario = scenario
        self.start = start
        self.steps: list[Step] = scenario.steps
        self.end = start + (self.steps[-1].offset if self.steps else 0.0)
        self.store, self.tenant_id, self.subscribers = store, tenant_id, subscribers
        # The moment being applied when a tick's budget ran out part-way through it.
        self.open: float | None = None
        # The moments completed by the last play_to (the scenario's lag is measured on them).
        self.completed: list[float] = []
        self.bodies = Bodies()
        # The journal: step i's entry at i % JOURNAL_SIZE, None while the step waits in the
        # backlog for its user to be read.
        self.journal: list[Applied | None] = []
        self.backlog = Backlog(self.steps, self.start, self.bodies, self._write_waiting)
        self.cursor = 0
        # The moment of the step at `cursor` (inf when every step is played): read on every
        # call's catch-up, so kept beside the cursor rather than looked up each time.
        self.next_moment = INF
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
        self.backlog.forget()
        tenant = self.tenant
        self.backlog.adopt(tenant.users)
        self.cast = cast(tenant, self.scenario.users, self.scenario.seed or 0)
        self._ids = self._resolve(tenant)
        tenant.clock.freeze()
        tenant.clock.set_timestamp(self.start)
        # Every view settled at the start, so that sequence numbers do not depend on who read
        # the tenant before the first step.
        for user in tenant.users.values():
            user.current(self.start)
        self.cursor = self.applied = self.errors = 0
        self._moved()
        self.journal.clear()
        self.release()

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

    def _moved(self) -> None:
        """The cursor moved: the next moment follows it."""
        cursor, steps = self.cursor, self.steps
        self.next_moment = self.start + steps[cursor].offset if cursor < len(steps) else INF

    def release(self) -> None:
        """No moment is half applied any more: the tenant's scans go on (a stop, a rewind)."""
        self.open = None
        self.subscribers.hold(self.tenant_id, False)

    def play_to(self, target: float, limit: int | None = None, *, move_clock: bool = True) -> bool:
        """Play every moment due by `target` in time order, then set the clock to `target`.

        A moment is a step's time (the clock set to it, its steps applied in the file's order)
        or, between steps, a time at which the clock alone changes what a subscription watches
        (an expiry, a fade); subscribers are told after each, so the notifications are the
        same at any speed. With `limit`, stop after that many steps, even part-way through a
        moment (the tenant's scans wait until it is done); False if it stopped short.
        """
        tenant, steps, subscribers = self.tenant, self.steps, self.subscribers
        clock = tenant.clock
        self.completed = []
        if (
            move_clock
            and self.open is None
            and target < self.next_due(tenant)
            and target >= clock.timestamp()
        ):
            # Nothing due by the target (most calls, at any speed): the clock moves on.
            clock.set_timestamp(target)
            return True
        count = 0
        settled = float("-inf")  # the clock's own changes are settled up to here
        for _ in range(MAX_MOMENTS):
            moment = self.next_moment
            if move_clock and self.open is None:
                # The clock's own changes come first; one at the clock's time is due now.
                change = max(subscribers.next_change(tenant), clock.timestamp())
                if settled < change < moment and change <= target:
                    clock.set_timestamp(change)
                    subscribers.scan(tenant)
                    settled = change
                    continue
            if moment > target:
                break
            if self.open is None:
                if move_clock:
                    clock.set_timestamp(moment)
                self.open = moment
                subscribers.hold(self.tenant_id, True)
            while self.cursor < len(steps) and self.start + steps[self.cursor].offset == moment:
                if limit is not None and count >= limit:
                    self._moved()
                    return False
                self._apply(tenant, steps[self.cursor], moment)
                self.cursor += 1
                count += 1
            self._moved()
            self.release()
            self.completed.append(moment)
            subscribers.scan(tenant)
        if move_clock and target > clock.timestamp():
            clock.set_timestamp(target)
        return True

    def next_due(self, tenant: Tenant) -> float:
        """The next moment: a step's, or the clock's own change to what a subscription
        watches; inf when neither comes."""
        moment, change = self.next_moment, self.subscribers.next_change(tenant)
        return change if change < moment else moment

    def entries(self, limit: int) -> list[Applied]:
        """The journal's last `limit` entries, oldest first, every waiting step made."""
        self.backlog.write_all()
        count = min(limit, self.cursor, JOURNAL_SIZE)
        slots = (self.journal[i % JOURNAL_SIZE] for i in range(self.cursor - count, self.cursor))
        return [entry for entry in slots if entry is not None]

    def stop(self) -> None:
        """Make every waiting step, let the tenant's reads be plain reads again, and let the
        run be freed once dropped."""
        self.backlog.close()

    def _apply(self, tenant: Tenant, step: Step, moment: float) -> None:
        """Play the step at `cursor`: made now, or held until its user is read."""
        user_id = self._ids[step.user]
        backlog, table = self.backlog, tenant.users
        if table is not backlog.table:
            backlog.adopt(table)  # a reset or an imported state replaced the users
        user = dict.get(table, user_id)
        if user is not None and backlog.can_wait(user, step, moment):
            backlog.hold(user_id, self.cursor)
            self.applied += 1
            self._record(self.cursor, None)
            return
        backlog.write(user_id)  # what waits for the user comes first
        self.applied += 1
        self._make(user, user_id, step, moment, self.cursor)

    def _write_waiting(self, user: UserState | None, index: int) -> None:
        step = self.steps[index]
        self._make(user, self._ids[step.user], step, self.start + step.offset, index)

    def _record(self, index: int, entry: Applied | None) -> None:
        """Step `index`'s journal entry: a new one as it is played, or, made later, into its
        place while that still holds it (the journal keeps the last JOURNAL_SIZE steps)."""
        journal = self.journal
        if index == len(journal) and index < JOURNAL_SIZE:
            journal.append(entry)
        elif index >= self.cursor - JOURNAL_SIZE:
            journal[index % JOURNAL_SIZE] = entry

    def _make(
        self, user: UserState | None, user_id: str, step: Step, moment: float, index: int
    ) -> None:
        error = None
        if user is None:
            error = f"The user '{user_id}' was not found in this tenant."
        else:
            _settle(user, moment)
            try:
                apply(user, step, moment, self.bodies)
            except GraphError as exc:
                error = exc.message
        if error is not None:
            self.errors += 1
        view = user.current(moment) if user is not None else None
        self._record(
            index,
            (
                step.offset,
                user_id,
                step.action,
                step.label,
                view.availability if view else "PresenceUnknown",
                view.activity if view else "PresenceUnknown",
                user.sequence if user is not None else 0,
                error,
            ),
        )


def _settle(user: UserState, moment: float) -> None:
    """Count each change the clock made (an expiry, a fade) before `moment`, as a reader there
    would have seen it, so that sequence numbers do not depend on when others read."""
    for _ in range(8):
        due = user.stable_until
        if not user.computed_at < due < moment:
            return
        user.current(due)
