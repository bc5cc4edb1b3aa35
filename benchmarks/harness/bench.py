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
