"""The `rollout_guards` fact: does every guard metric of the rollout plan have a source that produces data
for this feature, and where is each active rollout (step, guard state)?

Sources: eval_score needs online scoring with at least one scorer that can judge a live answer; cost per
request needs a price for every declared model (else costs are unknown, never $0); the rates and latency
percentiles come from the runtime's usage events; fallback_rate also needs a second provider to fall back
to. Active rollouts are read from the shared store without creating or migrating it.
"""

from __future__ import annotations

from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, first_line, manifest_or_missing

USAGE_EVENTS = "the runtime's usage events"


class RolloutGuardsCollector:
    """`rollout_guards`: {declared, guards: [item], missing: [metric], active: [rollout], store_problem}.

    item: {metric, source, problem, file, line}: `source` says where its data comes from, `problem` why
    there is none (then the metric is in `missing`). rollout: {prompt, version, percent, step, steps,
    phase, since, guard_state, drifting} for each active rollout of the feature.
    """

    name = "rollout_guards"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        rollout = manifest.rollout
        line = first_line(manifest, ("spec", "rollout", "guard_metrics"), ("spec", "rollout"), ("spec",))
        items = [self._guard(manifest, metric) for metric in (rollout.guard_metrics if rollout else [])]
        for item in items:
            item.update(file=MANIFEST_FILE, line=line)
        active, store_problem = _active(manifest)
        value = {
            "declared": rollout is not None and bool(rollout.steps),
            "guards": items,
            "missing": [item["metric"] for item in items if item["problem"]],
            "active": active,
            "store_problem": store_problem,
        }
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)

    def _guard(self, manifest: Any, metric: str) -> dict[str, Any]:
        source: str | None = USAGE_EVENTS
        problem: str | None = None
        if metric == "eval_score":
            source, problem = _online_scoring(manifest)
        elif metric == "cost_per_request":
            from platform_cli.cost.prices import effective_table

            try:
                table = effective_table(manifest.root)
            except PlatformError as exc:
                source, problem = None, f"the price table cannot be read: {exc}"
            else:
                unpriced = table.missing(p.model for p in manifest.providers)
                if unpriced:
                    source = None
                    problem = f"no price for {', '.join(unpriced)}: cost per request would be unknown"
                else:
                    source = f"priced usage events (price table {table.version})"
        elif metric == "fallback_rate" and len(manifest.providers) < 2:
            source, problem = None, "only one provider is declared: nothing can fall back"
        return {"metric": metric, "source": source, "problem": problem}


def _online_scoring(manifest: Any) -> tuple[str | None, str | None]:
    from platform_cli.rollout.scoring import check

    online = manifest.rollout.online_scoring if manifest.rollout else None
    if online is None:
        return None, "spec.rollout.online_scoring is not set: no live answer is scored"
    try:
        found = check(manifest)
    except PlatformError as exc:
        return None, f"online scoring cannot be used: {str(exc).splitlines()[-1]}"
    if not found.scorers:
        why = "; ".join(f"{k}: {v}" for k, v in found.left_out.items()) or "no scorers"
        return None, f"no scorer in online scoring can judge a live answer ({why})"
    share = f"{online.sample_rate:.0%} of answers, every canary answer up to {online.canary_cap}"
    return f"online scoring by {', '.join(found.scorers)} ({share})", None


def _active(manifest: Any) -> tuple[list[dict[str, Any]], str | None]:
    from platform_cli.manifest import resolve_state_url
    from platform_cli.prompts.config import existing_store
    from platform_cli.store.rollout import has_rollout_schema

    try:
        store = existing_store(resolve_state_url(manifest))
    except PlatformError as exc:
        return [], f"cannot read the state store: {exc}"
    if store is None:
        return [], None
    try:
        records = store.active_rollouts(manifest.name) if has_rollout_schema(store) else []
        if not records:
            return [], None
        # judging guards needs the statistics (numpy): only when a rollout is active
        from platform_cli import clock
        from platform_cli.rollout.settings import settings_of
        from platform_cli.rollout.status import guard_state
        from platform_cli.rollout.walk import percent_of, phase_of, steps_of

        out = []
        for record in records:
            state, drifting = guard_state(store, settings_of(manifest), record, clock.now())
            out.append({
                "prompt": record.prompt, "version": record.version, "percent": percent_of(record),
                "step": record.step + 1, "steps": steps_of(record), "phase": phase_of(record),
                "since": record.step_started_at, "guard_state": state, "drifting": drifting,
            })  # fmt: skip
        return out, None
    except PlatformError as exc:
        return [], f"cannot read the active rollouts: {exc}"
    finally:
        store.close()
