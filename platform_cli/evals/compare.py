"""Paired comparison of two runs on the same cases, the gate, and behaviour changes in both directions.

Cases are paired by id (a case's repeats are averaged first). The gate fails when the upper bound of the
paired bootstrap interval of (new - old) lies below -tolerance overall or in any required segment: the
drop is then larger than the tolerance even in the most favourable reading of the noise. A segment can
fail while the overall mean barely moves, which is the point of gating segments on their own.

Accuracy is a contract both ways: besides the scores, every case whose verdict or answer changed is
counted, per segment: fixed (failed, now passes), broken (passed, now fails), changed while still
passing, changed while still failing. Above the suite's behaviour_change_threshold a promotion needs an
acknowledged behaviour-change note, even for an improvement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.evals.stats import PairedDelta, group_seed, paired_delta
from platform_cli.evals.suites import GateSettings
from platform_cli.store.evals import EvalResultRecord

OVERALL = "overall"


@dataclass
class _Case:
    segment: str | None
    scores: list[float] = field(default_factory=list)
    passes: list[bool] = field(default_factory=list)
    output_hash: str | None = None

    @property
    def score(self) -> float:
        return sum(self.scores) / len(self.scores)

    @property
    def passed(self) -> bool:
        return sum(self.passes) * 2 > len(self.passes)  # most repeats passed


def _cases(records: Iterable[EvalResultRecord]) -> dict[str, _Case]:
    cases: dict[str, _Case] = {}
    for record in records:
        case = cases.setdefault(record.case_id, _Case(record.segment))
        case.scores.append(record.score)
        case.passes.append(record.passed)
        if record.repeat == 0 or case.output_hash is None:
            case.output_hash = record.output_hash
    return cases


@dataclass(frozen=True)
class Changes:
    fixed: int = 0
    broken: int = 0
    changed_passing: int = 0
    changed_failing: int = 0
    n: int = 0

    @property
    def changed(self) -> int:
        return self.fixed + self.broken + self.changed_passing + self.changed_failing

    @property
    def share(self) -> float:
        return self.changed / self.n if self.n else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"fixed": self.fixed, "broken": self.broken, "changed_passing": self.changed_passing,
                "changed_failing": self.changed_failing, "changed": self.changed,
                "share": round(self.share, 6)}  # fmt: skip


@dataclass(frozen=True)
class GroupComparison:
    name: str
    n: int
    delta: PairedDelta
    changes: Changes
    regressed: bool  # the CI's upper bound is below -tolerance

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, **self.delta.as_dict(), "changes": self.changes.as_dict(),
                "regressed": self.regressed}  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    old_run: str
    new_run: str
    overall: GroupComparison
    segments: dict[str, GroupComparison]
    only_old: int
    only_new: int
    gate: GateSettings
    failures: list[str]
    needs_note: bool

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "old_run": self.old_run,
            "new_run": self.new_run,
            "verdict": "pass" if self.passed else "fail",
            "failures": self.failures,
            "needs_behaviour_note": self.needs_note,
            "overall": self.overall.as_dict(),
            "segments": {name: group.as_dict() for name, group in self.segments.items()},
            "unpaired": {"only_in_old": self.only_old, "only_in_new": self.only_new},
            "gate": self.gate.as_dict(),
        }


def _changes(pairs: Sequence[tuple[_Case, _Case]]) -> Changes:
    fixed = broken = passing = failing = 0
    for old, new in pairs:
        if old.passed != new.passed:
            fixed += new.passed
            broken += old.passed
        elif old.output_hash != new.output_hash:
            passing += new.passed
            failing += not new.passed
    return Changes(fixed, broken, passing, failing, len(pairs))


def _group(name: str, pairs: Sequence[tuple[_Case, _Case]], gate: GateSettings) -> GroupComparison:
    delta = paired_delta(
        [old.score for old, _ in pairs], [new.score for _, new in pairs],
        confidence=gate.confidence, resamples=gate.resamples, seed=group_seed(gate.seed, name),
    )  # fmt: skip
    regressed = bool(pairs) and delta.interval.high < -gate.tolerance
    return GroupComparison(name, len(pairs), delta, _changes(pairs), regressed)


def compare_results(
    old: Iterable[EvalResultRecord],
    new: Iterable[EvalResultRecord],
    *,
    old_run: str,
    new_run: str,
    gate: GateSettings,
    required_segments: Sequence[str],
    threshold_failures: Sequence[str] = (),
) -> Comparison:
    """Pair the runs' cases, compute the deltas, and decide the gate (plus the new run's threshold misses)."""
    before, after = _cases(old), _cases(new)
    common = sorted(set(before) & set(after))
    pairs = [(before[c], after[c]) for c in common]
    by_segment: Mapping[str, list[tuple[_Case, _Case]]] = defaultdict(list)
    for pair in pairs:
        by_segment[pair[1].segment or "(none)"].append(pair)
    overall = _group(OVERALL, pairs, gate)
    segments = {name: _group(name, by_segment[name], gate) for name in sorted(by_segment)}
    failures = list(threshold_failures)
    if not pairs:
        failures.append("the runs have no case in common: nothing can be compared")
    if overall.regressed:
        failures.append(_regression("overall", overall, gate))
    for name in required_segments:
        group = segments.get(name)
        if group is None:
            failures.append(f"segment '{name}': no case in common between the runs")
        elif group.regressed:
            failures.append(_regression(f"segment '{name}'", group, gate))
    needs_note = overall.changes.share > gate.behaviour_change_threshold
    return Comparison(
        old_run, new_run, overall, segments, len(set(before) - set(after)), len(set(after) - set(before)),
        gate, failures, needs_note,
    )  # fmt: skip


def _regression(where: str, group: GroupComparison, gate: GateSettings) -> str:
    interval = group.delta.interval
    return (
        f"{where} regressed: mean score {group.delta.old_mean:.3f} -> {group.delta.new_mean:.3f}, "
        f"delta {interval.mean:+.3f} with {interval.confidence:.0%} CI [{interval.low:+.3f}, "
        f"{interval.high:+.3f}] entirely below -{gate.tolerance:g} (n={group.n})"
    )
