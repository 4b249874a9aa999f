"""The golden-path template ships the cost monitoring: alert rules and a Grafana dashboard that are what
`platform cost alerts` / `grafana` generate from the rendered manifest (for every sample answer set), rules
that promtool accepts, and prices for self-hosted models so no declared model is unpriced."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from platform_cli.cost.alerts import alert_rules
from platform_cli.cost.grafana import dashboard
from platform_cli.cost.prices import effective_table
from platform_cli.jsonfile import load_json
from platform_cli.manifest import load_manifest
from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature
from platform_cli.yamlfile import load_yaml

ANSWER_SETS = sorted((templates_dir() / "ai-feature" / "tests" / "answers").glob("*.yml"))


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=[p.stem for p in ANSWER_SETS])
def test_generated_monitoring_files_are_what_the_generators_make(tmp_path: Path, answers: Path) -> None:
    dest = new_feature(tmp_path / answers.stem, answers_file=answers).dest
    manifest = load_manifest(dest / "ai-feature.yaml")
    assert load_yaml(dest / "monitoring/prometheus-rules.yml").data == alert_rules(manifest)
    assert load_json(dest / "monitoring/grafana-dashboard.json").data == dashboard(manifest.name)
    owners = {p.oncall_owner for p in manifest.providers}
    fleet = [r for g in alert_rules(manifest)["groups"] for r in g["rules"] if "provider" in r["labels"]]
    assert {r["labels"]["oncall_owner"] for r in fleet} == owners and len(fleet) == 4 * len(
        manifest.providers
    )
    assert effective_table(dest).missing(p.model for p in manifest.providers) == []
    self_hosted = any(p.kind == "openai-compatible" for p in manifest.providers)
    assert (dest / "prices.json").is_file() == self_hosted
    runbook = (dest / "RUNBOOK.md").read_text(encoding="utf-8")
    assert "platform cost dashboard -o cost.html" in runbook and "platform cost alerts -o" in runbook
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool must be installed in CI (make test-deps)")
        return
    checked = subprocess.run([promtool, "check", "rules", str(dest / "monitoring/prometheus-rules.yml")],
                             capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
