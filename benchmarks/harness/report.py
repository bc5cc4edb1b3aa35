"""The run's table: its rows, the targets they meet, the ratios to the baselines, as Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# The row that the ratios to the baselines and most targets compare with.
CASE_1 = "1. GET presence, 1,000 users"


@dataclass
class Row:
    case: str
    server: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    startup_ms: float | None = None
    rss_idle_mib: float | None = None
    rss_after_mib: float | None = None
    requests: int | None = None
    errors: int | None = None
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    # Figures a case measured beyond the table's columns, by case, for its targets.
    figures: dict[str, dict[str, float]] = field(default_factory=dict)

    def row(self, case: str, server: str) -> Row | None:
        return next((r for r in self.rows if r.case == case and r.server == server), None)

    def first(self, prefix: str) -> Row | None:
        """The first row whose case starts with `prefix` (cases named after their size)."""
        return next((r for r in self.rows if r.case.startswith(prefix)), None)

    def target(self, name: str, ok: bool | None, detail: str) -> None:
        self.targets.append({"target": name, "met": ok, "detail": detail})

    def baselines(self) -> list[Row]:
        """Case 1's rows of every server but mockgraph."""
        get1 = self.row(CASE_1, "mockgraph")
        if get1 is None:
            return []
        return [
            r for r in self.rows if r.case == get1.case and not r.server.startswith("mockgraph")
        ]


def percentile(ordered: Sequence[float], percent: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 2) if ours and theirs else None


def _fmt(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def markdown(report: Report) -> str:
    lines = [
        "| case | server | req/s | p50 ms | p99 ms | start to healthy ms | RSS before MiB "
        "| RSS after MiB | note |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in report.rows:
        lines.append(
            f"| {r.case} | {r.server} | {_fmt(r.rps)} | {_fmt(r.p50_ms, 2)} | "
            f"{_fmt(r.p99_ms, 2)} | {_fmt(r.startup_ms)} | {_fmt(r.rss_idle_mib)} | "
            f"{_fmt(r.rss_after_mib)} | {r.note} |"
        )
    lines += [
        "",
        "mockgraph as a ratio to each baseline of the same run (case 1; start-up):",
        "",
        "| baseline | throughput | p99 | start-up |",
        "|---|--:|--:|--:|",
    ]
    merged: dict[str, dict[str, Any]] = {}
    for each in report.ratios:
        merged.setdefault(each["baseline"], {}).update(each)
    for name, each in merged.items():
        lines.append(
            f"| {name} | {_fmt(each.get('throughput'), 2)}x | "
            f"{_fmt(each.get('p99'), 2)}x | {_fmt(each.get('startup'), 2)}x |"
        )
    lines += ["", "| target | met | figure |", "|---|---|---|"]
    for t in report.targets:
        lines.append(f"| {t['target']} | {'yes' if t['met'] else 'NO'} | {t['detail']} |")
    if report.skipped:
        lines += ["", "Skipped:"] + [f"- {k}: {v}" for k, v in report.skipped.items()]
    return "\n".join(lines) + "\n"
