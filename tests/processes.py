"""mockgraph as a user runs it: `python -m mockgraph serve` in a subprocess on a loopback port,
and the interpreters the tests run it on."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.client import Graph


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mockgraph exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/_mockgraph/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("mockgraph did not become healthy")


def python312() -> str | None:
    if sys.version_info[:2] == (3, 12):
        return sys.executable
    found = shutil.which("python3.12")
    if (
        found
        and subprocess.run([found, "--version"], capture_output=True, check=False).returncode == 0
    ):
        return found
    candidates = sorted(glob.glob("/root/.pyenv/versions/3.12*/bin/python3.12"))
    return candidates[-1] if candidates else None


class Served:
    """`python -m mockgraph serve` in a subprocess, stopped only by this test, by PID."""

    def __init__(self, tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"server-{self.port}.log"
        self._log = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockgraph", "serve", "--port", str(self.port), *extra],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    def start(self) -> Served:
        wait_healthy(self.url, self.process)
        return self

    def token(self, **body: Any) -> str:
        """A token from this server's POST /_mockgraph/tokens (see `Graph.token`)."""
        graph = Graph(None, self.url)
        try:
            return graph.token(**body)
        finally:
            graph.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._log.close()
        return code
