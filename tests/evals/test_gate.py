"""The gate on paired comparisons: a regression confined to one segment fails naming that segment while the
overall mean barely moves; a change inside the noise passes; behaviour changes are counted both ways."""

from __future__ import annotations

import random

from platform_cli.evals.compare import compare_results
from platform_cli.evals.suites import GateSettings
from platform_cli.store.evals import EvalResultRecord

SEGMENTS = {"billing": 60, "technical": 300, "account": 300, "general": 300, "enterprise": 300}
GATE = GateSettings(tolerance=0.02, confidence=0.95, resamples=2000, seed=0, behaviour_change_threshold=0.1)


def _record(run: str, case: str, segment: str, passed: bool, answer: str) -> EvalResultRecord:
    return EvalResultRecord(
        run,
        case,
        0,
        segment,
        1.0 if passed else 0.0,
        passed,
        answer,
        answer,
        "[]",
        1.0,
        None,
        False,
        None,
        "2026-01-01T00:00:00Z",
    )


def _baseline(seed: int = 1) -> dict[str, tuple[str, bool]]:
    rng = random.Random(seed)
    return {
        f"{segment}-{i}": (segment, rng.random() < 0.85)
        for segment, count in SEGMENTS.items()
        for i in range(count)
    }


def _records(run: str, cases: dict[str, tuple[str, bool]], answers: dict[str, str]) -> list[EvalResultRecord]:
    return [
        _record(run, case, seg, ok, answers.get(case, f"answer {case}")) for case, (seg, ok) in cases.items()
    ]


def _compare(old: dict[str, tuple[str, bool]], new: dict[str, tuple[str, bool]], answers: dict[str, str]):  # type: ignore[no-untyped-def]
    return compare_results(
        _records("old", old, {}),
        _records("new", new, answers),
        old_run="old",
        new_run="new",
        gate=GATE,
        required_segments=list(SEGMENTS),
    )


def test_a_regression_in_one_segment_fails_naming_it_while_the_overall_mean_barely_moves() -> None:
    old = _baseline()
    new = dict(old)
    broken = [c for c, (seg, ok) in old.items() if seg == "billing" and ok][:18]  # 30% of billing
    for case in broken:
        new[case] = ("billing", False)
    result = _compare(old, new, {c: "a worse answer" for c in broken})
    assert not result.passed
    assert abs(result.overall.delta.interval.mean) < GATE.tolerance  # overall: 18 of 1,260 cases
    assert not result.overall.regressed
    assert result.segments["billing"].regressed
    assert [s for s, g in result.segments.items() if g.regressed] == ["billing"]
    assert len(result.failures) == 1 and "segment 'billing' regressed" in result.failures[0]
    assert result.segments["billing"].changes.broken == 18
    assert result.overall.changes.as_dict()["broken"] == 18 and result.overall.changes.fixed == 0


def test_a_change_inside_the_noise_passes() -> None:
    old = _baseline()
    new = dict(old)
    rng = random.Random(5)
    flipped = rng.sample(sorted(old), 24)  # about 2% of cases, in both directions, spread over segments
    for case in flipped:
        segment, ok = old[case]
        new[case] = (segment, not ok)
    result = _compare(old, new, {c: "different" for c in flipped})
    assert result.passed, result.failures
    assert result.overall.changes.fixed + result.overall.changes.broken == 24
    assert not result.needs_note  # 24 of 1,260 changed: under the 10% behaviour-change threshold


def test_an_improvement_that_changes_many_answers_needs_a_behaviour_note() -> None:
    old = _baseline()
    answers = {case: "reworded" for case in list(old)[:200]}  # 200 answers changed, verdicts kept
    fixed = [c for c, (_, ok) in old.items() if not ok][:10]
    new = {**old, **{c: (old[c][0], True) for c in fixed}}
    answers.update({c: "now right" for c in fixed})
    result = _compare(old, new, answers)
    assert result.passed
    assert result.needs_note
    changes = result.overall.changes
    assert changes.fixed == 10 and changes.broken == 0 and changes.changed_passing > 0


def test_threshold_failures_and_missing_segments_fail_the_gate() -> None:
    old = _baseline()
    only_some = {c: v for c, v in old.items() if v[0] != "enterprise"}
    result = compare_results(
        _records("old", old, {}),
        _records("new", only_some, {}),
        old_run="old",
        new_run="new",
        gate=GATE,
        required_segments=list(SEGMENTS),
        threshold_failures=["overall: pass_rate 0.80 is below 0.9"],
    )
    assert not result.passed
    assert result.failures[0].startswith("overall: pass_rate")
    assert any("segment 'enterprise': no case in common" in f for f in result.failures)
    assert result.only_old == SEGMENTS["enterprise"]
