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
        return self.add_row(case, server, load, runs, idle, note, warmup=warmup, spread=spread)

    def measure_alternating(
        self, case: str, targets: list[tuple[Server, str, str, dict[str, Any]]]
    ) -> list[Row]:
        """Load several servers in turns (A, B, then B, A, ...), one run each per round, so
        that a shared machine's load falls on every one alike: a ratio between them holds
        even when the absolute figures drift. `targets`: (server, url, note, wrk options)."""
        idle = [server.rss() for server, _, _, _ in targets]
        if not self.quick:
            for _, url, _, options in targets:
                wrk(url, 2, **options)
        runs: list[list[Load]] = [[] for _ in targets]
        for index in range(self.runs):
            order = list(enumerate(targets))
            for which, (_, url, _, options) in order if index % 2 == 0 else order[::-1]:
                runs[which].append(wrk(url, self.seconds, **options))
        return [
            self.add_row(case, server, median_load(each), each, before, note, spread=True)
            for (server, _, note, _), each, before in zip(targets, runs, idle, strict=True)
        ]

    def add_row(
        self,
        case: str,
        server: Server,
        load: Load,
        runs: list[Load],
        idle: float,
        note: str = "",
        *,
        warmup: float = 2,
        spread: bool = False,
    ) -> Row:
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
