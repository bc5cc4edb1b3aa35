"""The servers a run measures, each its own process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "benchmarks"
CACHE = HERE / ".cache"
PYTHON = sys.executable
RAW_ASGI = "raw ASGI app (uvicorn)"
FASTAPI = "one-route FastAPI app"
QUIET = "mockgraph (quiet: --log-level warning)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def own_core(server: Server, *others: Server, beside: Sequence[Server] = ()) -> Iterator[str]:
    """While the block runs: every thread of `server` (and of `beside`, servers loaded in
    turns with it) on the first CPU this process may use, and every thread of `others` and of
    this process (and so wrk and whatever else it starts) on the rest; the note says which. A
    no-op on a machine with one CPU, or where affinity cannot be set.

    Where the server is measured against itself with helpers of the benchmark's loading the
    machine (a webhook, a renewing client), this keeps the helpers' CPU off the server's core:
    the figure is then the server's own, not the scheduler's."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2 or server.process is None:
        yield "not pinned (one CPU)"
        return
    first, rest = {cpus[0]}, set(cpus[1:])
    pids = [os.getpid(), *(o.process.pid for o in others if o.process is not None)]
    helpers = f"CPU {cpus[1]}" if len(cpus) == 2 else f"CPUs {cpus[1]}-{cpus[-1]}"
    try:
        for measured in (server, *beside):
            if measured.process is not None:
                _pin(measured.process.pid, first)
        for pid in pids:
            _pin(pid, rest)
        servers = "the servers" if beside else "the server"
        note = f"{servers} on CPU {cpus[0]}, wrk and the benchmark's helpers on {helpers}"
    except OSError as exc:
        note = f"not pinned ({exc.strerror})"
    try:
        yield note
    finally:
        for pid in pids:
            _pin(pid, set(cpus))


def _pin(pid: int, cpus: set[int]) -> None:
    """Every thread of `pid` onto `cpus` (threads it starts later inherit the mask)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            os.sched_setaffinity(int(task), cpus)
        except (ProcessLookupError, FileNotFoundError):
            continue  # a thread that ended meanwhile


def rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system, every thread) a process has used so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime, the 14th and 15th fields of stat(5), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    health_path: str
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)
    # Where the server's stderr goes (mockgraph's request log); None: nowhere.
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    startup_ms: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        started = time.perf_counter()
        with open(self.log or os.devnull, "ab") as output:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdout=subprocess.DEVNULL,
                stderr=output,
                start_new_session=True,
            )
        deadline = started + timeout
        with httpx.Client(timeout=1) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
                try:
                    if client.get(self.url + self.health_path).status_code == 200:
                        self.startup_ms = (time.perf_counter() - started) * 1000
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.002)
        raise RuntimeError(f"{self.name} did not become healthy in {timeout:.0f} s")

    def rss(self) -> float:
        assert self.process is not None
        return rss_mib(self.process.pid)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # Only what this run started: the process group of the server it launched.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        server.start()
        yield server
    finally:
        server.stop()


class Sampler:
    """The highest RSS of a process while a `with` block runs, sampled every 0.1 s."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(0.1):
            self.peak = max(self.peak, self.server.rss())


def mockgraph_server(
    fixtures: Path | None = None, name: str = "mockgraph", *, quiet: bool = False
) -> Server:
    """mockgraph as users run it: at its defaults, its request log on and written to a file;
    `quiet` (--log-level warning) turns the log off, for the figure beside it."""
    port = free_port()
    argv = [PYTHON, "-m", "mockgraph", "serve", "--port", str(port)]
    if quiet:
        argv += ["--log-level", "warning"]
    if fixtures is not None:
        argv += ["--fixtures", str(fixtures)]
    logs = Path(tempfile.gettempdir()) / "mockgraph-bench-logs"
    logs.mkdir(exist_ok=True)
    log = logs / f"{name.split()[0]}-{port}.log"
    log.unlink(missing_ok=True)
    return Server(QUIET if quiet else name, argv, port, "/_mockgraph/health", log=log)


def uvicorn_server(name: str, target: str) -> Server:
    port = free_port()
    return Server(
        name,
        [
            PYTHON,
            "-m",
            "uvicorn",
            target,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
            "--no-proxy-headers",
        ],
        port,
        "/health",
        cwd=HERE / "baselines",
    )


def raw_asgi_server() -> Server:
    """The floor for Python: benchmarks/baselines/raw_asgi.py."""
    return uvicorn_server(RAW_ASGI, "raw_asgi:app")


def fastapi_server() -> Server:
    """What a hand-written FastAPI mock costs: benchmarks/baselines/fastapi_one_route.py."""
    return uvicorn_server(FASTAPI, "fastapi_one_route:app")


def webhook_server() -> Server:
    """benchmarks/webhook.py: a webhook that notes when each notification came (cases 8, 14)."""
    port = free_port()
    argv = [PYTHON, "-m", "uvicorn", "webhook:app", "--port", str(port)]
    argv += ["--log-level", "warning", "--no-access-log"]
    return Server("webhook receiver", argv, port, "/health", cwd=HERE)
