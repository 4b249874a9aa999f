"""Rollback that undoes the consequences: plan (blast radius), execute (journaled, resumable), audit, drills.

    from platform_cli.rollback import make_plan, execute

    plan = make_plan(store, feature="support-summarizer", prompt="summarize", history_policy="quarantine")
    outcome = execute(store, plan, reason="refusal rate doubled on the canary", actor="rollout-watch")

`rollback_prompt()` is the command's whole behaviour (resume an unfinished twin, no-op on a repeat, plan,
execute); `execute()` is the primitive for callers that already hold a plan (e.g. a rollout watch).
Layout: plan.py (versions and moves), blast.py (blast radius), steps.py (the journal's steps),
execute.py (journal runner, resume), prompt.py (the command), audit.py (reading the log), overrides.py
(pinned model / disabled provider), drill.py + scratch.py (drills on a scratch copy of the state).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_cli.lazynames import lazy_names

if TYPE_CHECKING:
    from platform_cli.rollback.execute import Outcome, begin, execute, resume, run
    from platform_cli.rollback.plan import RollbackPlan, choose_versions, make_plan
    from platform_cli.rollback.prompt import rollback_prompt
    from platform_cli.rollback.schema import has_rollback_schema
    from platform_cli.rollback.steps import STEPS

# The names below are imported on first use: readiness and the read-only commands import submodules
# (overrides, schema, audit) that must not pay for the journal runner and the planner.
_WHERE = {
    "STEPS": "steps",
    "Outcome": "execute",
    "RollbackPlan": "plan",
    "begin": "execute",
    "choose_versions": "plan",
    "execute": "execute",
    "has_rollback_schema": "schema",
    "make_plan": "plan",
    "resume": "execute",
    "rollback_prompt": "prompt",
    "run": "execute",
}

__all__ = [
    "STEPS",
    "Outcome",
    "RollbackPlan",
    "begin",
    "choose_versions",
    "execute",
    "has_rollback_schema",
    "make_plan",
    "resume",
    "rollback_prompt",
    "run",
]


__getattr__ = lazy_names(__name__, _WHERE, globals())
