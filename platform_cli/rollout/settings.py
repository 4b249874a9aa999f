"""What a rollout needs from spec.rollout, with defaults: steps and holds, each guard's threshold and test.

A guard compares the canary cohort with control over the same window, per segment. It is breached when the
whole confidence interval of (canary - control) lies on the worse side of its allowance, the larger of
`absolute` (in the metric's unit) and `relative` x control's value; it holds when each cohort has at least
`min_samples` and it is not breached. The tests per kind of metric are stated in `TESTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from platform_cli.errors import UserError
from platform_cli.manifest import Manifest
from platform_cli.manifest.model import OnlineScoring

Kind = Literal["rate", "mean", "quantile", "score"]
DEFAULT_SOAK_DAYS = 42
DEFAULT_CONFIDENCE = 0.95
TESTS: dict[str, str] = {
    "rate": "Newcombe hybrid score interval for the difference of two proportions",
    "mean": "two-sample percentile bootstrap of the difference in means, over 5%-wide cost buckets",
    "quantile": "two-sample percentile bootstrap of the difference in the percentile, over 5%-wide latency "
    "buckets",
    "score": "two-sample percentile bootstrap of the difference in mean online eval score",
}


@dataclass(frozen=True)
class Metric:
    """A guard metric: how it is measured, which way is worse, and its default thresholds."""

    name: str
    kind: Kind
    worse: Literal["up", "down"]
    unit: str  # rate | usd | ms | score
    relative: float
    absolute: float
    min_samples: int
    quantile: float | None = None


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("eval_score", "score", "down", "score", 0.05, 0.02, 50),
        Metric("cost_per_request", "mean", "up", "usd", 0.10, 0.0, 200),
        Metric("refusal_rate", "rate", "up", "rate", 0.25, 0.01, 200),
        Metric("error_rate", "rate", "up", "rate", 0.25, 0.005, 200),
        Metric("fallback_rate", "rate", "up", "rate", 0.50, 0.02, 200),
        Metric("cache_hit_rate", "rate", "down", "rate", 0.25, 0.05, 200),
        Metric("p95_latency", "quantile", "up", "ms", 0.20, 50.0, 200, 0.95),
        Metric("p50_latency", "quantile", "up", "ms", 0.20, 25.0, 200, 0.50),
    )
}


@dataclass(frozen=True)
class Guard:
    """One guard metric with the thresholds in force (the manifest's, else the metric's defaults)."""

    metric: Metric
    relative: float
    absolute: float
    min_samples: int

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def test(self) -> str:
        return TESTS[self.metric.kind]

    def allowance(self, control: float | None) -> float:
        """How much worse than `control` the canary may be (in the metric's unit)."""
        relative = self.relative * abs(control) if control is not None else 0.0
        return max(self.absolute, relative)

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.name,
            "worse": self.metric.worse,
            "unit": self.metric.unit,
            "relative": self.relative,
            "absolute": self.absolute,
            "min_samples": self.min_samples,
            "test": self.test,
        }


@dataclass(frozen=True)
class RolloutSettings:
    steps: tuple[int, ...]
    holds: tuple[float, ...]  # days, one per step below 100%
    guards: tuple[Guard, ...]
    confidence: float
    min_segment_share: float
    segments: tuple[str, ...]
    soak_days: float
    online: OnlineScoring | None

    def guard(self, name: str) -> Guard | None:
        return next((g for g in self.guards if g.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "steps": list(self.steps),
            "holds_days": list(self.holds),
            "soak_days": self.soak_days,
            "confidence": self.confidence,
            "min_segment_share": self.min_segment_share,
            "guards": [g.as_dict() for g in self.guards],
            "online_scoring": None
            if self.online is None
            else {
                "suite": self.online.suite,
                "sample_rate": self.online.sample_rate,
                "canary_cap": self.online.canary_cap,
                "judge_budget_usd": self.online.judge_budget_usd,
            },
        }


def holds_for(
    steps: list[int] | tuple[int, ...], soak_days: float, step_days: list[float] | None
) -> list[float]:
    """Days to hold each step below 100%: step_days as written, else soak_days shared equally."""
    holding = [s for s in steps if s < 100]
    if step_days is not None:
        return [float(d) for d in step_days]
    return [soak_days / len(holding)] * len(holding) if holding else []


def settings_of(manifest: Manifest) -> RolloutSettings:
    """The rollout settings of `manifest`; UserError when it declares no rollout plan."""
    rollout = manifest.rollout
    if rollout is None or not rollout.steps:
        line = manifest.line_of(["spec"])
        raise UserError(
            f"{manifest.display}:{line or 1}: spec.rollout.steps is missing: nothing to walk; add e.g. "
            "`rollout: {steps: [1, 5, 25, 100], soak_days: 42, guard_metrics: [eval_score, "
            "cost_per_request, refusal_rate, p95_latency, error_rate]}`"
        )
    soak = float(rollout.soak_days if rollout.soak_days is not None else DEFAULT_SOAK_DAYS)
    guards = []
    for name in rollout.guard_metrics:
        metric = METRICS[name]  # the schema allows only these names
        limits = rollout.guards.get(name)
        guards.append(
            Guard(
                metric,
                metric.relative if limits is None or limits.relative is None else limits.relative,
                metric.absolute if limits is None or limits.absolute is None else limits.absolute,
                metric.min_samples if limits is None or limits.min_samples is None else limits.min_samples,
            )
        )
    holds = holds_for(rollout.steps, soak, rollout.step_days)
    return RolloutSettings(
        steps=tuple(rollout.steps),
        holds=tuple(holds),
        guards=tuple(guards),
        confidence=rollout.confidence,
        min_segment_share=rollout.min_segment_share,
        segments=tuple(manifest.segments),
        soak_days=sum(holds) if rollout.step_days is not None else soak,
        online=rollout.online_scoring,
    )
