"""Statistics that are honest about noise: seeded bootstrap intervals, pass^k, paired comparisons.

Intervals are percentile bootstrap intervals of the mean (the method `scipy.stats.bootstrap(...,
method="percentile")` uses; a test checks them against it). Resampling n values with replacement only
changes how often each distinct value is drawn, so when the values take few distinct levels (pass/fail,
scores on a grid, paired deltas in {-1, 0, 1}) the resampled means are drawn from a multinomial over those
levels: exactly the same distribution as resampling indices, in O(resamples x levels) instead of
O(resamples x n). Otherwise indices are resampled in chunks, so memory stays bounded for 100k cases.

numpy is imported only when there is something to resample: an empty, one-value or constant sample (every
case passed, a comparison where no case changed) has its interval without it, and a command that only
reports such samples does not pay numpy's import.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

DEFAULT_RESAMPLES = 2000
DEFAULT_CONFIDENCE = 0.95
_LEVELS_LIMIT = 256
_CHUNK_CELLS = 4_000_000  # resampled indices held at once (32 MB of int64)


@dataclass(frozen=True)
class Interval:
    """A mean with its bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "mean": _round(self.mean),
            "ci_low": _round(self.low),
            "ci_high": _round(self.high),
            "n": self.n,
            "confidence": self.confidence,
        }

    def text(self, digits: int = 3) -> str:
        return f"{self.mean:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)


def _resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    import numpy as np

    n = values.size
    levels, counts = np.unique(values, return_counts=True)
    if levels.size <= _LEVELS_LIMIT:
        draws = rng.multinomial(n, counts / n, size=resamples)
        return np.asarray(draws @ levels / n, dtype=float)
    means = np.empty(resamples)
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        index = rng.integers(0, n, size=(size, n))
        means[start : start + size] = values[index].mean(axis=1)
    return means


def _constant(values: Sequence[float] | np.ndarray) -> float | None:
    """The one value every item of `values` holds (as a float), else None (also for an empty sample)."""
    if len(values) == 0:
        return None
    first = float(values[0])
    if first != first:  # NaN: never constant (numpy's min/max propagate it)
        return None
    return first if all(float(v) == first for v in values) else None


def bootstrap_mean(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Interval:
    """The mean of `values` with a seeded percentile-bootstrap interval (NaNs when there are none)."""
    if len(values) == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0, confidence)
    constant = _constant(values)
    if constant is not None:  # nothing to resample: the mean and both bounds are the value itself
        return Interval(constant, constant, constant, len(values), confidence)
    import numpy as np

    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if data.size == 1 or float(data.min()) == float(data.max()):
        return Interval(mean, mean, mean, int(data.size), confidence)
    means = _resampled_means(data, resamples, np.random.default_rng(seed))
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return Interval(mean, float(low), float(high), int(data.size), confidence)


def pass_hat_k(passes: Iterable[Sequence[bool]], k: int | None = None) -> float:
    """pass^k: the chance that k fresh tries of a case ALL pass, averaged over cases.

    With n recorded tries of which c passed, the unbiased estimate per case is C(c, k) / C(n, k); with
    k = n it is 1 when every try passed, else 0. `k` defaults to the fewest tries any case has.
    """
    cases = [list(p) for p in passes if len(p) > 0]
    if not cases:
        return float("nan")
    k = min(len(c) for c in cases) if k is None else k
    total = 0.0
    for tries in cases:
        n, c = len(tries), sum(1 for t in tries if t)
        total += math.comb(c, k) / math.comb(n, k) if n >= k else float("nan")
    return total / len(cases)


@dataclass(frozen=True)
class PairedDelta:
    """new - old on the same cases: the mean per-case difference with its paired bootstrap interval."""

    interval: Interval
    old_mean: float
    new_mean: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "old_mean": _round(self.old_mean),
            "new_mean": _round(self.new_mean),
            "delta": self.interval.as_dict(),
        }


def paired_delta(
    old: Sequence[float],
    new: Sequence[float],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> PairedDelta:
    """Resample CASES (keeping each case's pair together): far tighter than comparing two separate means,
    because a hard case is hard for both versions."""
    if len(old) != len(new):
        raise ValueError("paired samples must have the same length")
    if _constant(old) is not None and _constant(new) is not None:  # no case changed: no numpy needed
        deltas = [float(y) - float(x) for x, y in zip(old, new, strict=True)]
        interval = bootstrap_mean(deltas, confidence=confidence, resamples=resamples, seed=seed)
        return PairedDelta(interval, float(old[0]), float(new[0]))
    import numpy as np

    a, b = np.asarray(old, dtype=float), np.asarray(new, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired samples must have the same length")
    interval = bootstrap_mean(b - a, confidence=confidence, resamples=resamples, seed=seed)
    old_mean = float(a.mean()) if a.size else float("nan")
    new_mean = float(b.mean()) if b.size else float("nan")
    return PairedDelta(interval, old_mean, new_mean)


def summarize(
    values_by_group: Mapping[str, Sequence[float]],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Interval]:
    """A bootstrap interval per group (each with its own stream derived from `seed`, so adding a group
    does not change the others' intervals)."""
    return {
        name: bootstrap_mean(values, confidence=confidence, resamples=resamples, seed=group_seed(seed, name))
        for name, values in values_by_group.items()
    }


def group_seed(seed: int, name: str) -> int:
    """A group's own seed derived from the suite's: adding a segment leaves the others' intervals alone."""
    import zlib

    return (seed * 1_000_003 + zlib.crc32(name.encode())) % (2**32)
