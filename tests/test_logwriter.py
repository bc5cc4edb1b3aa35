"""The request log's writer: every line written, in order; a blocked output costs lines, counted,
never a request's time."""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mockgraph.logwriter import LineWriter

LINE = "INFO:     GET /v1.0/users/{n}/presence 200 0.1 ms  " + "x" * 60 + "\n"


def note(count: int) -> str:
    return f"WARNING:  request log: {count} lines dropped; the output could not keep up\n"


@contextmanager
def pipe() -> Iterator[tuple[int, int]]:
    """A pipe; the test closes its write end (for the reader's end of file), this its read end."""
    read, write = os.pipe()
    try:
        yield read, write
    finally:
        os.close(read)


def drain(fd: int, into: bytearray) -> threading.Thread:
    """Read `fd` until the writer's end is closed, in a thread of its own."""

    def run() -> None:
        while chunk := os.read(fd, 65536):
            into.extend(chunk)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def write_in_turns(writer: LineWriter, count: int, per_turn: int) -> None:
    """`count` lines from an event loop, `per_turn` in each turn, as a busy server writes."""

    async def run() -> None:
        for n in range(count):
            writer.write(LINE.format(n=n))
            if n % per_turn == per_turn - 1:
                await asyncio.sleep(0)

    asyncio.run(run())


def test_every_line_is_written_in_order_by_close() -> None:
    received = bytearray()
    with pipe() as (read, write):
        writer = LineWriter(write, note)
        reader = drain(read, received)
        write_in_turns(writer, 2_000, per_turn=32)
        assert writer.close()
        os.close(write)
        reader.join(timeout=30)
    lines = received.decode().splitlines(keepends=True)
    assert lines == [LINE.format(n=n) for n in range(2_000)]
    assert writer.dropped == 0


def test_a_blocked_output_drops_lines_and_says_how_many() -> None:
    received = bytearray()
    with pipe() as (read, write):
        # The smallest pipe Linux allows, so that it fills at once; nobody reads it yet.
        fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 4096)
        writer = LineWriter(write, note, max_pending=16 * 1024)
        loop = threading.Thread(target=write_in_turns, args=(writer, 3_000, 10), daemon=True)
        loop.start()
        # The event loop never waits on the output: it finishes while the pipe stays full.
        loop.join(timeout=60)
        assert not loop.is_alive()
        assert writer.dropped > 0
        reader = drain(read, received)
        assert writer.close()
        os.close(write)
        reader.join(timeout=30)
    text = received.decode()
    notes = [int(n) for n in re.findall(r"request log: (\d+) lines dropped", text)]
    written = [line for line in text.splitlines() if line.startswith("INFO:")]
    assert sum(notes) == writer.dropped
    assert len(written) + writer.dropped == 3_000
    # What was written is whole lines, in order.
    numbers = [int(line.split("/")[3]) for line in written]
    assert numbers == sorted(numbers)
