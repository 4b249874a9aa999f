"""Run a rollback as a journal in the store: begin it, run its pending steps, resume it from any process.

    plan = make_plan(store, feature=..., prompt="summarize", history_policy="quarantine")
    outcome = execute(store, plan, reason="refusals doubled", actor="oncall@example.com")

Each step commits in the same transaction as its journal row (see steps.py), so a process killed at any
point leaves every step either fully applied and marked done, or not applied at all; `resume()` runs
what is left, from this or any other process sharing the store. Two processes resuming at once serialize
on the journal row, and the second finds the step done. At most one rollback per prompt is unfinished.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from platform_cli.errors import Refused, UserError
from platform_cli.rollback.plan import NoOp, RollbackPlan
from platform_cli.rollback.steps import RUNNERS, STEPS, StepContext
from platform_cli.store import Store, StoreConflict
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollback import AuditEntry, RollbackRecord, StepRecord

OnStep = Callable[[StepRecord], None]


@dataclass(frozen=True)
class Outcome:
    """What a rollback did. `status`: done | noop | dry-run (steps are then the ones that would run)."""

    rollback_id: str | None
    plan: RollbackPlan
    status: str
    steps: tuple[StepRecord, ...] = ()
    resumed: bool = False
    audit: AuditEntry | None = None
    noop: NoOp | None = None

    def as_dict(self) -> dict[str, Any]:
        from platform_cli.rollback.audit import audit_dict, step_dict

        return {
            "rollback_id": self.rollback_id,
            "status": self.status,
            "resumed": self.resumed,
            "noop": self.noop.why if self.noop else None,
            "plan": self.plan.as_dict(),
            "steps": [step_dict(step) for step in self.steps],
            "would_run": list(STEPS) if self.status == "dry-run" and not self.steps else [],
            "audit": audit_dict(self.audit) if self.audit else None,
        }


def new_rollback_id() -> str:
    stamp = utc_timestamp()[:19].replace("-", "").replace(":", "")
    return f"rb-{stamp}-{secrets.token_hex(3)}"


def begin(store: Store, plan: RollbackPlan, *, reason: str, actor: str) -> tuple[RollbackRecord, bool]:
    """Journal a new rollback (all steps pending), or return the unfinished one of the same versions.

    Returns (record, resumed). Refused (exit 4) when another, different rollback of the prompt is unfinished.
    """
    if not reason.strip():
        raise UserError('say why with --reason "..." (it is recorded in the audit log and label history)')
    with store.transaction():
        store.lock_prompt(plan.prompt)
        running = store.running_rollback(plan.prompt)
        if running is not None:
            if (running.from_version, running.to_version) == (plan.bad_version, plan.target_version):
                return running, True
            raise Refused(
                f"rollback {running.rollback_id} of prompt '{plan.prompt}' (v{running.from_version} -> "
                f"v{running.to_version}) is unfinished; finish it first: platform rollback resume "
                f"{running.rollback_id}"
            )
        record = RollbackRecord(
            new_rollback_id(), plan.feature, plan.prompt, plan.bad_version, plan.target_version, plan.role,
            plan.history_policy, reason.strip(), actor, plan.to_json(),
            json.dumps(plan.blast_radius, separators=(",", ":"), sort_keys=True), "running", utc_timestamp(),
        )  # fmt: skip
        try:
            store.insert_rollback(record, STEPS)
        except StoreConflict:  # another process began one between our read and insert (SQLite only)
            raise Refused(
                f"another rollback of prompt '{plan.prompt}' began just now; see `platform rollback history`"
            ) from None
    return record, False


def run(store: Store, rollback_id: str, *, on_step: OnStep | None = None) -> tuple[StepRecord, ...]:
    """Run every pending step of a journaled rollback in order; return the journal's steps at the end."""
    record = store.rollback_record(rollback_id)
    if record is None:
        raise UserError(f"no rollback {rollback_id!r} in the state store (see `platform rollback history`)")
    ctx = StepContext(store, record, RollbackPlan.from_json(record.plan))
    for step in store.rollback_steps(rollback_id):
        if step.status == "done":
            continue
        with store.transaction():
            store.start_rollback_step(rollback_id, step.position, utc_timestamp())
        with store.transaction():
            store.lock_prompt(record.prompt)
            store.lock_rollback(rollback_id)
            current = next(s for s in store.rollback_steps(rollback_id) if s.position == step.position)
            if current.status == "done":  # another process resuming the same rollback got here first
                continue
            result = RUNNERS[step.step](ctx)
            store.finish_rollback_step(
                rollback_id, step.position, utc_timestamp(), json.dumps(result, separators=(",", ":"))
            )
        if on_step is not None:
            on_step(next(s for s in store.rollback_steps(rollback_id) if s.position == step.position))
    return tuple(store.rollback_steps(rollback_id))


def execute(
    store: Store, plan: RollbackPlan, *, reason: str, actor: str, on_step: OnStep | None = None
) -> Outcome:
    """The rollback primitive: journal `plan` (or pick up its unfinished twin) and run it to the end."""
    record, resumed = begin(store, plan, reason=reason, actor=actor)
    if resumed:
        plan = RollbackPlan.from_json(record.plan)
    steps = run(store, record.rollback_id, on_step=on_step)
    return Outcome(
        record.rollback_id, plan, "done", steps, resumed, store.rollback_audit_of(record.rollback_id)
    )


def resume(store: Store, rollback_id: str | None = None, *, on_step: OnStep | None = None) -> list[Outcome]:
    """Finish `rollback_id`, or every unfinished rollback when None ([] when there is none).

    A finished rollback resumes as a no-op (its outcome is reported again).
    """
    if rollback_id is None:
        records = store.running_rollbacks()
    else:
        found = store.rollback_record(rollback_id)
        if found is None:
            raise UserError(
                f"no rollback {rollback_id!r} in the state store (see `platform rollback history`)"
            )
        records = [found]
    outcomes = []
    for record in records:
        steps = run(store, record.rollback_id, on_step=on_step)
        outcomes.append(
            Outcome(record.rollback_id, RollbackPlan.from_json(record.plan), "done", steps,
                    record.status == "running", store.rollback_audit_of(record.rollback_id))
        )  # fmt: skip
    return outcomes
