"""Case 1's baselines and peers (`--case presence`): a raw ASGI app and a one-route FastAPI
app under uvicorn, always; WireMock and Prism from the npm registry when they can be installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import CASE_1, Report, ratio
from benchmarks.harness.servers import (
    CACHE,
    FASTAPI,
    QUIET,
    Server,
    fastapi_server,
    free_port,
    mockgraph_server,
    raw_asgi_server,
    running,
)

WIREMOCK_VERSION = "3.13.2"
PRISM_VERSION = "5.16.0"
NOT_REQUESTED = "peers not requested (--no-peers or --quick)"
# WireMock's JIT needs a long warm-up before its figure settles (issue 23: 20 s measured stable).
WIREMOCK_WARMUP = 20.0


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
        argv = ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent"]
        try:
            result = subprocess.run(
                [*argv, package], capture_output=True, text=True, timeout=600, check=False
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
    argv = ["java", "-jar", str(jars[-1]), "--port", str(port), "--root-dir", str(root)]
    return Server(
        "WireMock (static stub, defaults)", [*argv, "--disable-banner"], port, "/__admin/health"
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


def run_peers(bench: Bench, get_path: str, sample: bytes, peers: bool) -> None:
    """Case 1 on each baseline, and on WireMock and Prism when `peers`."""
    for server in (raw_asgi_server(), fastapi_server()):
        with running(server):
            bench.measure(CASE_1, server, server.url + get_path)
    if not peers:
        bench.report.skipped["WireMock"] = NOT_REQUESTED
        bench.report.skipped["Prism"] = NOT_REQUESTED
        return
    wiremock, why = wiremock_server(sample)
    if wiremock is None:
        bench.report.skipped["WireMock"] = why
        print(f"  WireMock skipped: {why}", flush=True)
    else:
        with running(wiremock):
            warmup = 1.0 if bench.quick else WIREMOCK_WARMUP
            bench.measure(CASE_1, wiremock, wiremock.url + get_path, warmup=warmup, spread=True)
    spec = bench.work / "openapi.json"
    with running(mockgraph_server()) as server:
        spec.write_text(httpx.get(server.url + "/openapi.json").text)
    prism, why = prism_server(spec)
    if prism is None:
        bench.report.skipped["Prism"] = why
        print(f"  Prism skipped: {why}", flush=True)
    else:
        with running(prism):
            bench.measure(CASE_1, prism, prism.url + get_path, headers=["Authorization: Bearer x"])


def peer_ratios(report: Report) -> None:
    """mockgraph's case 1 as a ratio to each baseline's."""
    get1 = report.row(CASE_1, "mockgraph")
    for row in report.baselines():
        report.ratios.append(
            {
                "baseline": row.server,
                "throughput": ratio(get1.rps if get1 else None, row.rps),
                "p99": ratio(get1.p99_ms if get1 else None, row.p99_ms),
            }
        )


def evaluate_peers(report: Report) -> None:
    """Case 1 at the defaults against quiet, WireMock and FastAPI (issue 23's targets), or
    against the raw ASGI app when WireMock could not run."""
    get1 = report.row(CASE_1, "mockgraph")
    if get1 is None or not get1.rps:
        return
    quiet = report.row(CASE_1, QUIET)
    if quiet and quiet.rps:
        report.target(
            "case 1 at the defaults (log on) >= 0.9x quiet (--log-level warning)",
            get1.rps >= 0.9 * quiet.rps,
            f"{get1.rps / quiet.rps:.2f}x quiet",
        )
    baselines = report.baselines()
    wiremock = next((r for r in baselines if r.server.startswith("WireMock")), None)
    fastapi = next((r for r in baselines if r.server == FASTAPI), None)
    raw = next((r for r in baselines if r.server.startswith("raw ASGI")), None)
    if fastapi and fastapi.rps:
        report.target(
            "case 1 at the defaults >= 1.5x one-route FastAPI",
            get1.rps >= 1.5 * fastapi.rps,
            f"{get1.rps / fastapi.rps:.2f}x FastAPI",
        )
    if wiremock and wiremock.rps and get1.p99_ms and wiremock.p99_ms:
        report.target(
            "case 1 at the defaults >= 1.2x WireMock",
            get1.rps >= 1.2 * wiremock.rps,
            f"{get1.rps / wiremock.rps:.2f}x WireMock",
        )
        report.target(
            "case 1 p99 <= 0.1x WireMock's",
            get1.p99_ms <= 0.1 * wiremock.p99_ms,
            f"{get1.p99_ms:.2f} ms vs {wiremock.p99_ms:.2f} ms",
        )
    elif raw and raw.rps:
        report.target(
            "case 1 throughput >= 0.6x raw ASGI (WireMock could not run)",
            get1.rps >= 0.6 * raw.rps,
            f"{get1.rps / raw.rps:.2f}x raw ASGI",
        )
