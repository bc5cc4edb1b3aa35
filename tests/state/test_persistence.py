"""The state file: saves that fail are retried and counted, one server per file, and a
server that does not start writes nothing."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.processes import Served, free_port

SERVE = (sys.executable, "-m", "mockgraph", "serve", "--port")


def _health(url: str) -> dict[str, object]:
    body: dict[str, object] = httpx.get(f"{url}/_mockgraph/health", timeout=5).json()
    return body


def _wait_for(check: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_failed_save_is_counted_logged_and_retried(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    server = Served(tmp_path, "--state-file", str(state), "--state-save-interval", "0.2").start()
    try:
        _wait_for(state.exists)
        # A non-empty folder where the file goes: os.replace cannot put the save there.
        state.unlink()
        state.mkdir()
        (state / "blocker").write_text("x")
        _wait_for(lambda: int(str(_health(server.url).get("stateSaveFailures", 0))) >= 2)
        health = _health(server.url)
        assert "Error" in str(health["lastStateSaveError"])
        # The folder goes: the very next interval saves again.
        (state / "blocker").unlink()
        state.rmdir()
        _wait_for(state.is_file)
    finally:
        assert server.stop() == 0
    assert "could not save the state to" in server.log.read_text()


def test_a_second_server_on_the_same_state_file_refuses_to_start(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Served(tmp_path, "--state-file", str(state), "--state-save-interval", "0.2").start()
    try:
        second = subprocess.run(
            [*SERVE, str(free_port()), "--state-file", str(state)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 2
        assert str(state) in second.stderr
        assert f"pid {first.process.pid}" in second.stderr
        assert second.stderr.count("\n") == 1
        # The first server's saves go on: nothing of its was removed.
        time.sleep(0.5)
        assert first.process.poll() is None
    finally:
        assert first.stop() == 0
    assert state.is_file()


def test_a_server_that_cannot_bind_its_port_writes_no_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*SERVE, str(port), "--state-file", str(state), "--quiet"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert not state.exists()
