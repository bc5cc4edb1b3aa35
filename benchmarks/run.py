"""mockgraph against its peers, on this machine, in one run: `make bench` (or `--quick`).

Starts mockgraph and the baselines (a raw ASGI app and a one-route FastAPI app under uvicorn,
always; WireMock and Prism from the npm registry when they can be installed), loads each with
wrk on loopback for a bounded time, and writes a table as Markdown and JSON in which every
mockgraph figure is also a ratio to each baseline of the same run.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, this folder is on the path but the repository is not.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.chart import draw
from benchmarks.directory import evaluate_directory, run_directory
from benchmarks.fanout import evaluate_fanout, run_fanout
from benchmarks.harness.bench import Bench
from benchmarks.harness.report import Report, markdown
from benchmarks.harness.servers import HERE, ROOT
from benchmarks.memory import evaluate_memory, run_memory
from benchmarks.peers import evaluate_peers, peer_ratios, run_peers
from benchmarks.presence import evaluate_presence, run_presence, run_scale
from benchmarks.proxy import evaluate_proxy, run_proxy
from benchmarks.scenario import evaluate_scenario, run_scenario
from benchmarks.soak import evaluate_soak, run_soak
from benchmarks.startup import evaluate_startup, run_startup, startup_ratios

RESULTS = HERE / "results"
DOC = ROOT / "docs" / "performance.md"
# The groups of cases `--case` selects; `make bench` runs them all.
CASES = ("presence", "scale", "startup", "memory", "fanout", "directory", "proxy", "scenario")
# Cases run only when named: the soak takes minutes (docs/performance.md, "Soak").
ON_REQUEST = ("soak",)
# The report's figures key for each group's seconds, and the bound of a full run (issue 23).
RUN_TIME = "run time (s)"
FULL_RUN_SECONDS = 600


def run(bench: Bench, peers: bool, cases: Sequence[str] = CASES) -> Report:
    """The cases named in `cases` (every one by default), then the targets they meet."""
    many = 200 if bench.quick else 100_000
    groups: dict[str, Callable[[], object]] = {
        "presence": lambda: run_peers(bench, *run_presence(bench), peers),
        "scale": lambda: run_scale(bench, many),
        "startup": lambda: run_startup(bench),
        "memory": lambda: run_memory(bench, many),
        "fanout": lambda: run_fanout(bench),
        "directory": lambda: run_directory(bench),
        "proxy": lambda: run_proxy(bench, with_case_1="presence" in cases),
        "soak": lambda: run_soak(bench),
        "scenario": lambda: run_scenario(bench),
    }
    # How long each group took, and the whole run: make bench is to finish within 10 minutes.
    durations = bench.report.figures.setdefault(RUN_TIME, {})
    started = time.monotonic()
    for name, group in groups.items():
        if name in cases:
            began = time.monotonic()
            group()
            durations[name] = round(time.monotonic() - began, 1)
            print(f"  ({name}: {durations[name]:.0f} s)", flush=True)
    durations["total"] = round(time.monotonic() - started, 1)
    bench.report.machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    evaluate(bench.report, every_case=set(CASES) <= set(cases) and not bench.quick)
    return bench.report


def evaluate(report: Report, *, every_case: bool = False) -> None:
    """The ratios to the baselines, then every target, in the table's order; with
    `every_case` (a full run), the run's own time too."""
    peer_ratios(report)
    startup_ratios(report)
    evaluate_proxy(report)
    evaluate_peers(report)
    evaluate_presence(report)
    evaluate_startup(report)
    evaluate_memory(report)
    evaluate_fanout(report)
    evaluate_directory(report)
    evaluate_soak(report)
    evaluate_scenario(report)
    errors = sum(r.errors or 0 for r in report.rows if r.server == "mockgraph")
    report.target("no mockgraph request failed", errors == 0, f"{errors} non-2xx answers")
    durations = report.figures.get(RUN_TIME, {})
    if every_case and "total" in durations:
        slowest = sorted(((s, n) for n, s in durations.items() if n != "total"), reverse=True)
        report.target(
            "the whole run (make bench) within 10 minutes",
            durations["total"] <= FULL_RUN_SECONDS,
            f"{durations['total'] / 60:.1f} min; longest: "
            + ", ".join(f"{name} {seconds:.0f} s" for seconds, name in slowest[:3]),
        )


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
    cpus = report.machine.get("cpus") or os.cpu_count()
    title = f"mockgraph and its peers on one {cpus}-core machine (wrk, loopback)"
    try:
        return draw([asdict(r) for r in report.rows], path, title=title)
    except ImportError as missing:
        print(f"benchmarks: no chart ({missing}; pip install '.[bench]')", file=sys.stderr)
        return None


def precompile(*folders: Path) -> None:
    """Write the bytecode of every module a measured server imports, as `pip install` does.

    The baselines' packages were compiled when pip installed them; mockgraph, installed
    editable, would otherwise be compiled from source at every start where
    PYTHONDONTWRITEBYTECODE is set (as on CI machines), and start-up would measure the
    compiler rather than the server.
    """
    for folder in folders:
        compileall.compile_dir(folder, quiet=1, workers=0)


def parser() -> argparse.ArgumentParser:
    flags = argparse.ArgumentParser(description=__doc__)
    flags.add_argument(
        "--quick", action="store_true", help="a smoke run of a few seconds: small data, no peers"
    )
    flags.add_argument("--seconds", type=float, default=5.0, help="seconds per wrk run")
    flags.add_argument("--runs", type=int, default=3, help="wrk runs per case (median)")
    flags.add_argument("--no-peers", action="store_true", help="skip WireMock and Prism")
    flags.add_argument("--out", type=Path, default=RESULTS)
    flags.add_argument(
        "--case",
        action="append",
        choices=CASES + ON_REQUEST,
        help="run only this group of cases (repeatable): presence (1, 3-5 and the baselines), "
        "scale (2), startup (6), memory (7), fanout (8), directory (9-12), proxy (13), "
        "scenario (15); all of these by default; soak (14) only when named",
    )
    flags.add_argument(
        "--update-docs", action="store_true", help="write the table into docs/performance.md"
    )
    return flags


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if shutil.which("wrk") is None:
        print("benchmarks: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    seconds, runs = (1.0, 1) if args.quick else (args.seconds, args.runs)
    precompile(ROOT / "mockgraph", HERE / "baselines")
    with tempfile.TemporaryDirectory(prefix="mockgraph-bench-") as work:
        bench = Bench(seconds, runs, args.quick, Path(work))
        report = run(bench, peers=not (args.quick or args.no_peers), cases=args.case or CASES)
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
