"""The `cost_observability` fact: are cost alerts or a dashboard set up, do budget alerts reach an owner?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, first_line, manifest_or_missing

RULES_FILE = "monitoring/prometheus-rules.yml"
GRAFANA_FILE = "monitoring/grafana-dashboard.json"
RUNBOOK = "RUNBOOK.md"
DASHBOARD_COMMAND = "platform cost dashboard"


class CostObservabilityCollector:
    """`cost_observability`: {rules_file, rules_present, rules_current, budget_alerts, budget_alerts_routed,
    unrouted, grafana_present, runbook_dashboard, file, line}.

    `rules_current` is true when every rule `platform cost alerts` generates from the manifest today is in
    the committed file with the same expression and labels (thresholds and owners cannot drift; extra
    rules and edited annotations are the team's business); `budget_alerts_routed` when every budget alert
    carries a non-empty owner or on-call label; `runbook_dashboard` when RUNBOOK.md shows the
    `platform cost dashboard` command.
    """

    name = "cost_observability"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        from platform_cli.cost.alerts import alert_rules
        from platform_cli.errors import PlatformError
        from platform_cli.scanners.textfiles import read_text
        from platform_cli.yamlfile import load_yaml

        root: Path = manifest.root
        rules_path = root / RULES_FILE
        text = read_text(rules_path) if rules_path.is_file() else None
        budget_alerts: list[dict[str, Any]] = []
        loaded: Any = None
        if text is not None:
            try:
                loaded = load_yaml(rules_path, text=text, what="alert rules").data or {}
            except PlatformError:
                loaded = {}
            groups = loaded.get("groups") if isinstance(loaded, dict) else None
            for group in groups if isinstance(groups, list) else []:
                rules = group.get("rules") if isinstance(group, dict) else None
                for rule in rules if isinstance(rules, list) else []:
                    if isinstance(rule, dict) and str(rule.get("alert", "")).startswith("AIFeatureBudget"):
                        budget_alerts.append(rule)
        unrouted = [
            str(rule.get("alert"))
            for rule in budget_alerts
            if not any(str((rule.get("labels") or {}).get(k) or "").strip() for k in ("owner", "oncall"))
        ]
        runbook = root / RUNBOOK
        runbook_text = read_text(runbook) if runbook.is_file() else None
        value = {
            "rules_file": RULES_FILE,
            "rules_present": text is not None,
            "rules_current": text is not None and _covers(loaded, alert_rules(manifest)),
            "budget_alerts": len(budget_alerts),
            "budget_alerts_routed": bool(budget_alerts) and not unrouted,
            "unrouted": unrouted,
            "grafana_present": (root / GRAFANA_FILE).is_file(),
            "runbook_dashboard": runbook_text is not None and DASHBOARD_COMMAND in runbook_text,
        }
        if text is not None:
            return Fact(self.name, value, file=RULES_FILE, line=1)
        # no rules file: point at the budget nobody is alerted about
        return Fact(
            self.name, value, file=MANIFEST_FILE, line=first_line(manifest, ("spec", "budget"), ("spec",))
        )


def _signatures(document: Any) -> set[str]:
    """Each rule of a rules document as (alert, expr, labels), comparable across formatting."""
    import json

    out = set()
    groups = document.get("groups") if isinstance(document, dict) else None
    for group in groups if isinstance(groups, list) else []:
        rules = group.get("rules") if isinstance(group, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict):
                key = [rule.get("alert"), rule.get("expr"), rule.get("labels") or {}]
                out.add(json.dumps(key, sort_keys=True, default=str))
    return out


def _covers(committed: Any, wanted: Any) -> bool:
    return _signatures(wanted) <= _signatures(committed)
