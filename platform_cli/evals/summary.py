"""A run's figures, read back from the store: per suite and per segment, mean score and pass rate with
bootstrap intervals, pass^k over repeats, worst cases with reasons; and the thresholds verdict."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.evals.stats import Interval, bootstrap_mean, group_seed, pass_hat_k
from platform_cli.evals.suites import GateSettings
from platform_cli.store.evals import EvalResultRecord

OVERALL = "overall"
NO_SEGMENT = "(none)"
WORST = 10


@dataclass(frozen=True)
class GroupFigures:
    """Figures of one group of cases (the whole run, or one segment)."""

    name: str
    results: int
    cases: int
    score: Interval
    pass_rate: Interval
    pass_hat_k: float
    errors: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "results": self.results,
            "cases": self.cases,
            "score": self.score.as_dict(),
            "pass_rate": self.pass_rate.as_dict(),
            "pass_hat_k": None if self.pass_hat_k != self.pass_hat_k else round(self.pass_hat_k, 6),
            "errors": self.errors,
        }


@dataclass(frozen=True)
class WorstCase:
    case_id: str
    segment: str | None
    score: float
    reason: str
    output: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case_id, "segment": self.segment, "score": round(self.score, 6),
                "reason": self.reason, "output": self.output}  # fmt: skip


@dataclass(frozen=True)
class Summary:
    overall: GroupFigures
    segments: dict[str, GroupFigures]
    worst: list[WorstCase]
    repeats: int
    failures: list[str] = field(default_factory=list)  # thresholds missed, in words

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "segments": {name: group.as_dict() for name, group in self.segments.items()},
            "worst": [w.as_dict() for w in self.worst],
            "repeats": self.repeats,
            "threshold_failures": self.failures,
        }


class _Group:
    def __init__(self) -> None:
        self.scores: list[float] = []
        self.passes: list[float] = []
        self.by_case: dict[str, list[bool]] = defaultdict(list)
        self.errors = 0

    def add(self, record: EvalResultRecord) -> None:
        self.scores.append(record.score)
        self.passes.append(1.0 if record.passed else 0.0)
        self.by_case[record.case_id].append(record.passed)
        self.errors += record.error is not None

    def figures(self, name: str, gate: GateSettings) -> GroupFigures:
        seed = group_seed(gate.seed, name)
        options: dict[str, Any] = {"confidence": gate.confidence, "resamples": gate.resamples}
        return GroupFigures(
            name, len(self.scores), len(self.by_case),
            bootstrap_mean(self.scores, seed=seed, **options),
            bootstrap_mean(self.passes, seed=seed + 1, **options),
            pass_hat_k(self.by_case.values()), self.errors,
        )  # fmt: skip


def _reason(record: EvalResultRecord) -> str:
    if record.error:
        return record.error
    import json

    failing = [f"{s['scorer']}: {s['reason']}" for s in json.loads(record.scores) if not s["pass"]]
    return "; ".join(failing) or "passed"


def summarize_results(
    records: Iterable[EvalResultRecord],
    *,
    gate: GateSettings,
    thresholds: Mapping[str, float],
    required_segments: Sequence[str],
    repeats: int,
) -> Summary:
    overall = _Group()
    groups: dict[str, _Group] = defaultdict(_Group)
    worst: list[WorstCase] = []
    for record in records:
        overall.add(record)
        groups[record.segment or NO_SEGMENT].add(record)
        if not record.passed and len(worst) < WORST * 20:
            worst.append(WorstCase(record.case_id, record.segment, record.score, _reason(record),
                                   (record.output or "")[:300]))  # fmt: skip
    worst.sort(key=lambda w: (w.score, w.case_id))
    figures = overall.figures(OVERALL, gate)
    segments = {name: groups[name].figures(name, gate) for name in sorted(groups)}
    summary = Summary(figures, segments, worst[:WORST], repeats)
    summary.failures.extend(threshold_failures(summary, thresholds, required_segments))
    return summary


def threshold_failures(
    summary: Summary, thresholds: Mapping[str, float], required_segments: Sequence[str]
) -> list[str]:
    """Every threshold missed, overall and in each required segment (a missing required segment too)."""
    failures: list[str] = []
    checks = [(OVERALL, summary.overall)]
    for name in required_segments:
        group = summary.segments.get(name)
        if group is None:
            failures.append(f"required segment '{name}' has no results")
        else:
            checks.append((f"segment '{name}'", group))
    for where, group in checks:
        for key, figure in (("pass_rate", group.pass_rate.mean), ("mean_score", group.score.mean),
                            ("pass_hat_k", group.pass_hat_k)):  # fmt: skip
            minimum = thresholds.get(key)
            if minimum is not None and not figure >= minimum:
                failures.append(f"{where}: {key} {figure:.3f} is below the threshold {minimum:g}")
    return failures
