"""`platform rollback drill`: rehearse the whole rollback on a scratch copy of the state, check that the
runtime behaves as propagation promises, and record the drill (and its duration) in the shared store.

1. Copy the prompt's state (registry, label history, allocations, revocations, baselines), and the other
   prompts' too, into a scratch store (scratch.py). A prompt never published is published there from its
   file, as on day 0 (replicas on a shared store serve published prompts only).
2. Publish a drill version (the production version plus a marker, so its answers differ) and put it on a
   50% canary (`--scenario canary`) or on production (`--scenario production`); give it a baseline when
   production's version has one.
3. Serve traffic through two Feature instances (two replicas) with a short registry TTL: requests that
   fill the cache, conversations that fill histories.
4. Roll the drill version back with the same journal as `platform rollback prompt`, interrupted after a
   step and resumed, as an incident would.
5. Check: no cached drill answer is served again (at once, before the TTL), every replica serves the
   target within the TTL, no drill cache row is left once the replicas' writers flushed, histories follow
   the manifest's history policy, labels and allocation moved, the baseline is back, the audit is
   complete. Then drop the scratch copy and record the drill in the shared store.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.errors import UserError
from platform_cli.prompts.files import prompt_names
from platform_cli.prompts.portfolio import current_allocations
from platform_cli.rollback.drill_stage import SCENARIOS, Stage, choose_prompt, publish_the_rest, stage
from platform_cli.rollback.drill_traffic import Check, histories, no_cached_bad_answers, serve, serves_target
from platform_cli.rollback.execute import Outcome, execute, resume
from platform_cli.rollback.plan import DEFAULT_POLICY, make_plan
from platform_cli.rollback.project import Project
from platform_cli.rollback.scratch import copy_prompt_state, scratch_store
from platform_cli.rollback.steps import STEPS
from platform_cli.runtime import Feature
from platform_cli.store import Store, open_store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollback import DrillRecord, StepRecord

INTERRUPT_AFTER = "end_allocation"
DEFAULT_TTL_S = 2.0
DEFAULT_USERS = 24


class _Interrupted(Exception):
    """Raised after INTERRUPT_AFTER: the drill's stand-in for a process that died mid-rollback."""


@dataclass(frozen=True)
class DrillResult:
    record: DrillRecord
    checks: tuple[Check, ...]
    outcome: Outcome | None
    copied: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        record = {k: v for k, v in self.record.__dict__.items() if k != "checks"}
        return {
            **record,
            "checks": [c.as_dict() for c in self.checks],
            "copied": self.copied,
            "rollback": self.outcome.as_dict() if self.outcome else None,
        }


def _replicas(project: Project, url: str, ttl_s: float, lkg_dir: Path, count: int = 2) -> list[Feature]:
    return [
        Feature.load(project.manifest, offline=True, state_url=url, registry_ttl_s=ttl_s, lkg_dir=lkg_dir)
        for _ in range(count)
    ]


def _stop_after(step: StepRecord) -> None:
    if step.step == INTERRUPT_AFTER:
        raise _Interrupted(step.step)


def _rollback(scratch: Store, project: Project, staged: Stage, actor: str, drill_id: str) -> Outcome:
    """The journaled rollback, interrupted after INTERRUPT_AFTER and resumed, as after a crash."""
    plan = make_plan(
        scratch, feature=project.feature, prompt=staged.prompt, history_policy=project.history_policy,
        bad=staged.drill,
    )  # fmt: skip
    with contextlib.suppress(_Interrupted):
        execute(scratch, plan, reason=f"rollback drill {drill_id}", actor=actor, on_step=_stop_after)
    running = scratch.running_rollback(staged.prompt)
    if running is None:
        raise UserError("the drill's rollback finished without the interruption it rehearses")
    [outcome] = resume(scratch, running.rollback_id)
    return outcome


def _state_checks(scratch: Store, stage: Stage, outcome: Outcome) -> list[Check]:
    prompt, production, drill, suite = stage.prompt, stage.production, stage.drill, stage.suite
    checks = []
    on_drill = [r.label for r in scratch.prompt_labels(prompt) if r.version == drill]
    checks.append(
        Check("labels", not on_drill, f"labels on the drill version: {', '.join(on_drill) or 'none'}")
    )
    ended = {(end.segment, name) for end in outcome.plan.allocations for name in end.variants}
    held = {
        seg: [v.name for v in a.variants if v.name == f"v{drill}" or (seg, v.name) in ended]
        for seg, a in current_allocations(scratch, prompt).items()
    }
    left = {seg: names for seg, names in held.items() if names}
    checks.append(Check("allocation_zero", not left, f"variants still holding traffic: {left or 'none'}"))
    rows = scratch.count_cached_responses(prompt, drill)
    checks.append(Check("cache_purged", rows == 0, f"{rows} cache rows of the drill version in the store"))
    if suite is not None:
        baseline = scratch.eval_baseline(prompt, suite)
        back = baseline is not None and baseline.prompt_version == production
        now = baseline.prompt_version if baseline else None
        checks.append(
            Check("baseline_restored", back, f"suite {suite} baseline on v{now} (want v{production})")
        )
    steps = outcome.steps
    resumed = [s.step for s in steps if s.attempts != 1]
    done = outcome.status == "done" and all(s.status == "done" for s in steps) and len(steps) == len(STEPS)
    how = "all steps done once" if done and not resumed else f"steps {resumed}"
    checks.append(
        Check("resumed", done and not resumed, f"interrupted after {INTERRUPT_AFTER}, resumed: {how}")
    )
    audit = outcome.audit
    record = json.loads(audit.record) if audit else {}
    complete = bool(
        audit
        and audit.actor
        and audit.reason
        and record.get("blast_radius", {}).get("cache", {}).get("entries")
        and all(s.get("started_at") and s.get("finished_at") for s in record.get("steps", []))
    )
    checks.append(Check("audit_complete", complete, "who, when, why, blast radius and every step's time"
                        if complete else f"audit record incomplete: {audit}"))  # fmt: skip
    return checks


def _exercise(
    scratch: Store, staged: Stage, replicas: list[Feature], rollback: Callable[[], Outcome], ttl_s: float,
    users: int, policy: str,
) -> tuple[list[Check], Outcome, float]:  # fmt: skip
    """Serve, roll back, check: (checks, the rollback's outcome, its duration in ms)."""
    traffic = serve(replicas, staged.production_prompt(scratch), users)
    on_drill = (len(traffic.users_on(staged.drill)), len(traffic.conversations_on(staged.drill)))
    clock = time.perf_counter()
    outcome = rollback()
    rollback_ms = (time.perf_counter() - clock) * 1000
    checks = [
        Check("traffic_reached_drill_version", all(on_drill),
              f"{on_drill[0]} users and {on_drill[1]} conversations served v{staged.drill}"),
        no_cached_bad_answers(replicas, traffic, staged.drill, "before the TTL"),
        serves_target(replicas, traffic, staged.production, staged.drill, ttl_s),
        no_cached_bad_answers(replicas, traffic, staged.drill, "after the TTL"),
        histories(replicas, traffic, staged.drill, policy),
    ]  # fmt: skip
    for replica in replicas:
        replica.flush()  # a replica's queued rows of the drill version must not bring its cache back
    return checks + _state_checks(scratch, staged, outcome), outcome, rollback_ms


def run_drill(
    project: Project,
    *,
    actor: str,
    prompt: str | None = None,
    scenario: str = "canary",
    ttl_s: float = DEFAULT_TTL_S,
    users: int = DEFAULT_USERS,
) -> DrillResult:
    """Run a drill on a scratch copy of `project`'s shared store and record it there (passed or not)."""
    started, started_at = time.perf_counter(), utc_timestamp()
    drill_id = f"drill-{started_at[:19].replace('-', '').replace(':', '')}-{secrets.token_hex(3)}"
    policy = project.history_policy or DEFAULT_POLICY
    with contextlib.ExitStack() as stack:
        shared = stack.enter_context(open_store(project.state_url))
        name = choose_prompt(project, shared, prompt)
        place = stack.enter_context(scratch_store(shared, project.state_url))
        lkg = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        scratch = stack.enter_context(open_store(place.url))
        copied = copy_prompt_state(shared, scratch, name)
        for other in prompt_names(project.root / "prompts"):
            if other != name:  # the replicas serve every prompt of the repo, as in production
                copy_prompt_state(shared, scratch, other)
        staged = stage(scratch, project, name, scenario, actor, drill_id)
        publish_the_rest(scratch, project, actor, drill_id)
        replicas = _replicas(project, place.url, ttl_s, lkg)
        for replica in replicas:
            stack.callback(replica.close)
        checks, outcome, rollback_ms = _exercise(
            scratch, staged, replicas, lambda: _rollback(scratch, project, staged, actor, drill_id), ttl_s,
            users, policy,
        )  # fmt: skip
    record = DrillRecord(
        drill_id, project.feature, name, scenario, policy, place.description, started_at, utc_timestamp(),
        round((time.perf_counter() - started) * 1000, 1), round(rollback_ms, 1),
        all(c.passed for c in checks), json.dumps([c.as_dict() for c in checks], separators=(",", ":")),
        actor,
    )  # fmt: skip
    with open_store(project.state_url) as shared:
        shared.add_drill(record)
    return DrillResult(record, tuple(checks), outcome, copied)


def plan_drill(project: Project, *, prompt: str | None, scenario: str) -> dict[str, Any]:
    """What a drill would do, writing nothing (the shared store is not created or migrated)."""
    from platform_cli.prompts.config import existing_store
    from platform_cli.store import redact_url

    if scenario not in SCENARIOS:
        raise UserError(f"--scenario {scenario!r}: use one of {', '.join(SCENARIOS)}")
    store = existing_store(project.state_url)
    try:
        name = choose_prompt(project, store, prompt)
        engine = store.dialect if store is not None else project.state_url.partition(":")[0]
    finally:
        if store is not None:
            store.close()
    scratch = "a scratch PostgreSQL schema" if engine.startswith("postgres") else "a temporary SQLite file"
    return {
        "prompt": name, "scenario": scenario, "history_policy": project.history_policy or DEFAULT_POLICY,
        "scratch": scratch, "store": redact_url(project.state_url), "dry_run": True,
    }  # fmt: skip
