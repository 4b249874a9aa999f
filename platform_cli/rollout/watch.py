"""One decision per active rollout: roll back on a breach, advance when every guard holds and the step has
soaked, otherwise hold (soaking), wait (evidence short) or ask for a person (stalled, drift, blocked).

Order of the checks, each on the current step's window [step start, now):
1. a guard breached in any segment -> the rollback primitive (`rollback_prompt`, bad = the canary's
   version): labels, allocation, cache, histories, baselines, with the metric, segment, numbers and test in
   the audit log's reason -> `rolled_back`;
2. the step's hold not over -> `held`;
3. a required guard without enough evidence -> `waiting`, or `stalled` once a second hold has passed;
4. a guard whose canary trend drifts -> `drift` (a person decides: advance or abort);
5. otherwise the next step -> `advanced`, or into completion -> `completed` once production serves it
   (`blocked` when the eval gate refuses production).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from platform_cli import clock
from platform_cli.errors import CheckFailed, PlatformError, Refused
from platform_cli.manifest import Manifest
from platform_cli.rollout import drift, evidence, guards
from platform_cli.rollout.settings import RolloutSettings
from platform_cli.rollout.walk import (
    COMPLETING,
    advance,
    hold_of,
    log_event,
    moment,
    percent_of,
    phase_of,
    record_dict,
)
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollout import RolloutRecord

# Exit codes: the default keeps the project's table (0 progress, 1 a person must act); with
# --detailed-exitcode each outcome has its own code, for schedules that branch on what happened.
OUTCOMES: dict[str, tuple[int, int, str]] = {
    # outcome: (exit code, detailed exit code, meaning)
    "held": (0, 0, "soaking: the step's hold is not over (guards checked, none breached)"),
    "completing": (0, 0, "production serves the version; the allocation is removed once caches settle"),
    "waiting": (0, 12, "the hold is over but a required guard has too little evidence: wait for traffic"),
    "advanced": (0, 10, "every guard holds with enough evidence and the hold is over: next step"),
    "completed": (0, 11, "the rollout finished: production serves the version, the allocation is gone"),
    "rolled_back": (1, 1, "a guard breached: rolled back through the rollback primitive"),
    "stalled": (1, 13, "evidence still short a full hold after the step's hold ended: a person decides"),
    "drift": (1, 14, "a guard's canary trend drifts the worse way: a person decides (advance or abort)"),
    "blocked": (1, 15, "the eval gate refuses production for this version: run the suite or override"),
}
SEVERITY = [
    "held",
    "completing",
    "waiting",
    "advanced",
    "completed",
    "drift",
    "stalled",
    "blocked",
    "rolled_back",
]


@dataclass
class Decision:
    rollout: RolloutRecord
    outcome: str
    summary: str
    now: str
    results: list[guards.GuardResult] = field(default_factory=list)
    trends: list[drift.GuardTrend] = field(default_factory=list)
    breaches: list[guards.GuardResult] = field(default_factory=list)
    rollback: dict[str, Any] | None = None
    elapsed_days: float = 0.0
    hold_days: float = 0.0
    clock_injected: str | None = None
    after: RolloutRecord | None = None

    def exit_code(self, detailed: bool = False) -> int:
        plain, rich, _ = OUTCOMES[self.outcome]
        return rich if detailed else plain

    def as_dict(self) -> dict[str, Any]:
        return {
            "rollout": record_dict(self.after or self.rollout),
            "outcome": self.outcome,
            "meaning": OUTCOMES[self.outcome][2],
            "summary": self.summary,
            "now": self.now,
            "clock_injected": self.clock_injected,
            "elapsed_days": round(self.elapsed_days, 4),
            "hold_days": round(self.hold_days, 4),
            "breaches": [guards.describe(b) for b in self.breaches],
            "guards": [r.as_dict() for r in self.results],
            "trends": [t.as_dict() for t in self.trends],
            "rollback": self.rollback,
        }


def worst(decisions: list[Decision]) -> str | None:
    """The outcome that decides a watch's exit code when it judged several rollouts."""
    return max((d.outcome for d in decisions), key=SEVERITY.index, default=None)


def decision_time() -> dt.datetime:
    """Now, from the one clock; an injected moment ahead of the real clock is refused (a soak cannot be
    skipped by setting a clock forward)."""
    now = clock.now()
    if clock.injected() and now > clock.real_now() + dt.timedelta(minutes=5):
        raise Refused(
            f"{clock.ENV}={clock.injected()} is ahead of the real clock: a rollout's soak time cannot be "
            "skipped; inject past moments only (tests and simulations replay history)"
        )
    return now


def assess(
    store: Store, record: RolloutRecord, settings: RolloutSettings, now: dt.datetime
) -> tuple[list[guards.GuardResult], list[drift.GuardTrend]]:
    """The guards on the current step's window and the trends since the rollout started."""
    until = utc_timestamp(now)
    found = evidence.gather(
        store, record.feature, record.prompt, record.variant, record.step_started_at, until
    )
    results = guards.judge(settings, found, seed_key=f"{record.rollout_id}:{record.step}")
    by_day = evidence.daily(store, record.feature, record.prompt, record.variant, record.started_at, until)
    trends = drift.trends(settings.guards, by_day, moment(record.started_at).date())
    return results, trends


def decide(
    store: Store,
    manifest: Manifest,
    settings: RolloutSettings,
    record: RolloutRecord,
    *,
    actor: str,
    history_policy: str | None,
    dry_run: bool = False,
) -> Decision:
    """Judge `record` now and act on it (unless `dry_run`); the decision is logged with its numbers."""
    now = decision_time()
    stamp = utc_timestamp(now)
    elapsed = now - moment(record.step_started_at)
    hold = hold_of(record)
    decision = Decision(
        record, "held", "", stamp, elapsed_days=elapsed.total_seconds() / 86400,
        hold_days=hold.total_seconds() / 86400, clock_injected=clock.injected(),
    )  # fmt: skip
    if phase_of(record) == COMPLETING:
        return _completing(store, manifest, record, decision, elapsed >= hold, actor=actor, dry_run=dry_run)
    decision.results, decision.trends = assess(store, record, settings, now)
    decision.breaches = [r for r in decision.results if r.state == "breach"]
    short = [r for r in decision.results if r.required and r.state in ("short", "no-data")]
    drifting = [t for t in decision.trends if t.drifting]
    at = f"{percent_of(record)}% for {decision.elapsed_days:.1f} of {decision.hold_days:g} days"
    if decision.breaches:
        decision.outcome = "rolled_back"
        decision.summary = f"guard breached at {at}: " + "; ".join(
            guards.breach_text(breach, decision.results) for breach in decision.breaches
        )
        if not dry_run:
            _roll_back(store, record, decision, actor=actor, history_policy=history_policy)
        return decision
    if elapsed < hold:
        decision.summary = f"soaking at {at}; " + _guards_line(decision.results)
        if drifting:  # flagged now; it holds the walk once the step's hold is over
            decision.summary += "; canary drifts on " + _drift_line(drifting)
    elif short:
        decision.outcome = "stalled" if elapsed >= 2 * hold and hold > dt.timedelta(0) else "waiting"
        names = sorted({f"{r.metric}@{r.segment}" for r in short})
        decision.summary = f"evidence short at {at}: {', '.join(names[:8])}" + (
            " ..." if len(names) > 8 else ""
        )
    elif drifting:
        decision.outcome = "drift"
        decision.summary = f"holding at {at}: canary drifts on " + _drift_line(drifting)
    else:
        return _advance(store, manifest, record, decision, at, actor=actor, dry_run=dry_run)
    if not dry_run:
        _log(store, record, decision, actor)
    return decision


def _drift_line(drifting: list[drift.GuardTrend]) -> str:
    return ", ".join(f"{t.metric} ({(t.weekly_change or 0) * 100:+.1f}%/week)" for t in drifting)


def _guards_line(results: list[guards.GuardResult]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.state] = counts.get(result.state, 0) + 1
    return (
        "guards: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        if counts
        else "no guards"
    )


def _log(store: Store, record: RolloutRecord, decision: Decision, actor: str) -> None:
    log_event(
        store, record, decision.outcome, decision.summary, actor=actor, at=decision.now,
        guards=[r.as_dict() for r in decision.results], trends=[t.as_dict() for t in decision.trends],
        clock_injected=decision.clock_injected,
    )  # fmt: skip


def _advance(
    store: Store, manifest: Manifest, record: RolloutRecord, decision: Decision, at: str, *, actor: str,
    dry_run: bool,
) -> Decision:  # fmt: skip
    decision.outcome = "advanced"
    decision.summary = f"every guard holds at {at}: next step"
    if dry_run:
        return decision
    try:
        decision.after = advance(
            store, manifest, record, actor=actor, summary=decision.summary,
            guards=[r.as_dict() for r in decision.results], trends=[t.as_dict() for t in decision.trends],
            clock_injected=decision.clock_injected,
        )  # fmt: skip
    except CheckFailed as error:
        decision.outcome, decision.summary = "blocked", str(error)
        _log(store, record, decision, actor)
    return decision


def _completing(
    store: Store, manifest: Manifest, record: RolloutRecord, decision: Decision, settled: bool, *, actor: str,
    dry_run: bool,
) -> Decision:  # fmt: skip
    if not settled:
        decision.outcome = "completing"
        decision.summary = f"production serves v{record.version}; the allocation goes once caches settle"
        return decision
    decision.outcome = "completed"
    decision.summary = f"completed: production serves v{record.version} to every user"
    if not dry_run:
        decision.after = advance(store, manifest, record, actor=actor, summary=decision.summary)
    return decision


def _roll_back(
    store: Store, record: RolloutRecord, decision: Decision, *, actor: str, history_policy: str | None
) -> None:
    from platform_cli.rollback import rollback_prompt

    reason = f"rollout {record.rollout_id}: {decision.summary}"
    _log(store, record, decision, actor)
    outcome = rollback_prompt(
        store, feature=record.feature, prompt=record.prompt, history_policy=history_policy, reason=reason,
        actor=actor, bad=record.version,
    )  # fmt: skip
    decision.rollback = outcome.as_dict()
    rollback_id = outcome.rollback_id
    if not store.finish_rollout(
        record.rollout_id, status="rolled_back", at=decision.now, outcome=decision.summary,
        rollback_id=rollback_id,
    ):  # fmt: skip
        raise PlatformError(f"rollout {record.rollout_id} finished while it was being rolled back")
    log_event(
        store, record, "rollback", f"rolled back v{record.version} ({rollback_id}): {decision.summary}",
        actor=actor, at=decision.now, rollback_id=rollback_id,
        breaches=[b.as_dict() for b in decision.breaches],
    )  # fmt: skip
    decision.after = store.rollout(record.rollout_id)
