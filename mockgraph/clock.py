"""The one source of "now": real time, shifted by an offset, or frozen."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """A virtual clock: its parent's time (or real time) plus an offset, optionally frozen.

    Every rule that depends on time (session fade and expiry, preferred presence, status-message
    expiry, token lifetimes, throttling windows) reads `timestamp()` or `now()` from a clock and
    nowhere else. Each tenant has its own clock whose parent is the server's, so one test moving
    time never moves another's.
    """

    def __init__(
        self, *, start: datetime | None = None, frozen: bool = False, parent: Clock | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._parent = parent
        self._offset = 0.0
        self._frozen_at: float | None = None
        if start is not None:
            self._offset = start.timestamp() - self._base()
        if frozen:
            self._frozen_at = start.timestamp() if start is not None else self.timestamp()

    def _base(self) -> float:
        return self._parent.timestamp() if self._parent is not None else time.time()

    def timestamp(self) -> float:
        """Seconds since the epoch, as the emulated world sees them."""
        frozen = self._frozen_at
        if frozen is not None:
            return frozen
        parent = self._parent  # _base(), inlined: every Graph call reads the clock
        return (parent.timestamp() if parent is not None else time.time()) + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None or (self._parent is not None and self._parent.frozen)

    @property
    def offset(self) -> timedelta:
        """How far this clock is ahead of real time."""
        return timedelta(seconds=self.timestamp() - time.time())

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta.total_seconds()
            else:
                self._offset += delta.total_seconds()

    def set(self, when: datetime) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = when.timestamp()
            else:
                self._offset = when.timestamp() - self._base()

    def set_timestamp(self, value: float) -> None:
        """`set`, given seconds since the epoch: a scenario moves its tenant's clock on every
        call that reads the tenant, and a datetime each time would cost more than the move."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = value
            else:
                self._offset = value - self._base()

    def move_frozen(self, value: float) -> None:
        """`set_timestamp`, without the lock when the clock is frozen: a running scenario moves
        its tenant's frozen clock on every call that reads the tenant, and the lock was a third
        of that. Every write to a clock is made on the server's loop (each route that writes
        one is a coroutine), so no two writes ever meet."""
        if self._frozen_at is not None:
            self._frozen_at = value
        else:
            self.set_timestamp(value)

    def freeze(self) -> None:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = self._base() + self._offset

    def resume(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._base()
                self._frozen_at = None
