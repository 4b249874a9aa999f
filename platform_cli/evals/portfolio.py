"""Portfolios measured, not guessed: run every variant of a prompt on the same cases, then per segment name
the winner with intervals and suggest how to share the segment's traffic.

Per segment, each variant is compared with the best one by a paired bootstrap interval on the same cases.
A variant whose interval lies entirely below zero is dominated there and gets no traffic; the best and the
variants the data cannot tell apart from it share the segment (exploration goes on while the evidence is
thin). The control (the label the runtime follows, production) is whatever no variant holds, so a
segment whose winner is the control gets every variant at 0%. `apply` writes the suggestion through the
registry's allocation command (recorded with history, sticky cohorts kept).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.evals.runs import RunOutcome, RunRequest, Selector, run_suite
from platform_cli.evals.stats import bootstrap_mean, group_seed, paired_delta
from platform_cli.evals.suites import GateSettings
from platform_cli.manifest import Manifest
from platform_cli.store import Store
from platform_cli.store.evals import EvalResultRecord

CONTROL = "production"


@dataclass(frozen=True)
class VariantFigures:
    variant: str
    run_id: str
    mean: float
    low: float
    high: float
    delta_vs_best: tuple[float, float, float] | None  # mean, low, high of (variant - best)
    dominated: bool


@dataclass
class SegmentVerdict:
    segment: str
    n: int
    variants: list[VariantFigures]
    winner: str
    allocation: dict[str, float] = field(default_factory=dict)  # variant -> percent (control: the rest)

    def as_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment, "n": self.n, "winner": self.winner, "allocation": self.allocation,
            "variants": [{"variant": v.variant, "run": v.run_id, "mean": round(v.mean, 6),
                          "ci": [round(v.low, 6), round(v.high, 6)], "dominated": v.dominated,
                          "delta_vs_best": _rounded(v.delta_vs_best)} for v in self.variants],
        }  # fmt: skip


def _rounded(values: tuple[float, float, float] | None) -> list[float] | None:
    return None if values is None else [round(x, 6) for x in values]


def _by_segment(records: Sequence[EvalResultRecord]) -> dict[str, dict[str, float]]:
    """segment -> case -> mean score over repeats."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        sums[record.segment or "(none)"][record.case_id].append(record.score)
    return {seg: {case: sum(v) / len(v) for case, v in cases.items()} for seg, cases in sums.items()}


def decide_segments(
    runs: Mapping[str, tuple[str, Sequence[EvalResultRecord]]], gate: GateSettings
) -> list[SegmentVerdict]:
    """`runs`: variant -> (run id, results). One verdict per segment every variant has cases in."""
    scores = {variant: _by_segment(records) for variant, (_, records) in runs.items()}
    segments = sorted(set.intersection(*(set(s) for s in scores.values()))) if scores else []
    verdicts = []
    options: dict[str, Any] = {"confidence": gate.confidence, "resamples": gate.resamples}
    for segment in segments:
        cases = sorted(set.intersection(*(set(s[segment]) for s in scores.values())))
        vectors = {v: [scores[v][segment][c] for c in cases] for v in scores}
        seed = group_seed(gate.seed, segment)
        means = {v: bootstrap_mean(vec, seed=seed, **options) for v, vec in vectors.items()}
        best = max(means, key=lambda v: (means[v].mean, v == CONTROL))
        figures = []
        for variant, interval in means.items():
            delta = None
            dominated = False
            if variant != best:
                paired = paired_delta(vectors[best], vectors[variant], seed=seed, **options).interval
                delta = (paired.mean, paired.low, paired.high)
                dominated = paired.high < 0
            figures.append(VariantFigures(variant, runs[variant][0], interval.mean, interval.low,
                                          interval.high, delta, dominated))  # fmt: skip
        contenders = [f.variant for f in figures if not f.dominated]
        share = round(100.0 / len(contenders), 2)
        allocation = {v: (share if v in contenders else 0.0) for v in vectors if v != CONTROL}
        verdicts.append(SegmentVerdict(segment, len(cases), figures, best, allocation))
    return verdicts


def run_portfolio(
    request: RunRequest,
    variants: Sequence[str],
    *,
    progress: Callable[[str], Callable[[Any], None] | None] | None = None,
) -> dict[str, RunOutcome]:
    """One run per variant (the control is the production label), same suite, same cases."""
    outcomes = {}
    for variant in [CONTROL, *[v for v in variants if v != CONTROL]]:
        selector = Selector("label", CONTROL) if variant == CONTROL else Selector("variant", variant)
        chosen = RunRequest(request.root, request.suite, selector, request.provider,
                            request.concurrency, request.repeats, request.no_cache, None, request.offline,
                            request.author)  # fmt: skip
        outcomes[variant] = run_suite(chosen, progress=progress(variant) if progress else None)
    return outcomes


def variants_in_use(store: Store, prompt: str) -> list[str]:
    """Every variant the prompt's allocations name now (any segment)."""
    from platform_cli.prompts.cohorts import CONTROL as COHORT_CONTROL
    from platform_cli.prompts.portfolio import current_allocations

    names: list[str] = []
    for allocation in current_allocations(store, prompt).values():
        for name in allocation.shares():
            if name not in names and name != COHORT_CONTROL:
                names.append(name)
    return names


def apply(
    store: Store, prompt: str, verdicts: Sequence[SegmentVerdict], *, segments: tuple[str, ...], author: str,
    dry_run: bool,
) -> list[Any]:  # fmt: skip
    """Write each segment's suggested allocation through the registry (recorded, with history)."""
    from platform_cli.prompts.cohorts import parse_share
    from platform_cli.prompts.portfolio import allocate

    changes = []
    for verdict in verdicts:
        if verdict.segment == "(none)" or not verdict.allocation:
            continue
        targets = dict(parse_share(f"{v}={pct:.2f}") for v, pct in verdict.allocation.items())
        changes.append(allocate(
            store, prompt, targets, segment=verdict.segment, segments=segments, author=author,
            reason=f"eval portfolio: winner {verdict.winner} on {verdict.n} cases", dry_run=dry_run,
        ))  # fmt: skip
    return changes


def portfolio_report(
    manifest: Manifest, prompt: str, suite: str | None, variants: Sequence[str], *, concurrency: int,
    apply_changes: bool, author: str, dry_run: bool,
) -> dict[str, Any]:  # fmt: skip
    """Run the portfolio and decide per segment; with `apply_changes`, write the allocation (or plan it)."""
    from platform_cli.errors import UserError
    from platform_cli.evals.project import find_project_suite
    from platform_cli.evals.promotion import suites_of
    from platform_cli.evals.state import evals_store

    names = [s.name for s in suites_of(manifest, prompt)]
    chosen = suite or (names[0] if len(names) == 1 else None)
    if chosen is None:
        raise UserError(
            f"prompt '{prompt}' has {len(names)} suites ({', '.join(names) or 'none'}): name one with --suite"
        )
    with evals_store(manifest, write=True) as store:
        assert store is not None
        wanted = list(variants) or variants_in_use(store, prompt)
    if not wanted:
        raise UserError(
            f"prompt '{prompt}' has no allocation: name the variants with --variant vN (or a label)"
        )
    outcomes = run_portfolio(RunRequest(manifest.root, chosen, concurrency=concurrency), wanted)
    gate = find_project_suite(manifest, chosen).gate
    with evals_store(manifest, write=True) as store:
        assert store is not None
        runs = {v: (o.run.run_id, list(store.eval_results(o.run.run_id))) for v, o in outcomes.items()}
        verdicts = decide_segments(runs, gate)
        changes = (
            apply(store, prompt, verdicts, segments=tuple(manifest.segments), author=author, dry_run=dry_run)
            if apply_changes
            else []
        )
    return {"prompt": prompt, "suite": chosen, "segments": [v.as_dict() for v in verdicts],
            "applied": [c.as_dict() for c in changes], "dry_run": dry_run}  # fmt: skip


def portfolio_text(report: dict[str, Any], *, dry_run: bool) -> str:
    lines = []
    for verdict in report["segments"]:
        lines.append(f"{verdict['segment']} ({verdict['n']} cases): winner {verdict['winner']}")
        for v in verdict["variants"]:
            low, high = v["ci"]
            delta = v["delta_vs_best"]
            versus = "" if delta is None else f"  vs best {delta[0]:+.3f} [{delta[1]:+.3f}, {delta[2]:+.3f}]"
            flag = "  dominated" if v["dominated"] else ""
            lines.append(f"  {v['variant']:<12} {v['mean']:.3f} [{low:.3f}, {high:.3f}]{versus}{flag}")
        shares = ", ".join(f"{k}={p:g}%" for k, p in verdict["allocation"].items()) or "all control"
        lines.append(f"  suggested: {shares} (control: the rest)")
    for change in report["applied"]:
        lines.append(f"{'would allocate' if dry_run else 'allocated'} {change['segment']}: {change['after']}")
    return "\n".join(lines)
