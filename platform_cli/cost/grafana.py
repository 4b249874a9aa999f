"""A Grafana dashboard (JSON model) over the gauges `cost/metrics.py` emits, for one feature by default.

The `feature` variable lists every feature the Prometheus server knows, so one import serves a team's
features. Queries use only the exporter's metric names (a test parses every expression and checks).
"""

from __future__ import annotations

import json
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
F = 'feature="$feature"'


def _panel(
    pid: int, title: str, targets: list[tuple[str, str]], x: int, y: int, unit: str, kind: str = "timeseries"
) -> dict[str, Any]:
    return {
        "id": pid,
        "type": kind,
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend, "datasource": DATASOURCE}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


PANEL_SPECS: list[tuple[str, list[tuple[str, str]], str, str]] = [
    (
        "Month-to-date spend against budget and projection",
        [
            (f"sum by (feature) (platform_cost_spend_mtd_usd{{{F}}})", "spend"),
            (f"platform_cost_budget_monthly_usd{{{F}}}", "budget"),
            (f"platform_cost_spend_projected_usd{{{F}}}", "projection"),
        ],
        "currencyUSD",
        "timeseries",
    ),
    ("Budget used", [(f"platform_cost_budget_used_ratio{{{F}}}", "used")], "percentunit", "gauge"),
    (
        "Cost per request",
        [(f"platform_cost_per_request_usd{{{F}}}", "{{window}}")],
        "currencyUSD",
        "timeseries",
    ),
    (
        "Unpriced requests this month (not in any spend)",
        [
            (f"platform_cost_unpriced_requests_mtd{{{F}}}", "unpriced"),
        ],
        "short",
        "stat",
    ),
    (
        "Provider error rate",
        [(f"platform_fleet_error_ratio{{{F}}}", "{{provider}} ({{oncall_owner}})")],
        "percentunit",
        "timeseries",
    ),
    (
        "Provider fallback rate",
        [(f"platform_fleet_fallback_ratio{{{F}}}", "{{provider}}")],
        "percentunit",
        "timeseries",
    ),
    (
        "Refusal rate by provider",
        [(f"platform_fleet_refusal_ratio{{{F}}}", "{{provider}}")],
        "percentunit",
        "timeseries",
    ),
    (
        "Malformed answers by provider",
        [(f"platform_fleet_malformed_ratio{{{F}}}", "{{provider}}")],
        "percentunit",
        "timeseries",
    ),
    (
        "p95 latency by provider",
        [(f"platform_fleet_latency_p95_seconds{{{F}}}", "{{provider}}")],
        "s",
        "timeseries",
    ),
    ("Requests by provider", [(f"platform_fleet_requests{{{F}}}", "{{provider}}")], "short", "timeseries"),
    (
        "Soak trends: change over the window",
        [
            (f"platform_cost_trend_relative_change{{{F}}}", "{{group}} {{metric}}"),
        ],
        "percentunit",
        "timeseries",
    ),
    ("Sustained trends", [(f"sum(platform_cost_trend_sustained{{{F}}})", "sustained")], "short", "stat"),
]


def dashboard(feature: str) -> dict[str, Any]:
    panels = [
        _panel(i + 1, title, targets, 12 * (i % 2), 8 * (i // 2), unit, kind)
        for i, (title, targets, unit, kind) in enumerate(PANEL_SPECS)
    ]
    return {
        "__inputs": [
            {"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"}
        ],
        "title": f"AI feature cost and fleet: {feature}",
        "uid": f"ai-cost-{feature}"[:40],
        "tags": ["platform-cli", "ai-feature", "cost"],
        "timezone": "utc",
        "schemaVersion": 39,
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [
                {
                    "name": "feature",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": "label_values(platform_cost_budget_monthly_usd, feature)",
                    "current": {"text": feature, "value": feature},
                    "refresh": 2,
                }
            ]
        },
        "panels": panels,
    }


def render_dashboard(feature: str) -> str:
    return json.dumps(dashboard(feature), indent=2) + "\n"
