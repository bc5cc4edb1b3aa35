"""Case 6 of `make bench` (`--case startup`): from start to a 200 from health, mockgraph and
the baselines; and the container image, when docker can build it."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import Report, Row, ratio
from benchmarks.harness.servers import (
    FASTAPI,
    ROOT,
    Server,
    fastapi_server,
    free_port,
    mockgraph_server,
    raw_asgi_server,
    running,
)

STARTUP_CASE = "6. start-up to healthy"
IMAGE = "mockgraph:bench"
DOCKER = "docker run to healthy"


def run_startup(bench: Bench) -> None:
    print("case 6: start-up to healthy", flush=True)
    samples: dict[str, list[float]] = {}
    makers: list[Callable[[], Server]] = [mockgraph_server, raw_asgi_server, fastapi_server]
    for _ in range(1 if bench.quick else 5):
        for make in makers:
            server = make()
            with running(server):
                samples.setdefault(server.name, []).append(server.startup_ms)
    for name, values in samples.items():
        median = statistics.median(values)
        row = Row(STARTUP_CASE, name, startup_ms=median, note=f"median of {len(values)}")
        bench.report.rows.append(row)
        print(f"  {name:<40} {row.startup_ms:7.0f} ms", flush=True)
    docker_startup(bench)


def docker_startup(bench: Bench) -> None:
    """`docker run` to a 200 from health, with the image the container test builds."""
    if shutil.which("docker") is None or bench.quick:
        bench.report.skipped[DOCKER] = (
            "docker is not installed" if not bench.quick else "not in a quick run"
        )
        return
    why = _build_image()
    if why:
        bench.report.skipped[DOCKER] = f"no image could be built: {why}"
        return
    values = [_docker_run_ms() for _ in range(5)]
    row = Row(
        STARTUP_CASE,
        "mockgraph image (docker run)",
        startup_ms=statistics.median(values),
        note=f"median of {len(values)}",
    )
    bench.report.rows.append(row)
    print(f"  {row.server:<40} {row.startup_ms:7.0f} ms", flush=True)


def _build_image() -> str:
    """Build the image as tests/container does; "" or the last line of why not."""
    build = ROOT / "tests" / "container" / "build-image.sh"
    result = subprocess.run(
        ["bash", str(build), IMAGE], capture_output=True, text=True, timeout=1800, check=False
    )
    if result.returncode == 0:
        return ""
    return (result.stderr.strip().splitlines() or ["unknown"])[-1]


def _docker_run_ms() -> float:
    """Milliseconds from `docker run` to a 200 from health (60 s at most), then remove it."""
    port = free_port()
    name = f"mockgraph-bench-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    run = ["docker", "run", "-d", "--rm", "--network", "host", "--name", name]
    subprocess.run(
        [*run, "-e", f"MOCKGRAPH_PORT={port}", IMAGE],
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
        return (time.perf_counter() - started) * 1000
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def _startups(report: Report) -> dict[str, float | None]:
    return {r.server: r.startup_ms for r in report.rows if r.case == STARTUP_CASE}


def startup_ratios(report: Report) -> None:
    """mockgraph's start-up as a ratio to each other server's."""
    startups = _startups(report)
    ours = startups.get("mockgraph")
    for name, value in startups.items():
        if not name.startswith("mockgraph"):
            report.ratios.append({"baseline": name, "startup": ratio(ours, value)})


def evaluate_startup(report: Report) -> None:
    """Start-up against the one-route FastAPI app's, and below every peer's."""
    startups = _startups(report)
    ours, fastapi = startups.get("mockgraph"), startups.get(FASTAPI)
    if ours and fastapi:
        report.target(
            "start-up <= 1.5x one-route FastAPI",
            ours <= 1.5 * fastapi,
            f"{ours:.0f} ms vs {fastapi:.0f} ms ({ours / fastapi:.2f}x)",
        )
    peers = [r for r in report.baselines() if r.server.startswith(("WireMock", "Prism"))]
    if ours and peers:
        slowest = min(r.startup_ms or 0 for r in peers)
        report.target(
            "start-up below every peer's", ours < slowest, f"{ours:.0f} ms vs {slowest:.0f} ms"
        )
