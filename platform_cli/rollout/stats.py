"""Two-sample intervals for (canary - control): proportions (Newcombe) and bootstrap over histograms.

Every interval is two-sided at `confidence_each` per side, so either end is a one-sided bound at that
level: a guard whose worse direction is up looks at the low end, one whose worse direction is down at the
high end. `confidence_each` comes from the family confidence with a Bonferroni correction over every
comparison a decision makes (guards x segments), so a watch that checks 8 guards in 5 segments does not
declare a breach by chance 40 times as often as it says.

Histograms (value levels with counts) are how the store hands over latency and cost without every row;
resampling n values with replacement only changes how often each level is drawn, so each resample is one
multinomial draw over the levels: the same distribution as resampling rows, at the cost of the levels.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where arrays are made: `rollout status` and the guards' set-up never need it
    import numpy as np

MIN_RESAMPLES = 2000
CHUNK_CELLS = 2_000_000  # multinomial cells held at once (16 MB)
TAIL_DRAWS = 25  # resamples beyond the interval's end, at least: a bound from 2 draws would be noise


@dataclass(frozen=True)
class Difference:
    """canary - control, with its interval [low, high] (each end one-sided at the stated confidence)."""

    canary: float
    control: float
    low: float
    high: float

    @property
    def diff(self) -> float:
        return self.canary - self.control


def per_comparison(confidence: float, comparisons: int) -> float:
    """Bonferroni: the one-sided confidence each of `comparisons` needs for `confidence` over all."""
    return 1.0 - (1.0 - confidence) / max(1, comparisons)


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    p = successes / n
    denominator = 1.0 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


def proportions(x1: int, n1: int, x0: int, n0: int, confidence_each: float) -> Difference:
    """Newcombe's hybrid score interval (method 10) for p1 - p0, from two Wilson intervals.

    It keeps its coverage where the normal (Wald) interval does not: small rates such as a 1% refusal
    rate, and counts of zero.
    """
    if n1 <= 0 or n0 <= 0:
        raise ValueError("both samples need at least one observation")
    z = NormalDist().inv_cdf(confidence_each)
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = _wilson(x1, n1, z)
    l0, u0 = _wilson(x0, n0, z)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Difference(p1, p0, low, high)


@dataclass(frozen=True)
class Histogram:
    """Values as levels with counts (raw values are a histogram with one count per distinct value)."""

    levels: np.ndarray
    counts: np.ndarray

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @classmethod
    def of(cls, values: Sequence[float]) -> Histogram:
        import numpy as np

        levels, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
        return cls(levels, counts.astype(np.int64))

    @classmethod
    def from_counts(cls, counts: Mapping[float, int]) -> Histogram:
        import numpy as np

        items = sorted((float(level), int(count)) for level, count in counts.items() if count > 0)
        return cls(
            np.asarray([level for level, _ in items], dtype=float),
            np.asarray([count for _, count in items], dtype=np.int64),
        )

    def mean(self) -> float:
        return float(self.levels @ self.counts / self.n)

    def quantile(self, q: float) -> float:
        import numpy as np

        rank = max(1, math.ceil(q * self.n))
        return float(self.levels[int(np.searchsorted(np.cumsum(self.counts), rank))])


def _resampled(hist: Histogram, stat: str, q: float, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """`resamples` values of the statistic, drawn in chunks so memory stays bounded (CHUNK_CELLS)."""
    import numpy as np

    n = hist.n
    out = np.empty(resamples)
    rank = max(1, math.ceil(q * n))
    chunk = max(1, CHUNK_CELLS // max(1, hist.levels.size))
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        draws = rng.multinomial(n, hist.counts / n, size=size)
        if stat == "mean":
            out[start : start + size] = draws @ hist.levels / n
        else:
            out[start : start + size] = hist.levels[np.argmax(np.cumsum(draws, axis=1) >= rank, axis=1)]
    return out


def bootstrap(
    canary: Histogram,
    control: Histogram,
    *,
    stat: str,
    confidence_each: float,
    q: float = 0.5,
    seed: int = 0,
) -> Difference:
    """Percentile-bootstrap interval of stat(canary) - stat(control); `stat` is mean or quantile (`q`).

    Resamples: enough that each end of the interval has TAIL_DRAWS resamples beyond it.
    """
    if canary.n == 0 or control.n == 0:
        raise ValueError("both samples need at least one observation")
    alpha = 1.0 - confidence_each
    resamples = max(MIN_RESAMPLES, math.ceil(TAIL_DRAWS / alpha))
    import numpy as np

    rng = np.random.default_rng(seed)
    diffs = _resampled(canary, stat, q, resamples, rng) - _resampled(control, stat, q, resamples, rng)
    low, high = np.quantile(diffs, [alpha, 1.0 - alpha])
    point = (canary.mean(), control.mean()) if stat == "mean" else (canary.quantile(q), control.quantile(q))
    return Difference(point[0], point[1], float(low), float(high))


def seed_for(*parts: str) -> int:
    """A stable seed per comparison (the same evidence always gives the same interval)."""
    return zlib.crc32(":".join(parts).encode()) % (2**32)
