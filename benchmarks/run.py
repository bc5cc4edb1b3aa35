"""mockgraph against its peers, on this machine, in one run: `make bench` (or `--quick`).

Starts mockgraph and the baselines (a raw ASGI app and a one-route FastAPI app under uvicorn,
always; WireMock and Prism from the npm registry when they can be installed), loads each with
wrk on loopback for a bounded time, and writes a table as Markdown and JSON in which every
mockgraph figure is also a ratio to each baseline of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.directory import evaluate_directory, run_directory_cases
from mockgraph.notifications.webhooks import WebhookClient

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
DOC = ROOT / "docs" / "performance.md"
PYTHON = sys.executable
TENANT = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"
READER_APP = "9a1c3e5b-7d9f-4b1d-a3c5-e7a9c1e3b5d7"
WRITER_APP = "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11"
PRESENCE_BODY_PATH = "/v1.0/users/{id}/presence"
WIREMOCK_VERSION = "3.13.2"
PRISM_VERSION = "5.16.0"
PROXY_CASE = "13. GET presence via the proxy (TLS)"
NEW_TLS_CASE = "13. one new TLS connection via the proxy"


def user_id(index: int) -> str:
    return str(uuid.UUID(int=0x10000000_0000_4000_8000_000000000000 + index))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_fixtures(path: Path, users: int, *, busy: bool = False, idle: bool = False) -> None:
    """A seed file of `users` users; with `busy`, each holds a session and a status message;
    with `idle`, none has a session (all Offline); else every other user is Busy."""
    entries = []
    for index in range(users):
        entry: dict[str, Any] = {"id": user_id(index), "displayName": f"User {index}"}
        if busy or (index % 2 == 0 and not idle):
            entry["presence"] = {"availability": "Busy", "activity": "InACall"}
        if busy:
            entry["statusMessage"] = {
                "message": {"content": f"Status of user {index}", "contentType": "text"}
            }
        entries.append(entry)
    apps = [
        {"appId": READER_APP, "delegatedPermissions": ["Presence.Read.All"]},
        {"appId": WRITER_APP, "applicationPermissions": ["Presence.ReadWrite.All"]},
    ]
    path.write_text(json.dumps({"tenantId": TENANT, "users": entries, "apps": apps}))


# --- processes ---------------------------------------------------------------------------


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


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    health_path: str
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    startup_ms: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
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


def mockgraph_server(fixtures: Path | None = None, name: str = "mockgraph") -> Server:
    port = free_port()
    argv = [PYTHON, "-m", "mockgraph", "serve", "--port", str(port), "--log-level", "warning"]
    if fixtures is not None:
        argv += ["--fixtures", str(fixtures)]
    return Server(name, argv, port, "/_mockgraph/health")


# --- peers from the npm registry ---------------------------------------------------------


def npm_install(package: str) -> tuple[Path | None, str]:
    """Install `package` under benchmarks/.cache/npm; (its folder, "") or (None, why not)."""
    if shutil.which("npm") is None:
        return None, "npm is not installed"
    prefix = CACHE / "npm"
    name = (
        package.rsplit("@", 1)[0]
        if package.count("@") > (1 if package.startswith("@") else 0)
        else package
    )
    folder = prefix / "node_modules" / name
    if not folder.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        try:
            result = subprocess.run(
                [
                    "npm",
                    "install",
                    "--prefix",
                    str(prefix),
                    "--no-audit",
                    "--no-fund",
                    "--silent",
                    package,
                ],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, f"npm install {package} timed out"
        if result.returncode != 0 or not folder.exists():
            return None, f"npm install {package} failed: {result.stderr.strip()[:200]}"
    return folder, ""


def wiremock_server(stub_body: bytes) -> tuple[Server | None, str]:
    if shutil.which("java") is None:
        return None, "java is not installed"
    folder, why = npm_install(f"wiremock@{WIREMOCK_VERSION}")
    if folder is None:
        return None, why
    jars = sorted((folder / "build").glob("wiremock-standalone-*.jar"))
    if not jars:
        return None, "the wiremock npm package holds no standalone jar"
    root = CACHE / "wiremock-root"
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    mapping = {
        "request": {"method": "GET", "urlPathPattern": "/v1.0/users/[^/]+/presence"},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": stub_body.decode(),
        },
    }
    (root / "mappings" / "presence.json").write_text(json.dumps(mapping))
    port = free_port()
    return Server(
        "WireMock (static stub, defaults)",
        [
            "java",
            "-jar",
            str(jars[-1]),
            "--port",
            str(port),
            "--root-dir",
            str(root),
            "--disable-banner",
        ],
        port,
        "/__admin/health",
    ), ""


def prism_server(spec: Path) -> tuple[Server | None, str]:
    folder, why = npm_install(f"@stoplight/prism-cli@{PRISM_VERSION}")
    if folder is None:
        return None, why
    binary = CACHE / "npm" / "node_modules" / ".bin" / "prism"
    port = free_port()
    return Server(
        "Prism (mock of mockgraph's OpenAPI)",
        [str(binary), "mock", "-p", str(port), "-h", "127.0.0.1", str(spec)],
        port,
        "/_mockgraph/health",
    ), ""


# --- load --------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, flags=re.M)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def wrk(
    url: str,
    seconds: float,
    *,
    script: Path | None = None,
    headers: Sequence[str] = (),
    connections: int = 32,
) -> Load:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for header in headers:
        argv += ["-H", header]
    if script is not None:
        argv += ["-s", str(script)]
    result = subprocess.run(
        [*argv, url], capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors and re.search(r"(connect|read|write|timeout) [1-9]", socket_errors.group(0)):
        failed += 1
    return Load(rps, _latency(out, "50"), _latency(out, "99"), requests, failed)


def median_load(runs: Sequence[Load]) -> Load:
    return Load(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        sum(r.requests for r in runs),
        sum(r.errors for r in runs),
    )


def lua(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def lua_list(values: Sequence[str]) -> str:
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def token(url: str, **body: Any) -> str:
    answer = httpx.post(f"{url}/_mockgraph/tokens", json=body, timeout=30)
    answer.raise_for_status()
    value: str = answer.json()["access_token"]
    return value


# --- case 8: notification fan-out --------------------------------------------------------

# Each round moves every user to the next state, so that every change is a notification.
FANOUT_STATES = [
    ("Busy", "InACall"),
    ("Away", "Away"),
    ("DoNotDisturb", "Presenting"),
    ("Available", "Available"),
    ("Busy", "InAConferenceCall"),
]
FANOUT_SENDERS = 32


@dataclass
class FanOut:
    subscriptions: int
    changes: int
    delivered: int
    failed_changes: int
    burst_s: float
    elapsed_s: float
    latencies_ms: list[float]
    rss_subscribed_mib: float


def webhook_server() -> Server:
    port = free_port()
    argv = [PYTHON, "-m", "uvicorn", "webhook:app", "--port", str(port)]
    argv += ["--log-level", "warning", "--no-access-log"]
    return Server("webhook receiver", argv, port, "/health", cwd=HERE)


async def _subscribe_all(client: httpx.AsyncClient, webhook: str, count: int) -> None:
    """One subscription per user, each made by that user (Graph allows one per user per app)."""
    expiry = (datetime.now(UTC) + timedelta(minutes=55)).isoformat()
    gate = asyncio.Semaphore(16)

    async def subscribe(index: int) -> None:
        async with gate:
            minted = await client.post(
                "/_mockgraph/tokens",
                json={
                    "userId": user_id(index),
                    "scopes": ["Presence.Read.All"],
                    "appId": READER_APP,
                },
            )
            created = await client.post(
                "/v1.0/subscriptions",
                headers={"Authorization": f"Bearer {minted.json()['access_token']}"},
                json={
                    "changeType": "updated",
                    "notificationUrl": webhook + "/notify",
                    "resource": f"/communications/presences/{user_id(index)}",
                    "expirationDateTime": expiry,
                    "clientState": "fan-out",
                },
            )
            created.raise_for_status()

    await asyncio.gather(*(subscribe(i) for i in range(count)))


async def _burst(
    server: str, writer: str, users: int, changes: int
) -> tuple[dict[str, list[float]], int]:
    """`changes` setPresence calls over `users` users; when each was sent, and how many failed.

    Each sender owns its own users and goes round after round through them, so one user's
    changes are made one after the other and the k-th notification about a user answers its
    k-th change. The calls go through mockgraph's own lean webhook client: httpx would spend
    more CPU sending the burst than mockgraph spends serving and delivering it.
    """
    sent: dict[str, list[float]] = {user_id(i): [] for i in range(users)}
    failed = 0
    client = WebhookClient(keep=FANOUT_SENDERS)
    headers = [("Authorization", f"Bearer {writer}"), ("Content-Type", "application/json")]

    async def sender(first: int) -> None:
        nonlocal failed
        for index in range(changes):
            if index % users % FANOUT_SENDERS != first:
                continue
            target = user_id(index % users)
            availability, activity = FANOUT_STATES[(index // users) % len(FANOUT_STATES)]
            body = json.dumps(
                {
                    "sessionId": WRITER_APP,
                    "availability": availability,
                    "activity": activity,
                    "expirationDuration": "PT1H",
                }
            ).encode()
            sent[target].append(time.monotonic())
            answer = await client.post(
                f"{server}/v1.0/users/{target}/presence/setPresence", body, headers, 30
            )
            failed += answer.status != 200

    await asyncio.gather(*(sender(first) for first in range(FANOUT_SENDERS)))
    return sent, failed


async def fan_out(
    mockgraph: Server, webhook: str, users: int, changes: int, seconds: float
) -> FanOut:
    """Subscribe to `users` users, change their presence `changes` times, and wait (at most
    `seconds`) until the webhook has answered every notification."""
    server = mockgraph.url
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        await _subscribe_all(client, webhook, users)
        subscribed = mockgraph.rss()
        minted = await client.post(
            "/_mockgraph/tokens", json={"appId": WRITER_APP, "roles": ["Presence.ReadWrite.All"]}
        )
        writer = minted.json()["access_token"]
        started = time.monotonic()
        sent, failed = await _burst(server, writer, users, changes)
        burst = time.monotonic() - started
        while time.monotonic() < started + seconds:
            if int((await client.get(webhook + "/count")).text) >= changes:
                break
            await asyncio.sleep(0.05)
        arrivals: list[tuple[str, float]] = (await client.get(webhook + "/arrivals")).json()
    latencies, seen = [], dict.fromkeys(sent, 0)
    for target, stamp in arrivals:
        index = seen[target]
        seen[target] += 1
        if index < len(sent[target]):
            latencies.append((stamp - sent[target][index]) * 1000)
    last = max((stamp for _, stamp in arrivals), default=started)
    return FanOut(
        users, changes, len(arrivals), failed, burst, last - started, latencies, subscribed
    )


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


# --- the run -----------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    server: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    startup_ms: float | None = None
    rss_idle_mib: float | None = None
    rss_after_mib: float | None = None
    requests: int | None = None
    errors: int | None = None
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def row(self, case: str, server: str) -> Row | None:
        return next((r for r in self.rows if r.case == case and r.server == server), None)


def _percentile(ordered: Sequence[float], percent: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


# The groups of cases `--case` selects; `make bench` runs them all.
CASES = ("presence", "scale", "startup", "memory", "fanout", "directory", "proxy")


class Bench:
    def __init__(self, seconds: float, runs: int, quick: bool, work: Path) -> None:
        self.seconds = seconds
        self.runs = runs
        self.quick = quick
        self.work = work
        self.report = Report(
            settings={
                "seconds": seconds,
                "runs": runs,
                "quick": quick,
                "wrk": "1 thread, 32 connections",
            }
        )

    def load(self, url: str, **options: Any) -> Load:
        # A short warm-up first (JITs, caches), then the measured runs.
        if not self.quick:
            wrk(url, 3, **options)
        return median_load([wrk(url, self.seconds, **options) for _ in range(self.runs)])

    def measure(self, case: str, server: Server, url: str, note: str = "", **options: Any) -> Row:
        idle = server.rss()
        load = self.load(url, **options)
        row = Row(
            case,
            server.name,
            load.rps,
            load.p50_ms,
            load.p99_ms,
            server.startup_ms,
            idle,
            server.rss(),
            load.requests,
            load.errors,
            note,
        )
        self.report.rows.append(row)
        print(
            f"  {case:<34} {server.name:<40} {load.rps:>9.0f} req/s  p50 {load.p50_ms:6.2f} "
            f"ms  p99 {load.p99_ms:7.2f} ms  errors {load.errors}",
            flush=True,
        )
        return row

    def run(self, peers: bool, cases: Sequence[str] = CASES) -> Report:
        """The cases named in `cases` (every one by default), then the targets they meet."""
        many = 200 if self.quick else 100_000
        if "presence" in cases:
            self.presence(peers)
        if "scale" in cases:
            self.scale(many)
        if "startup" in cases:
            self.startup()
        if "memory" in cases:
            self.memory(many)
        if "fanout" in cases:
            self.fanout()
        if "directory" in cases:
            run_directory_cases(self)
        if "proxy" in cases:
            self.proxy_case(with_case_1="presence" in cases)
        self.report.machine = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        }
        evaluate(self.report)
        return self.report

    def presence(self, peers: bool) -> None:
        """Cases 1 and 3 to 5 on 1,000 users, and the baselines and peers beside case 1."""
        users = 50 if self.quick else 1000
        small = self.work / "users-small.json"
        write_fixtures(small, users)
        get_path = PRESENCE_BODY_PATH.format(id=user_id(1))
        print("case 1 and peers: GET a presence", flush=True)
        with running(mockgraph_server(small)) as server:
            reader = token(
                server.url, userId=user_id(0), scopes=["Presence.Read.All"], appId=READER_APP
            )
            sample = httpx.get(
                server.url + get_path, headers={"Authorization": f"Bearer {reader}"}
            ).content
            self.measure(
                "1. GET presence, 1,000 users",
                server,
                server.url + get_path,
                headers=[f"Authorization: Bearer {reader}"],
            )
            self.cases_3_to_5(server, users)
        self.baselines(get_path, sample, peers)

    def scale(self, many: int) -> None:
        print("case 2: GET with 100,000 users", flush=True)
        large = self.work / "users-large.json"
        write_fixtures(large, many)
        with running(mockgraph_server(large)) as server:
            reader = token(
                server.url, userId=user_id(0), scopes=["Presence.Read.All"], appId=READER_APP
            )
            self.measure(
                "2. GET presence, 100,000 users",
                server,
                server.url + PRESENCE_BODY_PATH.format(id=user_id(1)),
                headers=[f"Authorization: Bearer {reader}"],
            )

    def fanout(self) -> None:
        """Case 8: subscriptions on distinct users, a burst of changes, a local webhook."""
        users, changes = (50, 250) if self.quick else (1000, 5000)
        seconds = 30 if self.quick else 180
        print(f"case 8: notification fan-out, {users:,} subscriptions", flush=True)
        fixtures = self.work / "users-fanout.json"
        write_fixtures(fixtures, users, idle=True)
        with running(mockgraph_server(fixtures)) as server, running(webhook_server()) as webhook:
            case = fan_out(server, webhook.url, users, changes, seconds)
            with Sampler(server) as sampler:
                try:
                    # The whole case, subscribing included, is bounded in time.
                    result = asyncio.run(asyncio.wait_for(case, timeout=2 * seconds))
                except TimeoutError:
                    self.report.skipped["8. notification fan-out"] = f"not done in {2 * seconds} s"
                    print(f"  not done in {2 * seconds} s", flush=True)
                    return
            after = server.rss()
        idle = result.rss_subscribed_mib
        latencies = sorted(result.latencies_ms)
        row = Row(
            f"8. notification fan-out, {users:,} subscriptions",
            "mockgraph",
            rps=result.delivered / result.elapsed_s if result.elapsed_s else None,
            p50_ms=_percentile(latencies, 50),
            p99_ms=_percentile(latencies, 99),
            rss_idle_mib=idle,
            rss_after_mib=max(sampler.peak, after),
            requests=result.delivered,
            errors=changes - result.delivered + result.failed_changes,
            note=f"burst of {changes:,} changes sent in {result.burst_s:.1f} s; req/s: "
            "deliveries/s; latency: from sending the change to the webhook's 202; RSS: "
            "subscribed, before the burst, and at its peak",
        )
        self.report.rows.append(row)
        print(
            f"  {result.delivered:,}/{changes:,} delivered in {result.elapsed_s:.1f} s: "
            f"{row.rps or 0:.0f}/s, p50 {row.p50_ms or 0:.1f} ms, p99 {row.p99_ms or 0:.1f} ms, "
            f"RSS {idle:.0f} -> peak {row.rss_after_mib:.0f} MiB (after {after:.0f})",
            flush=True,
        )

    def proxy_case(self, with_case_1: bool) -> None:
        """Case 13, with case 1 measured on the same server for its ratio when the presence
        group did not run."""
        small = self.work / "users-proxy.json"
        write_fixtures(small, 50 if self.quick else 1000)
        self.proxy(small, PRESENCE_BODY_PATH.format(id=user_id(1)), plain_case_1=not with_case_1)

    def proxy(self, fixtures: Path, get_path: str, *, plain_case_1: bool) -> None:
        """Case 13: GET presence as https://graph.microsoft.com through the intercepting proxy
        (TLS, keep-alive; wrk has no CONNECT, so benchmarks/proxy_load.py drives it), and one
        new TLS connection's cost, from CONNECT to the first byte."""
        if TYPE_CHECKING:
            from benchmarks import proxy_load
        else:
            # run.py runs as a script: its folder, not the repository, is on sys.path.
            sys.path.insert(0, str(HERE))
            import proxy_load

        print("case 13: GET presence through the proxy, TLS, keep-alive", flush=True)
        server = mockgraph_server(fixtures)
        proxy_port = free_port()
        server.argv += ["--proxy-port", str(proxy_port)]
        with running(server):
            reader = token(
                server.url, userId=user_id(0), scopes=["Presence.Read.All"], appId=READER_APP
            )
            ca = self.work / "proxy-ca.pem"
            ca.write_bytes(httpx.get(server.url + "/_mockgraph/ca.pem").content)
            if plain_case_1:
                self.measure(
                    "1. GET presence, 1,000 users",
                    server,
                    server.url + get_path,
                    headers=[f"Authorization: Bearer {reader}"],
                )
            idle = server.rss()
            if not self.quick:
                proxy_load.load(proxy_port, str(ca), get_path, reader, 3)
            runs = [
                proxy_load.load(proxy_port, str(ca), get_path, reader, self.seconds)
                for _ in range(self.runs)
            ]
            rps = statistics.median(r.rps for r in runs)
            row = Row(
                PROXY_CASE,
                server.name,
                rps,
                statistics.median(r.p50_ms for r in runs),
                statistics.median(r.p99_ms for r in runs),
                server.startup_ms,
                idle,
                server.rss(),
                sum(r.requests for r in runs),
                sum(r.errors for r in runs),
                "32 keep-alive tunnels, asyncio client on uvloop",
            )
            self.report.rows.append(row)
            handshake = proxy_load.new_connection_ms(
                proxy_port, str(ca), get_path, reader, 20 if self.quick else 200
            )
            self.report.rows.append(
                Row(
                    NEW_TLS_CASE,
                    server.name,
                    p50_ms=handshake,
                    note="median, CONNECT to the first byte of the first answer",
                )
            )
            print(
                f"  {PROXY_CASE:<34} {rps:>9.0f} req/s  p50 {row.p50_ms:6.2f} ms  "
                f"p99 {row.p99_ms:7.2f} ms  errors {row.errors}; new TLS connection "
                f"{handshake:.2f} ms",
                flush=True,
            )

    def cases_3_to_5(self, server: Server, users: int) -> None:
        writer = token(server.url, appId=WRITER_APP, roles=["Presence.ReadWrite.All"])
        auth = f"Authorization: Bearer {writer}"
        ids = [user_id(i) for i in range(users)]
        set_body = json.dumps(
            {
                "sessionId": WRITER_APP,
                "availability": "Busy",
                "activity": "InACall",
                "expirationDuration": "PT1H",
            }
        )
        rotate = lua(
            self.work / "set.lua",
            f"""
local ids = {lua_list(ids)}
local i = 0
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local path = "/v1.0/users/" .. ids[(i % #ids) + 1] .. "/presence/setPresence"
  return wrk.format("POST", path, nil, '{set_body}')
end
""",
        )
        self.measure(
            "3. POST setPresence, rotating users", server, server.url, script=rotate, headers=[auth]
        )
        bulk = json.dumps({"ids": [user_id(i % users) for i in range(650)]})
        bulk_lua = lua(
            self.work / "bulk.lua",
            f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{bulk}'
""",
        )
        self.measure(
            "4. POST getPresencesByUserId, 650 ids",
            server,
            server.url + "/v1.0/communications/getPresencesByUserId",
            script=bulk_lua,
            headers=[auth],
        )
        status_body = json.dumps(
            {"statusMessage": {"message": {"content": "In the zone", "contentType": "text"}}}
        )
        mixed = lua(
            self.work / "mixed.lua",
            f"""
local ids = {lua_list(ids)}
math.randomseed(7)
wrk.headers["Content-Type"] = "application/json"
request = function()
  local id = ids[math.random(#ids)]
  local roll = math.random(100)
  if roll <= 80 then
    return wrk.format("GET", "/v1.0/users/" .. id .. "/presence")
  elseif roll <= 95 then
    return wrk.format("POST", "/v1.0/users/" .. id .. "/presence/setPresence", nil, '{set_body}')
  end
  return wrk.format("POST", "/v1.0/users/" .. id .. "/presence/setStatusMessage", nil,
                    '{status_body}')
end
""",
        )
        self.measure(
            "5. mixed 80% GET, 15% set, 5% status", server, server.url, script=mixed, headers=[auth]
        )

    def baselines(self, get_path: str, sample: bytes, peers: bool) -> None:
        for server in (
            uvicorn_server("raw ASGI app (uvicorn)", "raw_asgi:app"),
            uvicorn_server("one-route FastAPI app", "fastapi_one_route:app"),
        ):
            with running(server):
                self.measure("1. GET presence, 1,000 users", server, server.url + get_path)
        if not peers:
            self.report.skipped["WireMock"] = "peers not requested (--no-peers or --quick)"
            self.report.skipped["Prism"] = "peers not requested (--no-peers or --quick)"
            return
        wiremock, why = wiremock_server(sample)
        if wiremock is None:
            self.report.skipped["WireMock"] = why
            print(f"  WireMock skipped: {why}", flush=True)
        else:
            with running(wiremock):
                self.measure("1. GET presence, 1,000 users", wiremock, wiremock.url + get_path)
        spec = self.work / "openapi.json"
        with running(mockgraph_server()) as server:
            spec.write_text(httpx.get(server.url + "/openapi.json").text)
        prism, why = prism_server(spec)
        if prism is None:
            self.report.skipped["Prism"] = why
            print(f"  Prism skipped: {why}", flush=True)
        else:
            with running(prism):
                self.measure(
                    "1. GET presence, 1,000 users",
                    prism,
                    prism.url + get_path,
                    headers=["Authorization: Bearer x"],
                )

    def startup(self) -> None:
        print("case 6: start-up to healthy", flush=True)
        samples: dict[str, list[float]] = {}
        makers: list[Callable[[], Server]] = [
            mockgraph_server,
            lambda: uvicorn_server("raw ASGI app (uvicorn)", "raw_asgi:app"),
            lambda: uvicorn_server("one-route FastAPI app", "fastapi_one_route:app"),
        ]
        for _ in range(1 if self.quick else 5):
            for make in makers:
                server = make()
                with running(server):
                    samples.setdefault(server.name, []).append(server.startup_ms)
        for name, values in samples.items():
            row = Row(
                "6. start-up to healthy",
                name,
                startup_ms=statistics.median(values),
                note=f"median of {len(values)}",
            )
            self.report.rows.append(row)
            print(f"  {name:<40} {row.startup_ms:7.0f} ms", flush=True)
        self.docker_startup()

    def docker_startup(self) -> None:
        """`docker run` to a 200 from health, with the image the container test builds."""
        build = ROOT / "tests" / "container" / "build-image.sh"
        if shutil.which("docker") is None or self.quick:
            self.report.skipped["docker run to healthy"] = (
                "docker is not installed" if not self.quick else "not in a quick run"
            )
            return
        result = subprocess.run(
            ["bash", str(build), "mockgraph:bench"],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if result.returncode != 0:
            why = (result.stderr.strip().splitlines() or ["unknown"])[-1]
            self.report.skipped["docker run to healthy"] = f"no image could be built: {why}"
            return
        values = []
        for _ in range(5):
            port = free_port()
            name = f"mockgraph-bench-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            subprocess.run(
                [
                    "docker",
                    "run",
                    "-d",
                    "--rm",
                    "--network",
                    "host",
                    "--name",
                    name,
                    "-e",
                    f"MOCKGRAPH_PORT={port}",
                    "mockgraph:bench",
                ],
                capture_output=True,
                check=True,
                timeout=60,
            )
            try:
                with httpx.Client(timeout=1) as client:
                    while time.perf_counter() - started < 60:
                        try:
                            url = f"http://127.0.0.1:{port}/_mockgraph/health"
                            if client.get(url).status_code == 200:
                                break
                        except httpx.TransportError:
                            time.sleep(0.01)
                values.append((time.perf_counter() - started) * 1000)
            finally:
                subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        row = Row(
            "6. start-up to healthy",
            "mockgraph image (docker run)",
            startup_ms=statistics.median(values),
            note=f"median of {len(values)}",
        )
        self.report.rows.append(row)
        print(f"  {row.server:<40} {row.startup_ms:7.0f} ms", flush=True)

    def memory(self, many: int) -> None:
        print("case 7: memory", flush=True)
        total = 5_000 if self.quick else 1_000_000
        with running(mockgraph_server()) as server:
            reader = token(
                server.url,
                userId="fa8bf3dc-eca7-46b7-bad1-db199b62afc3",
                scopes=["Presence.Read.All"],
            )
            idle = server.rss()
            sent = 0
            deadline = time.monotonic() + (30 if self.quick else 300)
            while sent < total and time.monotonic() < deadline:
                sent += wrk(
                    server.url + "/v1.0/users/66825e03-7ef5-42da-9069-724602c31f6b/presence",
                    1 if self.quick else 10,
                    headers=[f"Authorization: Bearer {reader}"],
                ).requests
            after = server.rss()
        self.report.rows.append(
            Row(
                f"7. memory after {sent:,} requests",
                "mockgraph",
                rss_idle_mib=idle,
                rss_after_mib=after,
                requests=sent,
                note="journal on, default bound (10,000)",
            )
        )
        print(f"  RSS idle {idle:.0f} MiB, after {sent:,} requests {after:.0f} MiB", flush=True)
        busy = self.work / "users-busy.json"
        write_fixtures(busy, many, busy=True)
        with running(mockgraph_server(busy, name="mockgraph")) as server:
            reader = token(
                server.url, userId=user_id(0), scopes=["Presence.Read.All"], appId=READER_APP
            )
            with httpx.Client(headers={"Authorization": f"Bearer {reader}"}, timeout=60) as client:
                # Read every user once, so that every rendered presence is cached too.
                for start in range(0, many, 650):
                    ids = [user_id(i) for i in range(start, min(start + 650, many))]
                    client.post(
                        server.url + "/v1.0/communications/getPresencesByUserId", json={"ids": ids}
                    ).raise_for_status()
            rss = server.rss()
        self.report.rows.append(
            Row(
                f"7. memory with {many:,} users",
                "mockgraph",
                rss_after_mib=rss,
                startup_ms=server.startup_ms,
                note="each with a session and a status message, all read",
            )
        )
        print(f"  RSS with {many:,} busy users, all read: {rss:.0f} MiB", flush=True)


# --- targets and ratios ------------------------------------------------------------------


def evaluate(report: Report) -> None:
    get1 = report.row("1. GET presence, 1,000 users", "mockgraph")
    baselines = (
        [r for r in report.rows if r.case == get1.case and r.server != "mockgraph"] if get1 else []
    )
    for row in baselines:
        report.ratios.append(
            {
                "baseline": row.server,
                "throughput": _ratio(get1.rps if get1 else None, row.rps),
                "p99": _ratio(get1.p99_ms if get1 else None, row.p99_ms),
            }
        )
    startups = {r.server: r.startup_ms for r in report.rows if r.case == "6. start-up to healthy"}
    for name, value in startups.items():
        if not name.startswith("mockgraph"):
            report.ratios.append(
                {"baseline": name, "startup": _ratio(startups.get("mockgraph"), value)}
            )

    def target(name: str, ok: bool | None, detail: str) -> None:
        report.targets.append({"target": name, "met": ok, "detail": detail})

    proxied = report.row(PROXY_CASE, "mockgraph")
    if get1 and get1.rps and proxied and proxied.rps:
        target(
            "case 13 (proxy, TLS, keep-alive) >= 0.5x case 1",
            proxied.rps >= 0.5 * get1.rps,
            f"{proxied.rps / get1.rps:.2f}x",
        )

    wiremock = next((r for r in baselines if r.server.startswith("WireMock")), None)
    raw = next((r for r in baselines if r.server.startswith("raw ASGI")), None)
    if get1 and wiremock and wiremock.rps and get1.rps and get1.p99_ms and wiremock.p99_ms:
        target(
            "case 1 throughput >= WireMock's",
            get1.rps >= wiremock.rps,
            f"{get1.rps / wiremock.rps:.2f}x WireMock",
        )
        target(
            "case 1 p99 < WireMock's",
            get1.p99_ms < wiremock.p99_ms,
            f"{get1.p99_ms:.2f} ms vs {wiremock.p99_ms:.2f} ms",
        )
    elif get1 and raw and raw.rps and get1.rps:
        target(
            "case 1 throughput >= 0.6x raw ASGI (WireMock could not run)",
            get1.rps >= 0.6 * raw.rps,
            f"{get1.rps / raw.rps:.2f}x raw ASGI",
        )
    get2 = report.row("2. GET presence, 100,000 users", "mockgraph")
    if get1 and get2 and get1.rps and get2.rps:
        target("case 2 >= 0.9x case 1", get2.rps >= 0.9 * get1.rps, f"{get2.rps / get1.rps:.2f}x")
    set3 = report.row("3. POST setPresence, rotating users", "mockgraph")
    if get1 and set3 and get1.rps and set3.rps:
        target("case 3 >= 0.5x case 1", set3.rps >= 0.5 * get1.rps, f"{set3.rps / get1.rps:.2f}x")
    bulk = report.row("4. POST getPresencesByUserId, 650 ids", "mockgraph")
    if get1 and bulk and get1.p50_ms and bulk.p50_ms:
        target(
            "case 4 latency <= 20x case 1",
            bulk.p50_ms <= 20 * get1.p50_ms,
            f"p50 {bulk.p50_ms / get1.p50_ms:.1f}x",
        )
    ours, fastapi = startups.get("mockgraph"), startups.get("one-route FastAPI app")
    if ours and fastapi:
        target(
            "start-up <= 1.5x one-route FastAPI",
            ours <= 1.5 * fastapi,
            f"{ours:.0f} ms vs {fastapi:.0f} ms ({ours / fastapi:.2f}x)",
        )
    peers = [r for r in baselines if r.server.startswith(("WireMock", "Prism"))]
    if ours and peers:
        slowest = min(r.startup_ms or 0 for r in peers)
        target("start-up below every peer's", ours < slowest, f"{ours:.0f} ms vs {slowest:.0f} ms")
    memory = next((r for r in report.rows if r.case.startswith("7. memory after")), None)
    if memory and memory.rss_idle_mib and memory.rss_after_mib:
        target(
            "RSS after the load <= 1.5x idle",
            memory.rss_after_mib <= 1.5 * memory.rss_idle_mib,
            f"{memory.rss_after_mib:.0f} MiB vs {memory.rss_idle_mib:.0f} MiB idle "
            f"({memory.requests:,} requests)",
        )
    crowd = next((r for r in report.rows if r.case.startswith("7. memory with")), None)
    if crowd and crowd.rss_after_mib:
        target(
            "RSS with 100,000 busy users < 300 MiB",
            crowd.rss_after_mib < 300,
            f"{crowd.rss_after_mib:.0f} MiB",
        )
    fanout = next((r for r in report.rows if r.case.startswith("8. notification fan-out")), None)
    if fanout and fanout.rss_idle_mib and fanout.rss_after_mib:
        target(
            "fan-out: every change notified",
            not fanout.errors,
            f"{fanout.requests:,} delivered, {fanout.errors} missing or failed",
        )
        target(
            "fan-out: RSS at the burst's peak <= 1.5x before it",
            fanout.rss_after_mib <= 1.5 * fanout.rss_idle_mib,
            f"{fanout.rss_after_mib:.0f} MiB vs {fanout.rss_idle_mib:.0f} MiB",
        )
    evaluate_directory(report, target)
    errors = sum(r.errors or 0 for r in report.rows if r.server == "mockgraph")
    target("no mockgraph request failed", errors == 0, f"{errors} non-2xx answers")


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 2) if ours and theirs else None


def _fmt(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def markdown(report: Report) -> str:
    lines = [
        "| case | server | req/s | p50 ms | p99 ms | start to healthy ms | RSS before MiB "
        "| RSS after MiB | note |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in report.rows:
        lines.append(
            f"| {r.case} | {r.server} | {_fmt(r.rps)} | {_fmt(r.p50_ms, 2)} | "
            f"{_fmt(r.p99_ms, 2)} | {_fmt(r.startup_ms)} | {_fmt(r.rss_idle_mib)} | "
            f"{_fmt(r.rss_after_mib)} | {r.note} |"
        )
    lines += [
        "",
        "mockgraph as a ratio to each baseline of the same run (case 1; start-up):",
        "",
        "| baseline | throughput | p99 | start-up |",
        "|---|--:|--:|--:|",
    ]
    merged: dict[str, dict[str, Any]] = {}
    for ratio in report.ratios:
        merged.setdefault(ratio["baseline"], {}).update(ratio)
    for name, ratio in merged.items():
        lines.append(
            f"| {name} | {_fmt(ratio.get('throughput'), 2)}x | "
            f"{_fmt(ratio.get('p99'), 2)}x | {_fmt(ratio.get('startup'), 2)}x |"
        )
    lines += ["", "| target | met | figure |", "|---|---|---|"]
    for t in report.targets:
        lines.append(f"| {t['target']} | {'yes' if t['met'] else 'NO'} | {t['detail']} |")
    if report.skipped:
        lines += ["", "Skipped:"] + [f"- {k}: {v}" for k, v in report.skipped.items()]
    return "\n".join(lines) + "\n"


def update_doc(table: str, chart: Path | None = None) -> None:
    text = DOC.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if chart is not None:
        table = f"![Throughput and latency per case and server]({chart.name})\n\n{table}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        DOC.write_text(head + start + "\n" + table + end + rest.split(end, 1)[1])


def draw_chart(report: Report, path: Path) -> Path | None:
    """The table as a chart, when matplotlib (the `bench` extra) is installed."""
    if str(ROOT) not in sys.path:
        # Run as a script, this folder is on the path but the package is not.
        sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.chart import draw
    except ImportError as missing:
        print(f"benchmarks: no chart ({missing}; pip install '.[bench]')", file=sys.stderr)
        return None
    cpus = report.machine.get("cpus") or os.cpu_count()
    title = f"mockgraph and its peers on one {cpus}-core machine (wrk, loopback)"
    return draw([asdict(r) for r in report.rows], path, title=title)


def precompile(*folders: Path) -> None:
    """Write the bytecode of every module a measured server imports, as `pip install` does.

    The baselines' packages were compiled when pip installed them; mockgraph, installed
    editable, would otherwise be compiled from source at every start where
    PYTHONDONTWRITEBYTECODE is set (as on CI machines), and start-up would measure the
    compiler rather than the server.
    """
    import compileall

    for folder in folders:
        compileall.compile_dir(folder, quiet=1, workers=0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run of a few seconds: small data, no peers"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per case (median)")
    parser.add_argument("--no-peers", action="store_true", help="skip WireMock and Prism")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--case",
        action="append",
        choices=CASES,
        help="run only this group of cases (repeatable): presence (1, 3-5 and the baselines), "
        "scale (2), startup (6), memory (7), fanout (8), directory (9-12), proxy (13); "
        "all by default",
    )
    parser.add_argument(
        "--update-docs", action="store_true", help="write the table into docs/performance.md"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("benchmarks: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    seconds, runs = (1.0, 1) if args.quick else (args.seconds, args.runs)
    precompile(ROOT / "mockgraph", HERE / "baselines")
    with tempfile.TemporaryDirectory(prefix="mockgraph-bench-") as work:
        report = Bench(seconds, runs, args.quick, Path(work)).run(
            peers=not (args.quick or args.no_peers), cases=args.case or CASES
        )
    table = markdown(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(table)
    (args.out / "latest.json").write_text(json.dumps(asdict(report), indent=2))
    chart = draw_chart(report, args.out / "latest.png")
    # A partial run (--case) leaves docs/performance.md as it is.
    if args.update_docs and not args.case:
        if chart is not None:
            chart = Path(shutil.copyfile(chart, DOC.with_suffix(".png")))
        update_doc(table, chart)
    print("\n" + table)
    return 0 if all(t["met"] for t in report.targets) or args.quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
