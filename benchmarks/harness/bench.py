"""One run's settings and report, and the measurement every wrk-driven case makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness.report import Report, Row
from benchmarks.harness.servers import Server
from benchmarks.harness.wrk import Load, median_load, wrk


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

    def load(self, url: str, warmup: float = 2, **options: Any) -> tuple[Load, list[Load]]:
        """A warm-up first (JITs, caches), then the measured runs: their median, and each."""
        if not self.quick:
            wrk(url, warmup, **options)
        runs = [wrk(url, self.seconds, **options) for _ in range(self.runs)]
        return median_load(runs), runs

    def measure(
        self,
        case: str,
        server: Server,
        url: str,
        note: str = "",
        *,
        warmup: float = 2,
        spread: bool = False,
        **options: Any,
    ) -> Row:
        """Load `url` and add its row; `spread` notes each run's req/s and their spread."""
        idle = server.rss()
        load, runs = self.load(url, warmup, **options)
        if spread and len(runs) > 1:
            each = sorted(r.rps for r in runs)
            spread_note = (
                f"{warmup:.0f} s warm-up; runs {', '.join(f'{r:,.0f}' for r in each)} req/s "
                f"(spread {(each[-1] - each[0]) / load.rps:.0%} of the median)"
            )
            note = f"{note}; {spread_note}" if note else spread_note
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
