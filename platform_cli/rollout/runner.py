"""What `rollout watch` and `rollout score` run: the scoring pass (with a budgeted judge through the
runtime when configured), pricing of each rollout's window, then one decision per active rollout."""

from __future__ import annotations

from platform_cli.rollback.project import Project, project_store
from platform_cli.rollout.pricing import price_window
from platform_cli.rollout.scoring import ScoringResult, score_pending
from platform_cli.rollout.settings import RolloutSettings
from platform_cli.rollout.walk import find_active
from platform_cli.rollout.watch import Decision, decide, decision_time
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollout import has_rollout_schema

__all__ = ["has_rollout_schema", "score", "watch_once"]


def score(store: Store, project: Project, *, limit: int = 20_000, dry_run: bool = False) -> ScoringResult:
    """The scoring pass; the judge scorer calls go through the runtime (cached, costed, budgeted)."""
    rollout = project.manifest.rollout
    online = rollout.online_scoring if rollout else None
    if online is None or online.judge_budget_usd is None or dry_run:
        return score_pending(store, project.manifest, limit=limit, dry_run=dry_run)
    from platform_cli.evals.calls import JudgeCaller
    from platform_cli.runtime import Feature

    with Feature.load(project.manifest, state_url=project.state_url) as feature:
        # the judge's calls are eval traffic: no guard, budget or sample counts them as users' answers
        feature.traffic, feature.eval_run_id = "eval", "online-scoring"
        return score_pending(store, project.manifest, judge=JudgeCaller(feature), limit=limit)


def watch_once(
    project: Project, settings: RolloutSettings, prompt: str | None, *, actor: str, dry_run: bool
) -> list[Decision]:
    """One decision per active rollout of the feature (or of `prompt`)."""
    moment = decision_time()
    with project_store(project, write=not dry_run) as store:
        if store is None or not has_rollout_schema(store):
            return []
        if prompt is not None:
            records = [find_active(store, project.feature, prompt)]
        else:
            records = store.active_rollouts(project.feature)
        if not records:
            return []
        if not dry_run:
            score(store, project)
            for record in records:
                price_window(store, project.manifest, record.prompt, record.started_at, utc_timestamp(moment))
        return [
            decide(store, project.manifest, settings, record, actor=actor,
                   history_policy=project.history_policy, dry_run=dry_run)
            for record in records
        ]  # fmt: skip
