"""The walk: start a rollout, move it a step, finish it (complete, abort), always through the registry.

Traffic moves only through the prompt registry's allocation: the candidate is the variant `v<N>` (pinned to
version N) of the prompt's all-segments allocation, widened step by step. The registry's bucketing keeps
every bucket a variant holds when it grows, so widening only adds users to the canary, and a user never
goes back to control while the rollout goes on.

Completion is two moves, so no serving process ever sends a canary user back: reaching 100% sets the
variant to 100% and points `production` at the version in one transaction ("completing"); once every
process has re-read the registry (SETTLE, longer than any registry cache), the allocation is removed and
production alone serves the version.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from platform_cli.errors import CheckFailed, Refused, UserError
from platform_cli.manifest import Manifest
from platform_cli.prompts.cohorts import BUCKETS
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import allocate, current_allocations
from platform_cli.rollout.settings import RolloutSettings
from platform_cli.store import Store, StoreConflict
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollout import RolloutEvent, RolloutRecord

SETTLE = dt.timedelta(hours=1)
COMPLETING = "completing"


def steps_of(record: RolloutRecord) -> list[int]:
    return [int(s) for s in json.loads(record.steps)]


def holds_of(record: RolloutRecord) -> list[float]:
    return [float(d) for d in json.loads(record.holds)]


def percent_of(record: RolloutRecord) -> int:
    return steps_of(record)[record.step]


def phase_of(record: RolloutRecord) -> str:
    """soaking (a step below 100%), completing (100%, production moved), or the finished status."""
    if record.status != "active":
        return record.status
    return COMPLETING if percent_of(record) >= 100 else "soaking"


def hold_of(record: RolloutRecord) -> dt.timedelta:
    """How long the current step is held before the next one."""
    if phase_of(record) == COMPLETING:
        return SETTLE
    return dt.timedelta(days=holds_of(record)[record.step])


def moment(timestamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def log_event(
    store: Store, record: RolloutRecord, kind: str, summary: str, *, actor: str, at: str, **detail: Any
) -> int:
    return store.add_rollout_event(
        RolloutEvent(record.rollout_id, at, kind, record.step, actor, summary,
                     json.dumps(detail, separators=(",", ":"), sort_keys=True, default=str))
    )  # fmt: skip


def _allocate(store: Store, record: RolloutRecord, percent: int, *, actor: str, reason: str) -> None:
    allocate(
        store, record.prompt, {record.variant: percent * BUCKETS // 100}, author=actor,
        reason=f"rollout {record.rollout_id}: {reason}",
    )  # fmt: skip


@dataclass(frozen=True)
class Started:
    record: RolloutRecord
    dry_run: bool
    gate: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {"rollout": record_dict(self.record), "dry_run": self.dry_run, "eval_gate": self.gate}


def record_dict(record: RolloutRecord) -> dict[str, Any]:
    return {
        "rollout_id": record.rollout_id,
        "feature": record.feature,
        "prompt": record.prompt,
        "version": record.version,
        "variant": record.variant,
        "control_version": record.control_version,
        "steps": steps_of(record),
        "holds_days": holds_of(record),
        "step": record.step,
        "percent": percent_of(record),
        "phase": phase_of(record),
        "step_started_at": record.step_started_at,
        "status": record.status,
        "started_at": record.started_at,
        "started_by": record.started_by,
        "reason": record.reason,
        "finished_at": record.finished_at,
        "outcome": record.outcome,
        "rollback_id": record.rollback_id,
    }


def eval_gate(manifest: Manifest, store: Store, prompt: str, version: int) -> Any:
    """The eval gate's verdict on `version` (the one `prompts promote --label production` applies), or
    None when production is not a gated label (spec.evals.gated_labels)."""
    from platform_cli.evals.promotion import check_version, gated_labels

    if DEFAULT_LABEL not in gated_labels(manifest):
        return None
    return check_version(manifest, store, prompt, version)


def _gate_dict(gate: Any) -> dict[str, Any] | None:
    return None if gate is None else dict(gate.as_dict())


def start(
    store: Store,
    manifest: Manifest,
    settings: RolloutSettings,
    prompt: str,
    version: int,
    *,
    actor: str,
    reason: str = "",
    override_gate: bool = False,
    dry_run: bool = False,
) -> Started:
    """Start walking `version` of `prompt` through the plan's steps (the first step's share of users)."""
    if store.prompt_version(prompt, version) is None:
        latest = store.latest_prompt_version(prompt)
        known = f"published: 1..{latest.version}" if latest else "nothing is published"
        raise UserError(f"prompt '{prompt}' has no version {version} ({known}); publish it first")
    active = store.active_rollout(prompt)
    if active is not None:
        raise UserError(
            f"prompt '{prompt}' is already rolling out v{active.version} ({active.rollout_id}, "
            f"{percent_of(active)}%); see `platform rollout status {prompt}` or stop it with "
            f'`platform rollout abort {prompt} --reason "..."`'
        )
    running = store.running_rollback(prompt)
    if running is not None:
        raise Refused(
            f"rollback {running.rollback_id} of prompt '{prompt}' is unfinished; finish it first: "
            f"platform rollback resume {running.rollback_id}"
        )
    control = store.prompt_label(prompt, DEFAULT_LABEL)
    if control == version:
        raise UserError(
            f"prompt '{prompt}' v{version} is already what {DEFAULT_LABEL} serves: nothing to roll out"
        )
    busy = {
        segment: allocation.shares()
        for segment, allocation in current_allocations(store, prompt).items()
        if allocation.variants
    }
    if busy:
        raise UserError(
            f"prompt '{prompt}' already splits its traffic ({json.dumps(busy, sort_keys=True)}); a rollout "
            "owns the prompt's allocation: end the split first (`platform prompts allocate "
            f"{prompt} --variant NAME=0`)"
        )
    gate = eval_gate(manifest, store, prompt, version)
    failed = gate is not None and not gate.passed
    if failed and not override_gate:
        raise CheckFailed(
            f"prompt '{prompt}' v{version}: refused by the eval gate ({'; '.join(gate.problems)}); a version "
            "that could not become production does not get users. Run the suite on it, or pass "
            '--override-gate --reason "..." (recorded)'
        )
    if failed and not reason.strip():
        raise UserError('--override-gate needs --reason "...": the override is recorded with the rollout')
    now = utc_timestamp()
    record = RolloutRecord(
        rollout_id=f"ro-{now[:10].replace('-', '')}-{secrets.token_hex(4)}", feature=manifest.name,
        prompt=prompt, version=version, variant=f"v{version}", control_version=control,
        steps=json.dumps(list(settings.steps)), holds=json.dumps(list(settings.holds)), step=0,
        step_started_at=now, status="active", started_at=now, started_by=actor, reason=reason.strip(),
    )  # fmt: skip
    if dry_run:
        return Started(record, True, _gate_dict(gate))
    with store.transaction():
        try:
            store.add_rollout(record)
        except StoreConflict:
            raise UserError(f"prompt '{prompt}' already has an active rollout (started meanwhile)") from None
        log_event(
            store, record, "start", f"started v{version} at {settings.steps[0]}% (control v{control})",
            actor=actor, at=now, eval_gate=_gate_dict(gate), gate_overridden=failed,
            settings=settings.as_dict(),
        )  # fmt: skip
        if settings.steps[0] >= 100:
            _complete_phase(store, record, actor=actor, at=now, gate=gate, why="the first step is 100%")
        else:
            _allocate(store, record, settings.steps[0], actor=actor, reason="start")
    return Started(store.rollout(record.rollout_id) or record, False, _gate_dict(gate))


def advance(
    store: Store,
    manifest: Manifest,
    record: RolloutRecord,
    *,
    actor: str,
    summary: str,
    override_gate: bool = False,
    reason: str = "",
    behaviour_note: str = "",
    **detail: Any,
) -> RolloutRecord:
    """Move to the next step (or into completion at 100%). UserError if another decision moved it first.

    Into completion, the eval gate on production applies as `prompts promote` applies it (CheckFailed when
    it refuses; `override_gate` with a reason, `behaviour_note` when the gated run asks for one).
    """
    steps = steps_of(record)
    now = utc_timestamp()
    with store.transaction():
        if phase_of(record) == COMPLETING:
            _finish_completion(store, record, actor=actor, at=now, summary=summary, **detail)
        else:
            target = record.step + 1
            if not store.advance_rollout(record.rollout_id, from_step=record.step, to_step=target, at=now):
                raise UserError(f"rollout {record.rollout_id} moved meanwhile; run the command again")
            moved = store.rollout(record.rollout_id) or record
            log_event(store, record, "advance", summary, actor=actor, at=now, to_step=target,
                      to_percent=steps[target] if target < len(steps) else 100, **detail)  # fmt: skip
            if target < len(steps) and steps[target] < 100:
                _allocate(
                    store, moved, steps[target], actor=actor, reason=f"step {target + 1} ({steps[target]}%)"
                )
            else:
                gate = eval_gate(manifest, store, record.prompt, record.version)
                if gate is not None and not gate.passed and not override_gate:
                    raise CheckFailed(
                        f"prompt '{record.prompt}' v{record.version} cannot become production: refused by "
                        f"the eval gate ({'; '.join(gate.problems)}); run the suite on it, or advance with "
                        '--override-gate --reason "..."'
                    )
                _complete_phase(
                    store, moved, actor=actor, at=now, gate=gate, why=reason or summary, note=behaviour_note
                )
    return store.rollout(record.rollout_id) or record


def _complete_phase(
    store: Store, record: RolloutRecord, *, actor: str, at: str, gate: Any, why: str, note: str = ""
) -> None:
    """100%: the variant takes every bucket and production points at the version, in one transaction."""
    from platform_cli.evals.promotion import decide

    _allocate(store, record, 100, actor=actor, reason="100%: completing")
    if gate is not None:  # recorded next to the label move, as `prompts promote` records it
        decide(
            store, gate, kind="promotion", label=DEFAULT_LABEL, model=None, author=actor,
            override=not gate.passed, reason=why if not gate.passed else "", behaviour_note=note,
            dry_run=False,
        )  # fmt: skip
    promote(
        store, record.prompt, record.version, DEFAULT_LABEL, author=actor,
        reason=f"rollout {record.rollout_id} reached 100%: {why}",
    )  # fmt: skip
    summary = f"production -> v{record.version}; the allocation goes after {SETTLE} (caches settle)"
    log_event(store, record, "production", summary, actor=actor, at=at, eval_gate=_gate_dict(gate))


def _finish_completion(
    store: Store, record: RolloutRecord, *, actor: str, at: str, summary: str, **detail: Any
) -> None:
    _allocate(store, record, 0, actor=actor, reason="completed: production serves the version")
    if not store.finish_rollout(record.rollout_id, status="completed", at=at, outcome=summary):
        raise UserError(f"rollout {record.rollout_id} finished meanwhile")
    log_event(store, record, "complete", summary, actor=actor, at=at, **detail)


def abort(
    store: Store, record: RolloutRecord, *, actor: str, reason: str, dry_run: bool = False
) -> RolloutRecord:
    """Stop the rollout: every user back on control. The version is not revoked (that is a rollback)."""
    if not reason.strip():
        raise UserError('say why with --reason "..." (it is recorded in the rollout log)')
    if phase_of(record) == COMPLETING:
        raise Refused(
            f"rollout {record.rollout_id} already moved production to v{record.version}; to go back, roll it "
            f'back: platform rollback prompt {record.prompt} --reason "..."'
        )
    if dry_run:
        return record
    now = utc_timestamp()
    with store.transaction():
        _allocate(store, record, 0, actor=actor, reason=f"aborted: {reason.strip()}")
        if not store.finish_rollout(record.rollout_id, status="aborted", at=now, outcome=reason.strip()):
            raise UserError(f"rollout {record.rollout_id} finished meanwhile")
        log_event(
            store, record, "abort", f"aborted at {percent_of(record)}%: {reason.strip()}", actor=actor, at=now
        )
    return store.rollout(record.rollout_id) or record


def find_active(store: Store, feature: str, prompt: str) -> RolloutRecord:
    record = store.active_rollout(prompt)
    if record is None:
        last = store.rollouts(feature, prompt, limit=1)
        hint = f" (last: {last[0].rollout_id}, {last[0].status})" if last else ""
        raise UserError(
            f"prompt '{prompt}' has no active rollout{hint}; start one with `platform rollout start {prompt} "
            "VERSION`"
        )
    return record
