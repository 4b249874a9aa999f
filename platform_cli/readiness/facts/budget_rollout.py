"""The `budget` and `rollout` facts: spending limits and alerts, and how a new version is rolled out."""

from __future__ import annotations

from platform_cli.models import is_offline
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, first_line, manifest_or_missing


class BudgetCollector:
    """`budget`: {declared, monthly_usd, per_request_usd, alert_at: [fractions], models, unpriced_models,
    price_table: {version, as_of}, file, line}.

    Values are None (alert_at empty) when the manifest leaves them out. `unpriced_models` are the declared
    models the effective price table (bundled + the repo's prices.json) has no price for: their usage
    would be reported as unpriced and no budget could be checked against it. Models of `fake` providers
    are left out (the offline fake bills nothing).
    """

    name = "budget"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        budget = manifest.budget
        from platform_cli.cost.prices import effective_table
        from platform_cli.errors import PlatformError

        # the offline fake bills nothing, whatever model id it answers as
        models = list(dict.fromkeys(p.model for p in manifest.providers if not is_offline(p.kind)))
        try:
            table = effective_table(manifest.root)
        except PlatformError as error:
            return Fact.missing(self.name, f"cannot read the price table: {error}")
        value = {
            "declared": budget is not None,
            "monthly_usd": budget.monthly_usd if budget else None,
            "per_request_usd": budget.per_request_usd if budget else None,
            "alert_at": list(budget.alert_at) if budget else [],
            "models": models,
            "unpriced_models": table.missing(models),
            "price_table": {"version": table.version, "as_of": table.as_of},
        }
        line = first_line(manifest, ("spec", "budget"), ("spec",))
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)


class RolloutCollector:
    """`rollout`: {declared, steps: [percent], soak_days, guard_metrics: [name], file, line}."""

    name = "rollout"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        rollout = manifest.rollout
        value = {
            "declared": rollout is not None,
            "steps": list(rollout.steps) if rollout else [],
            "soak_days": rollout.soak_days if rollout else None,
            "guard_metrics": list(rollout.guard_metrics) if rollout else [],
        }
        line = first_line(manifest, ("spec", "rollout", "soak_days"), ("spec", "rollout"), ("spec",))
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)
