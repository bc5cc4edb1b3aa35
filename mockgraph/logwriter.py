"""The request log's writer: lines gathered on the event loop, written by a thread of their own.

Writing a line through `logging` costs a record, a handler lock, a formatter and a write(2) per
call, which is more than a Graph call costs (docs/performance.md). Here a line is one string
appended to a list; once per event-loop turn the turn's lines are joined and handed to a
background thread through a bounded queue, and that thread alone blocks on the terminal, pipe or
file. When the output cannot keep up and the queue is full, a turn's lines are dropped and
counted, and a note says how many once the output has caught up: requests never wait on it.
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
from collections import deque
from collections.abc import Callable

# Bytes of lines waiting for a slow output before whole turns' lines are dropped (~7,000 lines).
MAX_PENDING = 1024 * 1024
# The writer thread looks for lines this often: waking it for every turn would cost the event
# loop a thread switch (and the GIL) per turn.
INTERVAL = 0.05
# How long close() waits for a blocked output to take the last lines.
CLOSE_TIMEOUT = 10.0


class LineWriter:
    """Write whole lines to `fd` off the event loop; use from the loop's thread.

    Args:
        fd: the file descriptor to write to (the server's stderr).
        note: the line that reports `n` dropped lines.
        max_pending: the bound, in bytes, of lines handed over but not yet written.
    """

    def __init__(self, fd: int, note: Callable[[int], str], max_pending: int = MAX_PENDING) -> None:
        self.fd = fd
        self.note = note
        self.max_pending = max_pending
        self.dropped = 0  # in all, for the tests and the final note
        self._lines: list[str] = []
        self._scheduled = False
        self._queue: deque[tuple[bytes, int]] = deque()
        self._pending = 0
        self._unreported = 0
        self._closing = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="mockgraph-log", daemon=True)
        self._thread.start()

    def write(self, line: str) -> None:
        """Keep a line (ending in a newline) for the end of this event-loop turn."""
        self._lines.append(line)
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self.hand_over)
            except RuntimeError:
                # Outside an event loop (start-up, shutdown): no turn to wait for.
                self.hand_over()

    def hand_over(self) -> None:
        """Pass this turn's lines to the writer thread, or drop them when it is too far behind."""
        self._scheduled = False
        if not self._lines:
            return
        chunk = "".join(self._lines).encode("utf-8", "replace")
        count = len(self._lines)
        self._lines.clear()
        with self._ready:
            if self._pending + len(chunk) > self.max_pending:
                self.dropped += count
                self._unreported += count
                return
            self._queue.append((chunk, count))
            self._pending += len(chunk)
            if self._pending > self.max_pending // 4:
                self._ready.notify()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> bool:
        """Write every line kept so far, then stop the thread; False if the output stayed
        blocked for `timeout` seconds."""
        self.hand_over()
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._closing:
                    self._ready.wait(INTERVAL)
                chunks = list(self._queue)
                self._queue.clear()
                done = self._closing and not chunks
            if done:
                self._report()
                return
            data = b"".join(chunk for chunk, _ in chunks)
            self._write_all(data)
            with self._ready:
                self._pending -= len(data)
            self._report()

    def _report(self) -> None:
        """The note for the lines dropped since the last one, once the output takes lines."""
        with self._ready:
            count, self._unreported = self._unreported, 0
        if count:
            self._write_all(self.note(count).encode())

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except InterruptedError:
                continue
            except BlockingIOError:
                # An output someone set non-blocking: wait until it takes bytes again.
                select.select([], [self.fd], [], 1.0)
                continue
            except OSError:
                # The output is gone (a closed pipe): nothing more can be written to it.
                return
            view = view[written:]
