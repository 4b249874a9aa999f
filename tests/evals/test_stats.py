"""The statistics against scipy.stats.bootstrap (scipy is a test-only dependency), pass^k, paired deltas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from platform_cli.evals.stats import bootstrap_mean, paired_delta, pass_hat_k

RESAMPLES = 9999


def _scipy_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    result = scipy_stats.bootstrap(
        (values,),
        np.mean,
        confidence_level=confidence,
        n_resamples=RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(12345),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


@pytest.mark.parametrize(
    "kind",
    ["binary", "graded", "continuous"],
)
def test_intervals_match_scipy_percentile_bootstrap(kind: str) -> None:
    rng = np.random.default_rng(7)
    if kind == "binary":  # few levels: the multinomial path
        values = (rng.random(300) < 0.8).astype(float)
    elif kind == "graded":
        values = rng.integers(0, 5, 400) / 4.0
    else:  # many levels: the index-resampling path
        values = rng.beta(5, 2, 500)
    ours = bootstrap_mean(values, confidence=0.95, resamples=RESAMPLES, seed=3)
    low, high = _scipy_interval(values)
    se = values.std(ddof=1) / math.sqrt(values.size)
    # Two independent Monte Carlo estimates of the same quantiles: they agree to a small part of the SE.
    assert abs(ours.low - low) < 0.15 * se, (ours, low, high)
    assert abs(ours.high - high) < 0.15 * se, (ours, low, high)
    assert ours.mean == pytest.approx(values.mean())


def test_intervals_are_seeded_and_reproducible() -> None:
    values = np.random.default_rng(1).random(200)
    assert bootstrap_mean(values, seed=5) == bootstrap_mean(values, seed=5)
    assert bootstrap_mean(values, seed=5) != bootstrap_mean(values, seed=6)


def test_degenerate_samples() -> None:
    assert bootstrap_mean([]).n == 0 and math.isnan(bootstrap_mean([]).mean)
    constant = bootstrap_mean([1.0] * 10)
    assert (constant.low, constant.mean, constant.high) == (1.0, 1.0, 1.0)


def test_pass_hat_k_is_the_chance_that_every_try_passes() -> None:
    # three cases, 4 tries each: always / 2 of 4 / never
    tries = [[True] * 4, [True, False, True, False], [False] * 4]
    assert pass_hat_k(tries) == pytest.approx(1 / 3)  # k = 4: only the first case
    # k = 2 from 4 tries: C(2,2)/C(4,2) = 1/6 for the middle case
    assert pass_hat_k(tries, k=2) == pytest.approx((1 + 1 / 6 + 0) / 3)
    assert pass_hat_k(tries, k=1) == pytest.approx((1 + 0.5 + 0) / 3)  # pass@1 = mean pass rate


def test_paired_interval_is_tighter_than_the_unpaired_one() -> None:
    rng = np.random.default_rng(11)
    difficulty = rng.random(400)
    old = (rng.random(400) > difficulty * 0.9).astype(float)
    new = old.copy()
    flip = rng.choice(400, 8, replace=False)
    new[flip] = 1.0 - new[flip]
    paired = paired_delta(old, new, seed=1)
    separate = (bootstrap_mean(new, seed=1), bootstrap_mean(old, seed=2))
    unpaired_width = (separate[0].high - separate[0].low) + (separate[1].high - separate[1].low)
    assert paired.interval.high - paired.interval.low < unpaired_width / 3
    assert paired.interval.mean == pytest.approx(new.mean() - old.mean())


def test_paired_samples_must_have_the_same_length() -> None:
    with pytest.raises(ValueError):
        paired_delta([1.0, 0.0], [1.0])
