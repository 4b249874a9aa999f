"""The rollout guard's intervals: Newcombe's published values, the bootstrap against scipy, Bonferroni."""

from __future__ import annotations

import numpy as np
import pytest

from platform_cli.rollout import stats


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe (1998), "Interval estimation for the difference between independent proportions",
        # method 10 (hybrid score), 95% intervals of the worked examples
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ],
)
def test_newcombe_intervals_match_the_published_examples(
    counts: tuple[int, int, int, int], expected: tuple[float, float]
) -> None:
    found = stats.proportions(*counts, confidence_each=0.975)  # two-sided 95% = 97.5% at each end
    assert (round(found.low, 4), round(found.high, 4)) == expected


def test_a_zero_count_still_gets_an_interval_of_positive_width() -> None:
    found = stats.proportions(0, 40, 0, 4000, confidence_each=0.99)
    assert found.low < 0 < found.high and found.diff == 0


def test_the_bootstrap_of_a_difference_in_means_agrees_with_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    canary, control = rng.gamma(2.0, 1.1, 400), rng.gamma(2.0, 1.0, 600)
    ours = stats.bootstrap(
        stats.Histogram.of(canary), stats.Histogram.of(control), stat="mean", confidence_each=0.975, seed=1
    )
    theirs = scipy_stats.bootstrap(
        (canary, control), lambda a, b, axis: a.mean(axis=axis) - b.mean(axis=axis), paired=False,
        vectorized=True, confidence_level=0.95, method="percentile", n_resamples=20_000,
        random_state=np.random.default_rng(2),
    ).confidence_interval  # fmt: skip
    assert ours.diff == pytest.approx(canary.mean() - control.mean())
    assert ours.low == pytest.approx(theirs.low, abs=0.03) and ours.high == pytest.approx(
        theirs.high, abs=0.03
    )


def test_a_histogram_reads_like_the_rows_it_counts() -> None:
    rows = [10.0] * 50 + [20.0] * 30 + [400.0] * 20
    hist = stats.Histogram.from_counts({10.0: 50, 20.0: 30, 400.0: 20})
    same = stats.Histogram.of(rows)
    assert (hist.levels.tolist(), hist.counts.tolist()) == (same.levels.tolist(), same.counts.tolist())
    # the value at rank ceil(q x n), as Figures reads latency percentiles
    assert (hist.quantile(0.95), hist.quantile(0.5), hist.quantile(0.51)) == (400.0, 10.0, 20.0)
    assert hist.mean() == pytest.approx(91.0)


def test_a_shifted_percentile_is_found_and_an_unshifted_one_is_not() -> None:
    rng = np.random.default_rng(9)
    base = rng.lognormal(5.0, 0.4, 3000)
    slow = stats.Histogram.of(np.round(base * 1.5))
    same = stats.bootstrap(
        stats.Histogram.of(np.round(rng.lognormal(5.0, 0.4, 3000))), stats.Histogram.of(np.round(base)),
        stat="quantile", q=0.95, confidence_each=0.99, seed=4,
    )  # fmt: skip
    shifted = stats.bootstrap(
        slow, stats.Histogram.of(np.round(base)), stat="quantile", q=0.95, confidence_each=0.99, seed=4
    )
    assert same.low < 0 < same.high
    assert shifted.low > 0.3 * shifted.control  # p95 is 50% higher: the whole interval says so


def test_bonferroni_shares_the_family_confidence() -> None:
    assert stats.per_comparison(0.95, 1) == pytest.approx(0.95)
    assert stats.per_comparison(0.95, 20) == pytest.approx(0.9975)
    assert stats.per_comparison(0.95, 0) == pytest.approx(0.95)


def test_the_same_evidence_gives_the_same_interval() -> None:
    a, b = stats.Histogram.of([1.0, 2.0, 3.0, 9.0]), stats.Histogram.of([1.0, 2.0, 2.0, 3.0])
    first = stats.bootstrap(a, b, stat="mean", confidence_each=0.99, seed=stats.seed_for("r", "cost", "*"))
    again = stats.bootstrap(a, b, stat="mean", confidence_each=0.99, seed=stats.seed_for("r", "cost", "*"))
    assert first == again


def test_false_breaches_stay_rare_when_nothing_changed() -> None:
    """Under no difference, the one-sided bound is above a zero allowance in about 1 - confidence of runs."""
    rng = np.random.default_rng(11)
    above = 0
    runs = 400
    for _ in range(runs):
        x1, x0 = rng.binomial(300, 0.05), rng.binomial(3000, 0.05)
        above += stats.proportions(int(x1), 300, int(x0), 3000, confidence_each=0.95).low > 0
    assert above / runs < 0.08  # nominal 5%; Newcombe is slightly conservative
