"""Sustained slope vs one-day spike over a daily series: Theil-Sen slope + Mann-Kendall test, MAD spikes.

Pure functions with no store or CLI, so the rollout guard can reuse them on its own series.

Method (stated in `platform cost trends` output and the README):
- The slope is the Theil-Sen estimator: the median of the slopes between every pair of days. A single
  extreme day moves it very little (it is one point in n*(n-1)/2 pairs).
- Whether the series really trends is the Mann-Kendall test: S = sum of sign(x_j - x_i) over pairs, its
  variance corrected for ties, z with continuity correction, two-sided p from the normal distribution.
  A one-day spike adds about as many +1 as -1 pairs, so it does not make S significant; a slow daily drift
  does, even when no single day crosses a threshold.
- A trend is SUSTAINED when p < alpha (0.05) AND the fitted change across the window, relative to the
  series median, is at least `min_change` (10%) in the direction that is worse for the metric.
- A SPIKE is a day more than 3.5 robust standard deviations (1.4826 x MAD) from the median: reported on
  its own, never as a trend.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down"]
METHOD = (
    "Theil-Sen slope over daily values; Mann-Kendall test (two-sided, tie-corrected, normal approximation); "
    "sustained = p < {alpha} and fitted change over the window >= {min_change:.0%} of the median in the "
    "worse direction; spikes = days beyond 3.5 robust SDs (1.4826 x MAD) of the median"
)
MIN_POINTS = 8
SPIKE_Z = 3.5


@dataclass(frozen=True)
class Trend:
    n: int
    slope_per_day: float | None  # Theil-Sen, in the metric's unit per day
    median: float | None
    relative_change: float | None  # fitted change over the window / |median|
    mk_s: int
    z: float
    p_value: float | None
    direction: str  # up | down | flat
    sustained: bool  # significant AND large enough AND in the worse direction
    spikes: list[float]  # x of the spike days

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "slope_per_day": _r(self.slope_per_day),
            "median": _r(self.median),
            "relative_change": _r(self.relative_change),
            "mann_kendall_s": self.mk_s,
            "z": round(self.z, 4),
            "p_value": _r(self.p_value),
            "direction": self.direction,
            "sustained": self.sustained,
            "spike_days": self.spikes,
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 8)


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Median of pairwise slopes (pairs with equal x are skipped)."""
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    return statistics.median(slopes) if slopes else None


def mann_kendall(ys: Sequence[float]) -> tuple[int, float, float]:
    """(S, z, two-sided p) of the Mann-Kendall trend test, ties corrected, continuity corrected."""
    n = len(ys)
    s = 0
    for i in range(n):
        for j in range(i + 1, n):
            diff = ys[j] - ys[i]
            s += (diff > 0) - (diff < 0)
    counts: dict[float, int] = {}
    for y in ys:
        counts[y] = counts.get(y, 0) + 1
    ties = sum(t * (t - 1) * (2 * t + 5) for t in counts.values() if t > 1)
    variance = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    if variance <= 0:
        return s, 0.0, 1.0
    z = (s - 1) / math.sqrt(variance) if s > 0 else ((s + 1) / math.sqrt(variance) if s < 0 else 0.0)
    p = math.erfc(abs(z) / math.sqrt(2.0))
    return s, z, p


def spikes(xs: Sequence[float], ys: Sequence[float]) -> list[float]:
    """x of the points more than SPIKE_Z robust standard deviations from the median."""
    if len(ys) < 3:
        return []
    center = statistics.median(ys)
    mad = statistics.median(abs(y - center) for y in ys) * 1.4826
    if mad == 0:  # most days identical: the few that differ are the spikes
        off = [x for x, y in zip(xs, ys, strict=True) if y != center]
        return off if len(off) <= max(1, len(ys) // 10) else []
    return [x for x, y in zip(xs, ys, strict=True) if abs(y - center) / mad > SPIKE_Z]


def trend(
    points: Sequence[tuple[float, float]],
    *,
    worse: Direction = "up",
    alpha: float = 0.05,
    min_change: float = 0.10,
) -> Trend:
    """Judge a series of (x in days, value) points (days with no data left out by the caller)."""
    ordered = sorted(points)
    xs = [float(x) for x, _ in ordered]
    ys = [float(y) for _, y in ordered]
    n = len(ys)
    spike_days = spikes(xs, ys)
    if n < MIN_POINTS:
        return Trend(
            n, None, statistics.median(ys) if ys else None, None, 0, 0.0, None, "flat", False, spike_days
        )
    slope = theil_sen(xs, ys)
    s, z, p = mann_kendall(ys)
    center = statistics.median(ys)
    span = xs[-1] - xs[0]
    change = None
    if slope is not None and center != 0:
        change = slope * span / abs(center)
    elif slope is not None and slope != 0:
        change = math.copysign(math.inf, slope)
    direction = "flat" if p >= alpha or not slope else ("up" if slope > 0 else "down")
    bad_way = (direction == "up" and worse == "up") or (direction == "down" and worse == "down")
    sustained = bad_way and change is not None and abs(change) >= min_change
    return Trend(n, slope, center, change, s, z, p, direction, sustained, spike_days)


def method(alpha: float = 0.05, min_change: float = 0.10) -> str:
    return METHOD.format(alpha=alpha, min_change=min_change)
