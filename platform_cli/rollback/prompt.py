"""`rollback prompt` as one call: resume an unfinished twin, see a repeat (a no-op), or plan and execute."""

from __future__ import annotations

from platform_cli.errors import Refused, UserError
from platform_cli.rollback.execute import OnStep, Outcome, execute
from platform_cli.rollback.plan import RollbackPlan, make_plan, repeated
from platform_cli.rollback.schema import has_rollback_schema
from platform_cli.store import Store
from platform_cli.store.rollback import RollbackRecord


def _matches(running: RollbackRecord, bad: int | None, target: int | None) -> bool:
    return bad in (None, running.from_version) and target in (None, running.to_version)


def rollback_prompt(
    store: Store,
    *,
    feature: str,
    prompt: str,
    history_policy: str | None,
    reason: str,
    actor: str,
    bad: int | None = None,
    target: int | None = None,
    dry_run: bool = False,
    on_step: OnStep | None = None,
) -> Outcome:
    """Roll `prompt` back; running it again is a no-op, and an unfinished one of the same versions resumes."""
    if not has_rollback_schema(store):
        raise UserError(
            f"the state store {store.url} predates rollbacks (schema version {store.schema_version()}); run "
            "the command without --dry-run once (it upgrades the schema), or use the platform-cli version "
            "that wrote it"
        )
    running = store.running_rollback(prompt)
    if running is not None and not _matches(running, bad, target):
        raise Refused(
            f"rollback {running.rollback_id} of prompt '{prompt}' (v{running.from_version} -> "
            f"v{running.to_version}) is unfinished; finish it first: platform rollback resume "
            f"{running.rollback_id}"
        )
    if running is not None:
        plan = RollbackPlan.from_json(running.plan)
        if dry_run:
            steps = tuple(store.rollback_steps(running.rollback_id))
            return Outcome(running.rollback_id, plan, "dry-run", steps, resumed=True)
        return execute(store, plan, reason=running.reason, actor=actor, on_step=on_step)
    noop = repeated(store, prompt, bad=bad)
    if noop is not None:
        plan = RollbackPlan.from_json(noop.record.plan)
        rollback_id = noop.record.rollback_id
        steps = tuple(store.rollback_steps(rollback_id))
        return Outcome(
            rollback_id, plan, "noop", steps, audit=store.rollback_audit_of(rollback_id), noop=noop
        )
    plan = make_plan(
        store, feature=feature, prompt=prompt, history_policy=history_policy, bad=bad, target=target
    )
    if dry_run:
        return Outcome(None, plan, "dry-run")
    return execute(store, plan, reason=reason, actor=actor, on_step=on_step)
