"""Guards judged on constructed evidence: each kind of metric breaches, holds, or waits for evidence;
segments too small to matter never hold up an advance; trends flag a drift control does not share."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter

from platform_cli.cost.figures import Figures
from platform_cli.manifest.model import GuardThreshold
from platform_cli.prompts.cohorts import CONTROL
from platform_cli.rollout import drift, guards
from platform_cli.rollout.evidence import CANARY, POOLED, Cohort, Evidence
from platform_cli.rollout.settings import METRICS, Guard, RolloutSettings
from platform_cli.store.sql.cost import LATENCY_BUCKET_RATIO

SEED = "test"


def settings(*names: str, **limits: GuardThreshold) -> RolloutSettings:
    chosen = []
    for name in names:
        metric, mine = METRICS[name], limits.get(name, GuardThreshold())
        chosen.append(Guard(metric, mine.relative if mine.relative is not None else metric.relative,
                            mine.absolute if mine.absolute is not None else metric.absolute,
                            mine.min_samples or metric.min_samples))  # fmt: skip
    return RolloutSettings((5, 100), (7.0,), tuple(chosen), 0.95, 0.05, ("billing",), 7.0, None)


def cohort(requests: int, *, refusals: int = 0, errors: int = 0, latency_ms: float = 100.0,
           spread: float = 0.2, cost: float | None = None, scores: list[float] | None = None,
           seed: int = 1) -> Cohort:  # fmt: skip
    rng = random.Random(seed)
    figures = Figures(requests=requests, refusals=refusals, errors=errors)
    buckets: Counter[int] = Counter()
    for _ in range(requests):
        value = latency_ms * math.exp(rng.gauss(0, spread))
        buckets[math.floor(math.log(value) / math.log(LATENCY_BUCKET_RATIO))] += 1
    figures.latency_buckets = buckets
    out = Cohort(figures=figures, scores=list(scores or []))
    if cost is not None:
        for _ in range(requests):
            value = cost * rng.uniform(0.8, 1.2)
            out.add_cost(math.floor(math.log(value) / math.log(LATENCY_BUCKET_RATIO)), 1, value)
    return out


def evidence(segments: dict[str, tuple[Cohort, Cohort]]) -> Evidence:
    found = Evidence("2026-03-01T00:00:00.000000Z", "2026-03-08T00:00:00.000000Z")
    for segment, (canary, control) in segments.items():
        found.cohort(segment, CANARY).merge(canary)
        found.cohort(segment, CONTROL).merge(control)
        found.cohort(POOLED, CANARY).merge(canary)
        found.cohort(POOLED, CONTROL).merge(control)
    return found


def by(results: list[guards.GuardResult], metric: str, segment: str) -> guards.GuardResult:
    return next(r for r in results if r.metric == metric and r.segment == segment)


def test_a_slower_p95_breaches_the_latency_guard_and_the_same_latency_holds() -> None:
    plan = settings("p95_latency")
    slow = evidence({"billing": (cohort(800, latency_ms=300, seed=2), cohort(8000, latency_ms=100, seed=3))})
    same = evidence({"billing": (cohort(800, latency_ms=100, seed=4), cohort(8000, latency_ms=100, seed=5))})
    breach = by(guards.judge(plan, slow, seed_key=SEED), "p95_latency", "billing")
    holds = by(guards.judge(plan, same, seed_key=SEED), "p95_latency", "billing")
    assert breach.state == "breach" and breach.low is not None and breach.low > (breach.allowance or 0)
    assert holds.state == "holds" and holds.low is not None and holds.low <= (holds.allowance or 0)
    assert "p95_latency in segment billing" in guards.describe(breach) and "beyond the allowance" in (
        guards.describe(breach)
    )


def test_the_cost_guard_compares_mean_cost_per_request() -> None:
    plan = settings("cost_per_request")
    dear = evidence({"billing": (cohort(600, cost=0.0013, seed=2), cohort(6000, cost=0.0010, seed=3))})
    cheap = evidence({"billing": (cohort(600, cost=0.00102, seed=2), cohort(6000, cost=0.0010, seed=3))})
    assert by(guards.judge(plan, dear, seed_key=SEED), "cost_per_request", "*").state == "breach"
    result = by(guards.judge(plan, cheap, seed_key=SEED), "cost_per_request", "*")
    assert result.state == "holds" and result.allowance is not None
    assert abs(result.allowance - 0.1 * (result.control or 0)) < 1e-9  # relative 10% of control


def test_a_lower_eval_score_breaches_and_the_allowance_is_the_larger_of_absolute_and_relative() -> None:
    plan = settings("eval_score", eval_score=GuardThreshold(relative=0.05, absolute=0.02, min_samples=30))
    worse = evidence({"billing": (cohort(100, scores=[0.6] * 40 + [1.0] * 60),
                                  cohort(1000, scores=[0.6] * 5 + [1.0] * 95))})  # fmt: skip
    result = by(guards.judge(plan, worse, seed_key=SEED), "eval_score", "billing")
    assert result.state == "breach" and result.worse == "down"
    assert result.allowance == max(0.02, 0.05 * (result.control or 0))


def test_too_few_samples_is_short_and_no_samples_at_all_is_no_data() -> None:
    plan = settings("refusal_rate", "eval_score")
    thin = evidence({"billing": (cohort(30, refusals=20), cohort(5000, refusals=50))})
    results = guards.judge(plan, thin, seed_key=SEED)
    refusal = by(results, "refusal_rate", "billing")
    assert refusal.state == "short" and refusal.low is None and refusal.n_canary == 30
    assert by(results, "eval_score", "billing").state == "no-data"
    assert "evidence short" in guards.describe(refusal)


def test_a_small_segment_can_breach_but_does_not_hold_up_an_advance() -> None:
    plan = settings("refusal_rate")
    found = evidence({
        "billing": (cohort(2000, refusals=20), cohort(20000, refusals=200)),
        "rare": (cohort(5, refusals=0), cohort(300, refusals=3)),  # 1.5% of control's traffic
    })  # fmt: skip
    results = guards.judge(plan, found, seed_key=SEED)
    assert by(results, "refusal_rate", "rare").required is False
    assert by(results, "refusal_rate", "billing").required is True
    assert by(results, "refusal_rate", "*").required is True


def test_a_pooled_breach_names_the_segment_that_drives_it() -> None:
    plan = settings("refusal_rate")
    found = evidence({
        "billing": (cohort(150, refusals=45), cohort(15000, refusals=300)),
        "technical": (cohort(150, refusals=3), cohort(15000, refusals=300)),
    })  # fmt: skip
    results = guards.judge(plan, found, seed_key=SEED)
    pooled = by(results, "refusal_rate", "*")
    assert pooled.state == "breach"
    text = guards.breach_text(pooled, results)
    assert "worst segment billing" in text and "pp" in text


def test_bonferroni_counts_only_the_comparisons_that_were_made() -> None:
    plan = settings("refusal_rate", "error_rate")
    found = evidence({"billing": (cohort(500, refusals=5), cohort(5000, refusals=50))})
    results = guards.judge(plan, found, seed_key=SEED)
    judged = [r for r in results if r.state in ("holds", "breach")]
    assert len(judged) == 4  # 2 guards x (billing + pooled)
    assert {r.confidence_each for r in judged} == {1 - 0.05 / 4}


def days(values: list[float], requests: int = 200) -> dict[str, Cohort]:
    start = dt.date(2026, 3, 2)
    return {
        (start + dt.timedelta(days=i)).isoformat(): cohort(requests, cost=value, seed=i)
        for i, value in enumerate(values)
    }


def test_a_canary_cost_drift_is_flagged_and_one_shared_with_control_is_not() -> None:
    guard = settings("cost_per_request").guards
    start = dt.date(2026, 3, 2)
    flat = [0.001] * 14
    rising = [0.001 * (1 + 0.007 * i) for i in range(14)]  # +9% over the soak: every day under 10%
    (only_canary,) = drift.trends(guard, {CANARY: days(rising), CONTROL: days(flat)}, start)
    (both,) = drift.trends(guard, {CANARY: days(rising), CONTROL: days(rising)}, start)
    assert only_canary.drifting and only_canary.weekly_change is not None
    assert 0.03 < only_canary.weekly_change < 0.07
    assert not both.drifting and both.canary.sustained and both.control.sustained


def test_a_one_day_spike_is_not_a_drift() -> None:
    guard = settings("cost_per_request").guards
    values = [0.001] * 14
    values[9] = 0.003
    (trend,) = drift.trends(guard, {CANARY: days(values), CONTROL: days([0.001] * 14)}, dt.date(2026, 3, 2))
    assert not trend.drifting
