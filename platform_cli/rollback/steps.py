"""The steps of a prompt rollback, in order. Each runs inside the transaction that marks it done in the
journal, and each is idempotent on its own: it reads the state first and changes only what still needs it.

    revoke            the bad version is withdrawn: every runtime process stops serving (and writing) its
                      cached answers at once and applies the history policy to its turns, including turns
                      written later by processes still resolving the old label within their TTL
    move_labels       every label on the bad version moves to the target (a label moved by someone else
                      since the plan is left where they put it, and reported)
    end_allocation    every variant serving the bad version is set to 0% (its buckets return to control)
    purge_cache       the bad version's cached answers are deleted
    history           the manifest's policy is applied to its turns (quarantine | flag | summarize)
    restore_baseline  each eval suite whose baseline is a run of the bad version goes back to the target's
    audit             the audit record: who, when, why, blast radius, each step's time and result
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from platform_cli.evals.baselines import restore_baseline
from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import allocate, allocation_of
from platform_cli.rollback.plan import RollbackPlan
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollback import AuditEntry, RollbackRecord

STEPS = (
    "revoke",
    "move_labels",
    "end_allocation",
    "purge_cache",
    "history",
    "restore_baseline",
    "audit",
)


@dataclass(frozen=True)
class StepContext:
    store: Store
    record: RollbackRecord
    plan: RollbackPlan

    @property
    def why(self) -> str:
        return f"rollback {self.record.rollback_id}: {self.record.reason}"


def revoke(ctx: StepContext) -> dict[str, Any]:
    plan = ctx.plan
    ctx.store.revoke_prompt_version(
        plan.prompt, plan.bad_version, history=plan.history_policy, rollback_id=ctx.record.rollback_id,
        at=utc_timestamp(),
    )  # fmt: skip
    return {"version": plan.bad_version, "history": plan.history_policy}


def move_labels(ctx: StepContext) -> dict[str, Any]:
    moved, already, left = [], [], []
    for change in ctx.plan.labels:
        current = ctx.store.prompt_label(ctx.plan.prompt, change.label)
        if current == change.to_version:
            already.append(change.label)
        elif current != change.from_version:
            left.append({"label": change.label, "now": current})
        else:
            promote(
                ctx.store, ctx.plan.prompt, change.to_version, change.label, author=ctx.record.actor,
                reason=ctx.why, protected=(),
            )  # fmt: skip
            moved.append({"label": change.label, "from": change.from_version, "to": change.to_version})
    return {"moved": moved, "already": already, "left_alone": left}


def end_allocation(ctx: StepContext) -> dict[str, Any]:
    ended, already = [], []
    for end in ctx.plan.allocations:
        current = allocation_of(ctx.store.prompt_allocation(ctx.plan.prompt, end.segment))
        held = {v.name for v in current.variants} if current else set()
        present = [name for name in end.variants if name in held]
        if not present:
            already.append(end.segment)
            continue
        change = allocate(
            ctx.store, ctx.plan.prompt, dict.fromkeys(present, 0),
            segment=None if end.segment == "*" else end.segment, author=ctx.record.actor, reason=ctx.why,
        )  # fmt: skip
        ended.append({"segment": end.segment, "variants": present, "after": change.after.shares()})
    return {"ended": ended, "already": already}


def purge_cache(ctx: StepContext) -> dict[str, Any]:
    return {"deleted": ctx.store.purge_cached_responses(ctx.plan.prompt, ctx.plan.bad_version)}


def history(ctx: StepContext) -> dict[str, Any]:
    plan = ctx.plan
    count = ctx.store.mark_turns(
        plan.prompt, plan.bad_version, action=plan.history_policy, rollback_id=ctx.record.rollback_id,
        reason=ctx.why, at=utc_timestamp(),
    )  # fmt: skip
    return {"policy": plan.history_policy, "turns": count}


def restore_baselines(ctx: StepContext) -> dict[str, Any]:
    plan, store = ctx.plan, ctx.store
    restored, missing = [], []
    for suite in store.baseline_suites(plan.prompt):
        current = store.eval_baseline(plan.prompt, suite)
        if current is None or current.prompt_version != plan.bad_version:
            continue
        change = restore_baseline(
            store, plan.prompt, suite, plan.target_version, author=ctx.record.actor, reason=ctx.why
        )
        if change is None:
            missing.append(
                {"suite": suite, "run": current.run_id,
                 "hint": f"no baseline was ever set from a run of v{plan.target_version}: run the suite on "
                         f"v{plan.target_version} and `platform eval baseline set RUN_ID`"}
            )  # fmt: skip
        else:
            restored.append({"suite": suite, "from_run": current.run_id, "to_run": change.record.run_id})
    return {"restored": restored, "not_restored": missing}


def audit(ctx: StepContext) -> dict[str, Any]:
    """The audit record, from the journal as it stands inside this (the last) step's transaction."""
    record, plan, now = ctx.record, ctx.plan, utc_timestamp()
    steps = []
    for step in ctx.store.rollback_steps(record.rollback_id):
        this = step.step == "audit"
        steps.append(
            {"step": step.step, "started_at": step.started_at, "attempts": step.attempts,
             "finished_at": now if this else step.finished_at,
             "result": None if this else json.loads(step.result or "null")}
        )  # fmt: skip
    full = {
        "rollback_id": record.rollback_id, "prompt": plan.prompt, "from_version": plan.bad_version,
        "to_version": plan.target_version, "role": plan.role, "served_by": list(plan.served_by),
        "history_policy": plan.history_policy, "actor": record.actor, "reason": record.reason,
        "started_at": record.started_at, "finished_at": now, "blast_radius": plan.blast_radius,
        "steps": steps, "notes": list(plan.notes),
    }  # fmt: skip
    summary = (
        f"prompt {plan.prompt}: v{plan.bad_version} ({plan.role}) rolled back to v{plan.target_version}, "
        f"history {plan.history_policy}"
    )
    ctx.store.add_rollback_audit(
        AuditEntry(0, "prompt", record.feature, plan.prompt, record.rollback_id, record.actor, now,
                   record.reason, summary, json.dumps(full, separators=(",", ":"), sort_keys=True))
    )  # fmt: skip
    ctx.store.finish_rollback(record.rollback_id, now)
    return {"summary": summary}


RUNNERS: dict[str, Callable[[StepContext], dict[str, Any]]] = {
    "revoke": revoke,
    "move_labels": move_labels,
    "end_allocation": end_allocation,
    "purge_cache": purge_cache,
    "history": history,
    "restore_baseline": restore_baselines,
    "audit": audit,
}
