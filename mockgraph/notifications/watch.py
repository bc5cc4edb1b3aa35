"""One tenant's presence subscriptions, indexed for the notifier's scans: who watches whom,
what each scan last saw of each watched user, and when the clock alone next changes something
(a watched user's presence, a subscription's lifecycle), in heaps."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from mockgraph.domain.presence import UserState, View
from mockgraph.notifications import rules
from mockgraph.notifications.models import Subscription

_LEAD = rules.LIFECYCLE_LEAD.total_seconds()
INF = float("inf")


@dataclass(eq=False)
class Watch:
    """One tenant's subscriptions, indexed so that a scan looks only at what may have changed:
    the watched users written since the last scan (each notes itself, UserState.noted) and
    those whose presence the clock alone may have changed by now (an expiry, a fade)."""

    items: dict[str, Subscription] = field(default_factory=dict)
    # By (app, creating user): Graph allows one presence subscription for each.
    owners: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    watchers: dict[str, list[Subscription]] = field(default_factory=dict)
    # Each watched user's record, view and stable_until when a scan last looked at them, and
    # a rank (the order users were first watched: the order a scan takes them in).
    marks: dict[str, tuple[UserState | None, View | None, float, int]] = field(default_factory=dict)
    ranks: Iterator[int] = field(default_factory=itertools.count)
    # The watched users written since the last scan (each user's `noted` is this set).
    written: set[str] = field(default_factory=set)
    # (stable_until, user id) of each mark, the soonest first: when the clock alone may next
    # change a watched user. An entry no longer in `marks` is stale and skipped.
    timers: list[tuple[float, str]] = field(default_factory=list)
    # Each subscription's next lifecycle moment (lifecycle_due_at), the soonest first; an
    # entry that no longer matches its subscription is stale and skipped.
    dues: list[tuple[float, str]] = field(default_factory=list)
    # The user table's version and the clock at the last scan: another table (users added,
    # removed or replaced) or a clock moved back means the next scan looks at everyone.
    version: int = -1
    scanned_at: float = float("inf")
    # min(soonest(), due), cached: every call on the tenant asks, few change it (None: unknown).
    cached_next: float | None = None

    def add(self, subscription: Subscription, users: dict[str, UserState]) -> None:
        self.items[subscription.id] = subscription
        self.owners[subscription.app_id, subscription.creator_id] = subscription
        for user_id in subscription.user_ids:
            self.watchers.setdefault(user_id, []).append(subscription)
            if user_id not in self.marks:
                self.mark(user_id, users.get(user_id))
        self.reschedule(subscription)

    def mark(self, user_id: str, user: UserState | None) -> None:
        """Note what a scan saw of a watched user, and when the clock may next change it."""
        until = user.stable_until if user is not None else INF
        known = self.marks.get(user_id)
        rank = known[3] if known is not None else next(self.ranks)
        self.marks[user_id] = (user, user.view if user is not None else None, until, rank)
        self.cached_next = None
        if user is not None:
            user.noted = self.written
            if until != INF:
                timers = self.timers
                if len(timers) > 2 * len(self.marks) + 64:
                    self.timers = timers = [(m[2], u) for u, m in self.marks.items() if m[2] < INF]
                    heapq.heapify(timers)
                heapq.heappush(timers, (until, user_id))

    def drop(self, sub_id: str) -> Subscription | None:
        subscription = self.items.pop(sub_id, None)
        self.cached_next = None
        if subscription is not None:
            del self.owners[subscription.app_id, subscription.creator_id]
            for user_id in subscription.user_ids:
                watchers = self.watchers[user_id]
                watchers.remove(subscription)
                if not watchers:
                    del self.watchers[user_id]
                    user = self.marks.pop(user_id)[0]
                    if user is not None and user.noted is self.written:
                        user.noted = None
        return subscription

    def soonest(self) -> float:
        """When the clock alone may next change a watched user; inf when never."""
        timers, marks = self.timers, self.marks
        while timers:
            until, user_id = timers[0]
            mark = marks.get(user_id)
            if mark is not None and mark[2] == until:
                return until
            heapq.heappop(timers)
        return float("inf")

    def due_users(self, now: float) -> list[str]:
        """The watched users whose stable_until (as last seen) has come, taken off the heap."""
        timers, marks, found = self.timers, self.marks, []
        while timers and timers[0][0] <= now:
            until, user_id = heapq.heappop(timers)
            mark = marks.get(user_id)
            if mark is not None and mark[2] == until:
                found.append(user_id)
        return found

    def reschedule(self, subscription: Subscription) -> None:
        """A subscription's lifecycle moment is new (made, renewed, reauthorized, notified)."""
        self.cached_next = None
        dues = self.dues
        if len(dues) > 2 * len(self.items) + 64:
            self.dues = dues = [(s.lifecycle_due_at(_LEAD), s.id) for s in self.items.values()]
            heapq.heapify(dues)
        heapq.heappush(dues, (subscription.lifecycle_due_at(_LEAD), subscription.id))

    def next_look(self) -> float:
        """When the clock alone next changes a watched user or owes a lifecycle event: the
        soonest moment a scan with no write has anything to look at."""
        cached = self.cached_next
        if cached is None:
            cached = self.cached_next = min(self.soonest(), self.due)
        return cached

    @property
    def due(self) -> float:
        """The earliest moment a subscription owes a lifecycle event or ends; inf when none."""
        dues, items = self.dues, self.items
        while dues:
            at, sub_id = dues[0]
            subscription = items.get(sub_id)
            if subscription is not None and subscription.lifecycle_due_at(_LEAD) == at:
                return at
            heapq.heappop(dues)
        return INF
