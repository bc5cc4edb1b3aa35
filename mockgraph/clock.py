"""The one source of "now": real time, shifted by an offset, or frozen."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """A virtual clock: real time plus an offset, optionally frozen.

    Every rule that depends on time (session fade and expiry, preferred presence,
    status-message expiry, token lifetimes) reads `now()` from here and nowhere else.
    """

    def __init__(self, *, start: datetime | None = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None
        if start is not None:
            self._offset = start.timestamp() - time.time()
        if frozen:
            self._frozen_at = self._timestamp()

    def _timestamp(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time() + self._offset

    def timestamp(self) -> float:
        """Seconds since the epoch, as the emulated world sees them."""
        return self._timestamp()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._timestamp(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def offset(self) -> timedelta:
        """How far the emulated clock is ahead of the real one."""
        return timedelta(seconds=self._timestamp() - time.time())

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
                self._offset = when.timestamp() - time.time()

    def freeze(self) -> None:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = time.time() + self._offset

    def resume(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None

    def reset(self) -> None:
        """Back to real time, running."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None
