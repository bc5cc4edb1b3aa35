"""Load from wrk: one run parsed into a `Load`, the median of several, and its Lua scripts."""

from __future__ import annotations

import re
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


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


def rotate(paths: Sequence[str]) -> str:
    """A wrk script that GETs each of `paths` in turn."""
    return f"""
local paths = {lua_list(paths)}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""
