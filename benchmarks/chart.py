"""The benchmark's comparison as a picture: throughput and latency per case and server.

Needs matplotlib (the `bench` extra, also in `test`); draws with its object API, no pyplot
state, so it runs headless and twice in one process alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MOCKGRAPH = "#5b5fc7"
PEER = "#a19f9d"
P99 = "#c4314b"


def _label(row: Mapping[str, Any]) -> str:
    case = str(row["case"]).split(". ", 1)[-1]
    server = str(row["server"]).split(" (", 1)[0]
    return f"{server} · {case}"


def loaded(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows that carry a load figure (not start-up or memory), mockgraph's first."""
    with_load = [r for r in rows if r.get("rps")]
    return sorted(with_load, key=lambda r: (r["server"] != "mockgraph", str(r["case"])))


def figure(rows: Sequence[Mapping[str, Any]], title: str = "") -> Figure:
    """Two panels side by side: requests per second, and p50/p99 latency (log scale)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    shown = loaded(rows)
    labels = [_label(r) for r in shown]
    colours = [MOCKGRAPH if r["server"] == "mockgraph" else PEER for r in shown]
    positions = list(range(len(shown)))[::-1]
    fig = Figure(figsize=(11, 0.42 * len(shown) + 1.6), dpi=100, layout="constrained")
    throughput, latency = fig.subplots(1, 2, sharey=True)
    throughput.barh(positions, [r["rps"] for r in shown], color=colours)
    throughput.set_yticks(positions, labels, fontsize=8)
    throughput.set_xlabel("requests per second (higher is better)")
    throughput.margins(x=0.14)
    throughput.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    throughput.grid(axis="x", alpha=0.3)
    for y, row in zip(positions, shown, strict=True):
        throughput.annotate(
            f"{row['rps']:,.0f}",
            (row["rps"], y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    height = 0.38
    latency.barh(
        [p + height / 2 for p in positions],
        [r.get("p50_ms") or 0 for r in shown],
        height,
        color=colours,
        label="p50",
    )
    latency.barh(
        [p - height / 2 for p in positions],
        [r.get("p99_ms") or 0 for r in shown],
        height,
        color=P99,
        alpha=0.7,
        label="p99",
    )
    latency.set_xscale("log")
    latency.set_xlabel("latency, ms (log scale, lower is better)")
    latency.grid(axis="x", alpha=0.3)
    fig.legend(
        handles=[
            Patch(color=MOCKGRAPH, label="p50, mockgraph"),
            Patch(color=PEER, label="p50, peer or baseline"),
            Patch(color=P99, alpha=0.7, label="p99"),
        ],
        loc="outside lower right",
        ncols=3,
        fontsize=8,
    )
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def draw(rows: Sequence[Mapping[str, Any]], path: Path, title: str = "") -> Path:
    """Write the chart of `rows` (the report's rows, as dicts) to `path` as a PNG."""
    figure(rows, title).savefig(path, format="png")
    return path
