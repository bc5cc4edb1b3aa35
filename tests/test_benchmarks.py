"""A smoke run of the benchmark harness, so that `make bench` never rots."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

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
    assert all(
        row["errors"] in (None, 0) for row in report["rows"] if row["server"] == "mockgraph"
    ), report["rows"]
    assert "| target | met | figure |" in (tmp_path / "latest.md").read_text()
