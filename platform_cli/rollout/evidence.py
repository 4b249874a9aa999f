"""The evidence a guard reads: the canary cohort and control over one window, per segment and pooled.

Everything comes from the store in a few grouped scans: usage roll-ups (the cost ledger's `usage_rollup`
and `Figures`: rates and latency buckets), a cost histogram of priced answers, and online eval scores.
Eval traffic never counts (it is not what users got); calls that named no user fall in no cohort.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from platform_cli.cost.figures import Figures, group_rows
from platform_cli.prompts.cohorts import CONTROL
from platform_cli.store import Store

CANARY = "canary"
POOLED = "*"
LIVE_TRAFFIC = ("user", "offline")  # offline: the fake provider answered (demos, simulations, tests)


@dataclass
class Cohort:
    """One cohort's evidence in one segment (or pooled) over the window."""

    figures: Figures = field(default_factory=Figures)
    cost: dict[int, list[float]] = field(default_factory=dict)  # bucket -> [requests, summed cost]
    scores: list[float] = field(default_factory=list)

    def add_cost(self, bucket: int, requests: int, cost: float) -> None:
        slot = self.cost.setdefault(bucket, [0.0, 0.0])
        slot[0] += requests
        slot[1] += cost

    def merge(self, other: Cohort) -> None:
        self.figures.merge(other.figures)
        for bucket, (requests, cost) in other.cost.items():
            self.add_cost(bucket, int(requests), cost)
        self.scores.extend(other.scores)

    @property
    def priced(self) -> int:
        return int(sum(requests for requests, _ in self.cost.values()))


@dataclass
class Evidence:
    """(segment, cohort) -> Cohort, where segment is a segment name, '(none)', or POOLED ('*')."""

    since: str
    until: str
    cohorts: dict[tuple[str, str], Cohort] = field(default_factory=dict)

    def cohort(self, segment: str, which: str) -> Cohort:
        return self.cohorts.setdefault((segment, which), Cohort())

    def segments(self) -> list[str]:
        """POOLED first, then every segment that has any evidence."""
        named = sorted({segment for segment, _ in self.cohorts if segment != POOLED})
        return [POOLED, *named]

    def requests(self, which: str) -> int:
        return self.cohort(POOLED, which).figures.requests


def cohort_of(variant: str, canary_variant: str) -> str | None:
    if variant == canary_variant:
        return CANARY
    return CONTROL if variant == CONTROL else None


def gather(store: Store, feature: str, prompt: str, variant: str, since: str, until: str) -> Evidence:
    """The canary (`variant`) and control evidence of `prompt` in [since, until)."""
    evidence = Evidence(since, until)
    parts: dict[tuple[str, str], Cohort] = defaultdict(Cohort)
    rows = store.usage_rollup(feature, ("prompt", "variant", "segment"), since, until)
    for keys, by_class in group_rows(rows, classes=LIVE_TRAFFIC).items():
        name, row_variant, segment = keys
        which = cohort_of(row_variant, variant)
        if name != prompt or which is None:
            continue
        for figures in by_class.values():
            parts[(segment, which)].figures.merge(figures)
    for bucket in store.cost_histogram(feature, prompt, since, until):
        which = cohort_of(bucket.variant, variant)
        if which is not None:
            parts[(bucket.segment, which)].add_cost(bucket.bucket, bucket.requests, bucket.cost_usd)
    for score in store.sample_scores(feature, prompt, since, until):
        which = cohort_of(score.variant, variant)
        if which is not None:
            parts[(score.segment, which)].scores.append(score.score)
    for (segment, which), cohort in parts.items():
        evidence.cohort(segment, which).merge(cohort)
        evidence.cohort(POOLED, which).merge(cohort)
    return evidence


def daily(
    store: Store, feature: str, prompt: str, variant: str, since: str, until: str
) -> dict[str, dict[str, Cohort]]:
    """cohort -> day (YYYY-MM-DD) -> pooled evidence of that day: the series trends are judged on."""
    out: dict[str, dict[str, Cohort]] = {CANARY: defaultdict(Cohort), CONTROL: defaultdict(Cohort)}
    rows = store.usage_rollup(feature, ("prompt", "variant", "day"), since, until)
    for (name, row_variant, day), by_class in group_rows(rows, classes=LIVE_TRAFFIC).items():
        which = cohort_of(row_variant, variant)
        if name == prompt and which is not None:
            for figures in by_class.values():
                out[which][day].figures.merge(figures)
    for bucket in store.cost_histogram(feature, prompt, since, until):
        which = cohort_of(bucket.variant, variant)
        if which is not None:
            out[which][bucket.day].add_cost(bucket.bucket, bucket.requests, bucket.cost_usd)
    for score in store.sample_scores(feature, prompt, since, until):
        which = cohort_of(score.variant, variant)
        if which is not None:
            out[which][score.day].scores.append(score.score)
    return {which: dict(days) for which, days in out.items()}
