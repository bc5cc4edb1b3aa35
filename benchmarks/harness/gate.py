"""Steps of a load side by side, and a change of state (a clock advance) alone between them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Gate:
    """Steps run side by side; a clock advance runs alone, once the steps in flight end."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._active = 0
        self._closed = False

    @contextmanager
    def step(self) -> Iterator[None]:
        with self._turn:
            while self._closed:
                self._turn.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._turn:
                self._active -= 1
                self._turn.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._turn:
            while self._closed:
                self._turn.wait()
            self._closed = True
            while self._active:
                self._turn.wait()
        try:
            yield
        finally:
            with self._turn:
                self._closed = False
                self._turn.notify_all()
