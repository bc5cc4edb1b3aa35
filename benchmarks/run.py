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
from collections.abc import Sequence
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


def run(bench: Bench, peers: bool, cases: Sequence[str] = CASES) -> Report:
    """The cases named in `cases` (every one by default), then the targets they meet."""
    many = 200 if bench.quick else 100_000
    if "presence" in cases:
        get_path, sample = run_presence(bench)
        run_peers(bench, get_path, sample, peers)
    if "scale" in cases:
        run_scale(bench, many)
    if "startup" in cases:
        run_startup(bench)
    if "memory" in cases:
        run_memory(bench, many)
    if "fanout" in cases:
        run_fanout(bench)
    if "directory" in cases:
        run_directory(bench)
    if "proxy" in cases:
        run_proxy(bench, with_case_1="presence" in cases)
    if "soak" in cases:
        run_soak(bench)
    if "scenario" in cases:
        run_scenario(bench)
    bench.report.machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    evaluate(bench.report)
    return bench.report


def evaluate(report: Report) -> None:
    """The ratios to the baselines, then every target, in the table's order."""
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
