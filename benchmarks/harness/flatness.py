"""Flat memory, precisely: the soak's verdict on an RSS series sampled against calls sent."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

# Flat (see `flatness`): measured from WARM_FRACTION of the calls on.
WARM_FRACTION = 0.25
MAX_SLOPE = 0.2  # MiB per 10,000 calls
MAX_LAST_DRIFT = 0.05  # of the second half's median
FLAT_TARGET = (
    f"soak: RSS flat (slope < {MAX_SLOPE} MiB per 10,000 calls after {WARM_FRACTION:.0%}, "
    f"last within {MAX_LAST_DRIFT:.0%} of the second half's median)"
)


def slope_per_10k(points: list[tuple[float, float, int]]) -> float:
    """The least-squares slope of RSS over calls sent, in MiB per 10,000 calls."""
    if len(points) < 2 or len({sent for _, _, sent in points}) < 2:
        return 0.0
    sent = [float(s) for _, _, s in points]
    rss = [r for _, r, _ in points]
    return statistics.linear_regression(sent, rss).slope * 10_000


@dataclass
class Flatness:
    """The verdict on a run's RSS series (see `flatness`)."""

    slope: float  # MiB per 10,000 calls, from WARM_FRACTION of the calls on
    last: float
    median: float  # of the second half's samples (by calls sent)
    flat: bool

    @property
    def drift(self) -> float:
        return (self.last - self.median) / self.median if self.median else 0.0

    def verdict(self) -> str:
        return (
            f"{'PASS' if self.flat else 'FAIL'}: slope {self.slope:+.3f} MiB per 10,000 calls "
            f"after {WARM_FRACTION:.0%} (< {MAX_SLOPE}), last {self.last:.1f} MiB within "
            f"{self.drift:+.1%} of the second half's median {self.median:.1f} "
            f"(<= {MAX_LAST_DRIFT:.0%})"
        )


def flatness(samples: list[tuple[float, float, int]]) -> Flatness:
    """Flat: after the first 25 % of the calls, the least-squares RSS slope is below 0.2 MiB
    per 10,000 calls, and the last sample within 5 % of the second half's median."""
    total = samples[-1][2]
    warm = [p for p in samples if p[2] >= total * WARM_FRACTION]
    second = [rss for _, rss, sent in samples if sent >= total / 2] or [samples[-1][1]]
    slope = slope_per_10k(warm)
    last, median = samples[-1][1], statistics.median(second)
    flat = slope < MAX_SLOPE and abs(last - median) <= MAX_LAST_DRIFT * median
    return Flatness(slope, last, median, flat)
