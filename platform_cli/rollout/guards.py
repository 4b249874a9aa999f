"""Judge every guard for the canary against control over one window, per segment and pooled.

States: `breach` (the whole interval of canary - control is beyond the allowance on the worse side),
`holds` (both cohorts have the guard's minimum samples and it is not breached), `short` (a cohort has
fewer: evidence short, so wait), `no-data` (neither cohort has any, e.g. eval_score without online
scoring). Segments with less than `min_segment_share` of control's traffic can breach but never hold up an
advance (they are not `required`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from platform_cli.cost.figures import Figures
from platform_cli.prompts.cohorts import CONTROL
from platform_cli.rollout import stats
from platform_cli.rollout.evidence import CANARY, POOLED, Cohort, Evidence
from platform_cli.rollout.settings import Guard, RolloutSettings
from platform_cli.store.sql.cost import LATENCY_BUCKET_RATIO

RATE_COUNTS: dict[str, Callable[[Figures], int]] = {
    "refusal_rate": lambda f: f.refusals,
    "error_rate": lambda f: f.errors,
    "fallback_rate": lambda f: f.fallbacks,
    "cache_hit_rate": lambda f: f.cache_hits,
}


@dataclass(frozen=True)
class GuardResult:
    metric: str
    segment: str
    state: str  # breach | holds | short | no-data
    required: bool  # must hold for an advance
    n_canary: int
    n_control: int
    min_samples: int
    canary: float | None
    control: float | None
    low: float | None  # interval of canary - control (each end one-sided at confidence_each)
    high: float | None
    allowance: float | None  # how much worse the canary may be (metric units)
    worse: str
    unit: str
    test: str
    confidence_each: float | None

    @property
    def diff(self) -> float | None:
        return None if self.canary is None or self.control is None else self.canary - self.control

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "segment": self.segment,
            "state": self.state,
            "required": self.required,
            "n_canary": self.n_canary,
            "n_control": self.n_control,
            "min_samples": self.min_samples,
            "canary": _r(self.canary),
            "control": _r(self.control),
            "difference": _r(self.diff),
            "ci_low": _r(self.low),
            "ci_high": _r(self.high),
            "allowance": _r(self.allowance),
            "worse": self.worse,
            "unit": self.unit,
            "test": self.test,
            "confidence_each": None if self.confidence_each is None else round(self.confidence_each, 6),
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 8)


def sample_size(guard: Guard, cohort: Cohort) -> int:
    kind = guard.metric.kind
    if kind == "score":
        return len(cohort.scores)
    if kind == "mean":
        return cohort.priced
    return cohort.figures.requests


def latency_histogram(figures: Figures) -> stats.Histogram:
    """The latency buckets as values (each bucket's middle, as Figures reads percentiles)."""
    return stats.Histogram.from_counts(
        {LATENCY_BUCKET_RATIO ** (bucket + 0.5): count for bucket, count in figures.latency_buckets.items()}
    )


def cost_histogram(cohort: Cohort) -> stats.Histogram:
    """Each cost bucket as its exact mean cost, weighted by its requests."""
    return stats.Histogram.from_counts(
        {cost / requests: int(requests) for requests, cost in cohort.cost.values() if requests}
    )


def point(guard: Guard, cohort: Cohort) -> float | None:
    """The guard's metric for one cohort (None without data)."""
    if sample_size(guard, cohort) == 0:
        return None
    kind = guard.metric.kind
    if kind == "rate":
        return RATE_COUNTS[guard.name](cohort.figures) / cohort.figures.requests
    if kind == "quantile":
        return latency_histogram(cohort.figures).quantile(guard.metric.quantile or 0.5)
    if kind == "mean":
        return cost_histogram(cohort).mean()
    return float(sum(cohort.scores) / len(cohort.scores))


def difference(
    guard: Guard, canary: Cohort, control: Cohort, confidence_each: float, seed: int
) -> stats.Difference:
    kind = guard.metric.kind
    if kind == "rate":
        count = RATE_COUNTS[guard.name]
        return stats.proportions(
            count(canary.figures), canary.figures.requests, count(control.figures), control.figures.requests,
            confidence_each,
        )  # fmt: skip
    if kind == "quantile":
        return stats.bootstrap(
            latency_histogram(canary.figures), latency_histogram(control.figures), stat="quantile",
            q=guard.metric.quantile or 0.5, confidence_each=confidence_each, seed=seed,
        )  # fmt: skip
    if kind == "mean":
        return stats.bootstrap(
            cost_histogram(canary), cost_histogram(control), stat="mean", confidence_each=confidence_each,
            seed=seed,
        )  # fmt: skip
    return stats.bootstrap(
        stats.Histogram.of(canary.scores), stats.Histogram.of(control.scores), stat="mean",
        confidence_each=confidence_each, seed=seed,
    )  # fmt: skip


def required_segments(evidence: Evidence, min_share: float) -> set[str]:
    """POOLED and every segment with at least `min_share` of control's requests in the window."""
    total = evidence.requests(CONTROL)
    out = {POOLED}
    for segment in evidence.segments():
        if segment == POOLED or total == 0:
            continue
        if evidence.cohort(segment, CONTROL).figures.requests / total >= min_share:
            out.add(segment)
    return out


def _result(
    guard: Guard, segment: str, required: bool, n_canary: int, n_control: int, state: str,
    canary: float | None, control: float | None, found: stats.Difference | None,
    confidence_each: float | None,
) -> GuardResult:  # fmt: skip
    return GuardResult(
        guard.name, segment, state, required, n_canary, n_control, guard.min_samples, canary, control,
        found.low if found else None, found.high if found else None,
        guard.allowance(control) if control is not None else None, guard.metric.worse, guard.metric.unit,
        guard.test, confidence_each,
    )  # fmt: skip


def judge(settings: RolloutSettings, evidence: Evidence, *, seed_key: str) -> list[GuardResult]:
    """Every guard in every segment (pooled first), judged at the family confidence of the settings."""
    segments = evidence.segments()
    required = required_segments(evidence, settings.min_segment_share)
    pairs = [(guard, segment) for guard in settings.guards for segment in segments]
    sizes = {
        (g.name, s): (sample_size(g, evidence.cohort(s, CANARY)), sample_size(g, evidence.cohort(s, CONTROL)))
        for g, s in pairs
    }
    tested = [p for p in pairs if min(sizes[(p[0].name, p[1])]) >= p[0].min_samples]
    confidence_each = stats.per_comparison(settings.confidence, len(tested))
    results = []
    for guard, segment in pairs:
        canary, control = evidence.cohort(segment, CANARY), evidence.cohort(segment, CONTROL)
        n_canary, n_control = sizes[(guard.name, segment)]
        common = (guard, segment, segment in required, n_canary, n_control)
        if (guard, segment) not in tested:
            state = "no-data" if n_canary == 0 and n_control == 0 else "short"
            results.append(_result(*common, state, point(guard, canary), point(guard, control), None, None))
            continue
        seed = stats.seed_for(seed_key, guard.name, segment)
        found = difference(guard, canary, control, confidence_each, seed)
        limit = guard.allowance(found.control)
        breached = found.low > limit if guard.metric.worse == "up" else found.high < -limit
        state = "breach" if breached else "holds"
        results.append(_result(*common, state, found.canary, found.control, found, confidence_each))
    return results


def describe(result: GuardResult) -> str:
    """One line a person can act on: the metric, segment, both values, the interval and the allowance."""
    where = "all segments" if result.segment == POOLED else f"segment {result.segment}"
    show, shift = _formatter(result.unit), _shift(result.unit)
    if result.state in ("short", "no-data"):
        return (
            f"{result.metric} in {where}: evidence short (canary n={result.n_canary}, control "
            f"n={result.n_control}; {result.min_samples} each needed)"
        )
    bound = result.low if result.worse == "up" else result.high
    side = "lower" if result.worse == "up" else "upper"
    verb = "beyond" if result.state == "breach" else "within"
    allowance = (result.allowance or 0.0) * (1 if result.worse == "up" else -1)
    return (
        f"{result.metric} in {where}: canary {show(result.canary)} vs control {show(result.control)} "
        f"(n={result.n_canary}/{result.n_control}), difference {shift(result.diff)}; its "
        f"{(result.confidence_each or 0) * 100:.2f}% one-sided {side} bound {shift(bound)} is {verb} the "
        f"allowance {shift(allowance)} (test: {result.test})"
    )


def worst_segment(breach: GuardResult, results: list[GuardResult]) -> GuardResult | None:
    """For a breach across all segments: the segment whose canary is furthest on the worse side."""
    sign = 1.0 if breach.worse == "up" else -1.0
    candidates = [
        r for r in results
        if r.metric == breach.metric and r.segment != POOLED and r.diff is not None and sign * r.diff > 0
    ]  # fmt: skip
    return max(candidates, key=lambda r: sign * (r.diff or 0.0), default=None)


def breach_text(breach: GuardResult, results: list[GuardResult]) -> str:
    """The breach described; a pooled one also names the segment driving it (by its point estimate)."""
    text = describe(breach)
    if breach.segment != POOLED:
        return text
    worst = worst_segment(breach, results)
    if worst is None:
        return text
    show = _formatter(worst.unit)
    return (
        f"{text}; worst segment {worst.segment}: canary {show(worst.canary)} vs control "
        f"{show(worst.control)} (n={worst.n_canary}/{worst.n_control}, {worst.state} on its own)"
    )


def show_value(value: float | None, unit: str) -> str:
    """A guard's value for people: rates in %, USD, milliseconds, scores."""
    if value is None:
        return "-"
    if unit == "rate":
        return f"{value * 100:.2f}%"
    if unit == "usd":
        return f"${value:.6f}"
    if unit == "ms":
        return f"{value:.0f} ms"
    return f"{value:.3f}"


def show_difference(value: float | None, unit: str) -> str:
    """A difference: signed, in percentage points for rates."""
    if value is None:
        return "-"
    if unit == "rate":
        return f"{value * 100:+.2f} pp"
    return ("+" if value >= 0 else "-") + show_value(abs(value), unit)


def _shift(unit: str) -> Callable[[float | None], str]:
    return lambda value: show_difference(value, unit)


def _formatter(unit: str) -> Callable[[float | None], str]:
    return lambda value: show_value(value, unit)
