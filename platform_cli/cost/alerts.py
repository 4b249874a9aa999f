"""Prometheus alert rules for a feature, from its manifest: budget thresholds, trends, provider health.

Budget alerts go to the feature's owner and on-call rotation; each provider's alerts carry that provider's
`oncall_owner`, so a secondary that quietly degrades pages the person who owns it. Rules read only the
gauges `cost/metrics.py` emits (a test checks it).
"""

from __future__ import annotations

from typing import Any

from platform_cli.manifest import Manifest

# Provider-health thresholds: (metric, ratio above which to alert, what it means)
FLEET_RULES = (
    ("ProviderErrorRateHigh", "platform_fleet_error_ratio", 0.05, "of calls to it fail"),
    (
        "ProviderFallbackRateHigh",
        "platform_fleet_fallback_ratio",
        0.10,
        "of calls to it fall back to the next provider",
    ),
    (
        "ProviderMalformedAnswersHigh",
        "platform_fleet_malformed_ratio",
        0.02,
        "of its answers fail the output_schema",
    ),
    ("ProviderRefusalRateHigh", "platform_fleet_refusal_ratio", 0.05, "of its answers are refusals"),
)
FLEET_MIN_REQUESTS = 20  # fewer tries in the window: too little evidence to page anyone


def _q(value: str) -> str:
    """A PromQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def alert_rules(manifest: Manifest) -> dict[str, Any]:
    feature = manifest.name
    sel = f"feature={_q(feature)}"
    owner = manifest.owner
    rotation = manifest.oncall_rotation or owner
    budget_rules: list[dict[str, Any]] = []
    budget = manifest.budget
    if budget is not None and budget.monthly_usd:
        for fraction in sorted(set(budget.alert_at)):
            budget_rules.append(
                {
                    "alert": "AIFeatureBudgetThreshold",
                    "expr": f"platform_cost_budget_used_ratio{{{sel}}} >= {fraction:g}",
                    "for": "5m",
                    "labels": {
                        "severity": "critical" if fraction >= 1 else "warning",
                        "feature": feature,
                        "threshold": f"{fraction:g}",
                        "owner": owner,
                        "oncall": rotation,
                    },
                    "annotations": {
                        "summary": f"{feature} spent {fraction:.0%} of its monthly budget",
                        "description": (
                            f"Month-to-date billed spend is {{{{ $value | humanizePercentage }}}} of "
                            f"${budget.monthly_usd:,.2f}. Run `platform cost report --by model` and "
                            "`platform cost budget check` in the feature repo."
                        ),
                    },
                }
            )
        budget_rules.append(
            {
                "alert": "AIFeatureBudgetProjectedOverrun",
                "expr": (
                    f"platform_cost_spend_projected_usd{{{sel}}} > on(feature) "
                    f"platform_cost_budget_monthly_usd{{{sel}}}"
                ),
                "for": "1h",
                "labels": {"severity": "warning", "feature": feature, "owner": owner, "oncall": rotation},
                "annotations": {
                    "summary": f"{feature} is projected to overrun its monthly budget",
                    "description": "Projected month-end spend: ${{ $value | humanize }}.",
                },
            }
        )
    if budget is not None and budget.per_request_usd:
        budget_rules.append(
            {
                "alert": "AIFeaturePerRequestBudgetExceeded",
                "expr": f"delta(platform_cost_over_per_request_mtd{{{sel}}}[30m]) > 0",
                "labels": {"severity": "warning", "feature": feature, "owner": owner, "oncall": rotation},
                "annotations": {
                    "summary": f"{feature}: requests cost more than ${budget.per_request_usd} each",
                    "description": "See `platform cost budget check` for the dearest requests.",
                },
            }
        )
    budget_rules.append(
        {
            "alert": "AIFeatureUnpricedUsage",
            "expr": f"platform_cost_unpriced_requests_mtd{{{sel}}} > 0",
            "for": "30m",
            "labels": {"severity": "warning", "feature": feature, "owner": owner, "oncall": rotation},
            "annotations": {
                "summary": f"{feature} has usage with no price: spend figures are incomplete",
                "description": (
                    "Add the prices (`platform cost prices import FILE`), then `platform cost reprice`."
                ),
            },
        }
    )
    trend_rules = [
        {
            "alert": "AIFeatureSustainedTrend",
            "expr": f"platform_cost_trend_sustained{{{sel}}} == 1",
            "for": "1h",
            "labels": {"severity": "warning", "feature": feature, "owner": owner, "oncall": rotation},
            "annotations": {
                "summary": (
                    f"{feature}: {{{{ $labels.metric }}}} of {{{{ $labels.group_by }}}}"
                    " {{ $labels.group }}"
                    " drifts the wrong way across the soak window"
                ),
                "description": "A sustained slope, not a one-day spike: see `platform cost trends`.",
            },
        }
    ]
    fleet_rules = []
    for provider in manifest.providers:
        who = provider.oncall_owner or rotation
        psel = f"{sel},provider={_q(provider.name)}"
        for name, metric, limit, meaning in FLEET_RULES:
            fleet_rules.append(
                {
                    "alert": name,
                    "expr": (
                        f"{metric}{{{psel}}} > {limit:g} and on(feature, provider) "
                        f"platform_fleet_requests{{{psel}}} >= {FLEET_MIN_REQUESTS}"
                    ),
                    "for": "10m",
                    "labels": {
                        "severity": "page",
                        "feature": feature,
                        "provider": provider.name,
                        "oncall_owner": who,
                    },
                    "annotations": {
                        "summary": (
                            f"{feature}: {{{{ $value | humanizePercentage }}}} {meaning} ({provider.name})"
                        ),
                        "description": (
                            f"Provider {provider.name} ({provider.kind}, {provider.model}) is owned by {who}."
                        ),
                    },
                }
            )
    return {
        "groups": [
            {"name": f"{feature}-cost-budget", "rules": budget_rules},
            {"name": f"{feature}-cost-trends", "rules": trend_rules},
            {"name": f"{feature}-inference-fleet", "rules": fleet_rules},
        ]
    }


def render_rules(manifest: Manifest) -> str:
    header = (
        f"# Prometheus alert rules for {manifest.name}, generated from ai-feature.yaml by\n"
        "# `platform cost alerts -o monitoring/prometheus-rules.yml`; regenerate after editing the\n"
        "# manifest (`platform cost alerts --check FILE` says when it is out of date).\n"
    )
    import yaml  # on use: the cost facts of a readiness check read the rules, never their YAML text

    return header + yaml.safe_dump(alert_rules(manifest), sort_keys=False, width=1000)
