"""A smoke run of the benchmark harness, so that `make bench` never rots."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    shutil.which("wrk") is None,
    reason="wrk is not installed (apt-get install wrk); .ci/run installs it",
)
def test_quick_benchmark_run_writes_the_table(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "latest.json").read_text())
    cases = {(row["case"], row["server"]) for row in report["rows"]}
    assert ("1. GET presence, 1,000 users", "mockgraph") in cases
    assert ("1. GET presence, 1,000 users", "raw ASGI app (uvicorn)") in cases
    assert ("8. notification fan-out, 50 subscriptions", "mockgraph") in cases
    assert ("10r. GET presence, case 10's users and rotation", "mockgraph") in cases
    assert ("15. GET presence (case 1), during the scenario", "mockgraph") in cases
    # ... and from the day's busiest stretch, subscribed to again there.
    assert ("15. GET presence (case 1), during the scenario at 15:50", "mockgraph") in cases
    assert ("15. GET presence (case 1), no scenario, beside 15:50", "mockgraph") in cases
    assert any(case.startswith("15. office-day scenario") for case, _ in cases), cases
    assert any(t["target"].startswith("case 10 p99") for t in report["targets"]), report["targets"]
    assert all(
        row["errors"] in (None, 0) for row in report["rows"] if row["server"] == "mockgraph"
    ), report["rows"]
    assert "| target | met | figure |" in (tmp_path / "latest.md").read_text()
    # Each group's time, for make bench's 10 minutes (the target itself is a full run's).
    took = report["figures"]["run time (s)"]
    assert set(took) == {
        "presence",
        "scale",
        "startup",
        "memory",
        "fanout",
        "directory",
        "proxy",
        "scenario",
        "total",
    }
    # Each figure is rounded to a tenth of a second.
    assert took["total"] + 1 >= sum(v for k, v in took.items() if k != "total")
    # Case 1 at the defaults and quiet, loaded in turns: one row each.
    servers = [row["server"] for row in report["rows"] if row["case"].startswith("1. ")]
    assert servers[:2] == ["mockgraph", "mockgraph (quiet: --log-level warning)"]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_quick_soak_signs_in_by_every_flow_without_an_error(tmp_path: Path) -> None:
    run = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--case", "soak"]
    result = subprocess.run(
        [*run, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "latest.json").read_text())
    (soak,) = [row for row in report["rows"] if row["case"].startswith("14. soak")]
    assert soak["requests"] >= 2_000
    assert soak["errors"] == 0, result.stdout
    # A round of 28 calls holds 6 token answers (client credentials, password and its
    # refresh, code and its refresh, device code): every flow signed in, every time.
    rounds = soak["requests"] // 28
    assert int(soak["note"].split(" sign-ins")[0].replace(",", "")) >= 6 * (rounds - 8)
    assert "MiB per 10,000 calls" in soak["note"]
    # The tenant's clock moved past a refresh token's 90 days, and every round's presence
    # calls carried an access token minted after the advance.
    assert int(soak["note"].split(" clock advances")[0].split("; ")[-1]) * 4 > 90
    assert "; 0 expired-token 401s;" in soak["note"]
    flat = report["figures"]["soak flatness"]
    assert flat["clock_advances"] * 4 > 90
    assert flat["expired_token_401s"] == 0
    (verdict,) = [t for t in report["targets"] if t["target"].startswith("soak: RSS flat")]
    assert verdict["detail"].startswith(("PASS", "FAIL"))


def test_the_chart_draws_each_loaded_row(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib (the bench extra) is not installed")
    from matplotlib.patches import Rectangle

    from benchmarks.chart import draw, figure

    rows: list[dict[str, Any]] = [
        {
            "case": "1. GET presence, 1,000 users",
            "server": "mockgraph",
            "rps": 25000.0,
            "p50_ms": 1.2,
            "p99_ms": 2.5,
        },
        {
            "case": "1. GET presence, 1,000 users",
            "server": "WireMock (static stub, defaults)",
            "rps": 19000.0,
            "p50_ms": 1.1,
            "p99_ms": 119.0,
        },
        # Start-up and memory rows carry no load: not drawn.
        {
            "case": "6. start-up to healthy",
            "server": "mockgraph",
            "rps": None,
            "p50_ms": None,
            "p99_ms": None,
        },
    ]
    throughput, latency = figure(rows, "synthetic").axes
    labels = [t.get_text() for t in throughput.get_yticklabels()]
    # mockgraph's rows first, at the top.
    assert labels == [
        "mockgraph · GET presence, 1,000 users",
        "WireMock · GET presence, 1,000 users",
    ]
    assert sorted(b.get_width() for b in throughput.patches if isinstance(b, Rectangle)) == [
        19000.0,
        25000.0,
    ]
    assert sorted(b.get_width() for b in latency.patches if isinstance(b, Rectangle)) == [
        1.1,
        1.2,
        2.5,
        119.0,
    ]
    assert latency.get_xscale() == "log"

    path = draw(rows, tmp_path / "chart.png", "synthetic")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5_000


def test_the_in_process_scenario_measure_runs_both_ways() -> None:
    """benchmarks/scenario_calls.py (a tool for case 15, not a case): a short run, renewals
    included, prints a figure for case 1's call beside office-day running, then paused."""
    argv = ["--calls", "200", "--rounds", "1", "--renewals"]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.scenario_calls", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["running", "paused "]
    for line in lines:
        assert float(line.rsplit("median ", 1)[1]) > 0
    assert "Traceback" not in done.stderr
