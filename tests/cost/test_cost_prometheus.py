"""Prometheus: the alert rules pass `promtool check rules` and a `promtool test rules` case fires the budget
alert; a real Prometheus (Debian's package) scrapes the exporter; the Grafana dashboard and the rules use
only metric names the exporter really emits."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import yaml
from cost_support import event, write_cost_repo
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from platform_cli.cost.alerts import alert_rules, render_rules
from platform_cli.cost.grafana import dashboard
from platform_cli.cost.ledger import open_ledger
from platform_cli.cost.metrics import METRIC_NAMES, CostCollector, registry_for
from platform_cli.cost.prices import load_bundled
from platform_cli.cost.pricing import price_usage
from platform_cli.store import open_store

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


def tool_or_skip(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (Debian package prometheus; make test-deps installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"Prometheus tests must run in CI: {reason}")
        pytest.skip(reason)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A feature with an OpenAI primary and an Anthropic fallback (different on-call owners) and traffic:
    half the primary's calls fail over to the fallback, and one model has no price."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    root = write_cost_repo(tmp_path / "repo", url, soak_days=14)
    table = load_bundled()
    events = []
    for day in range(14):
        for i in range(20):
            at = NOW - dt.timedelta(days=14 - day, minutes=i)
            events.append(event(at, input_tokens=1000 + 30 * day))
    for i in range(40):  # the last few minutes: the fleet window
        at = NOW - dt.timedelta(minutes=5, seconds=i)
        rescued = i % 2 == 0
        events.append(
            event(
                at,
                provider="fallback" if rescued else "primary",
                fallback_used=rescued,
                model="claude-sonnet-4-5-20250929" if rescued else "gpt-4o-2024-08-06",
                provider_kind="anthropic" if rescued else "openai",
                refusal=i == 3,
            )
        )
    events.append(event(NOW - dt.timedelta(minutes=1), model="mystery-2026-01-01"))
    events = [replace(e, cost_usd=price_usage(e, e.model, table)) for e in events]
    with open_store(url) as store:
        store.add_usage_events(events)
    return root


def _exposition(repo: Path) -> str:
    ledger = open_ledger(repo)
    collector = CostCollector(ledger.manifest, ledger.state_url, 900, 14, clock=lambda: NOW)
    return generate_latest(registry_for(collector)).decode()


def test_the_exporter_emits_budget_fleet_and_trend_figures(repo: Path) -> None:
    families = {f.name: f for f in text_string_to_metric_families(_exposition(repo))}
    assert set(families) == set(METRIC_NAMES)
    value = {(f.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    fleet = {s.labels["provider"]: s for s in families["platform_fleet_error_ratio"].samples}
    # 41 calls in the window (40 + the unpriced one): all tried the primary, 20 failed over to the fallback
    assert (
        fleet["primary"].value == pytest.approx(20 / 41)
        and fleet["primary"].labels["oncall_owner"] == "openai-oncall"
    )
    assert fleet["fallback"].value == 0.0 and fleet["fallback"].labels["oncall_owner"] == "anthropic-oncall"
    requests_seen = {s.labels["provider"]: s.value for s in families["platform_fleet_requests"].samples}
    assert requests_seen == {"primary": 41.0, "fallback": 20.0}
    assert value[("platform_cost_unpriced_requests_mtd", (("feature", "cost-test"),))] == 1.0
    sustained = [s for s in families["platform_cost_trend_sustained"].samples if s.value == 1.0]
    assert {(s.labels["group"], s.labels["metric"]) for s in sustained} >= {
        ("summarize@v1", "cost_per_request")
    }


def _names_in(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers outside {...} and strings, minus functions."""
    bare = re.sub(r"label_values\(([^,]+),[^)]*\)", r"\1", expr)  # Grafana: label_values(metric, label)
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', bare)
    bare = re.sub(r"\{[^}]*\}", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(?:by|on|ignoring|without|group_left|group_right)\s*\([^)]*\)", "", bare)
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", bare))
    keywords = {"sum", "max", "min", "avg", "delta", "rate", "and", "or", "unless"}
    return words - keywords


def test_grafana_and_rules_use_only_metric_names_the_exporter_emits(repo: Path) -> None:
    emitted = {f.name for f in text_string_to_metric_families(_exposition(repo))}
    ledger = open_ledger(repo)
    board = dashboard(ledger.feature)
    exprs = [t["expr"] for panel in board["panels"] for t in panel["targets"]]
    exprs.append(board["templating"]["list"][0]["query"])
    rule_exprs = [r["expr"] for g in alert_rules(ledger.manifest)["groups"] for r in g["rules"]]
    used = set().union(*(_names_in(e) for e in exprs + rule_exprs))
    assert used and used <= emitted, used - emitted
    assert len(board["panels"]) >= 10


def test_promtool_checks_the_rules_and_a_unit_test_fires_the_budget_alert(repo: Path, tmp_path: Path) -> None:
    promtool = tool_or_skip("promtool")
    manifest = open_ledger(repo).manifest
    rules = tmp_path / "rules.yml"
    rules.write_text(render_rules(manifest))
    generated = {
        (r["alert"], r["labels"].get("threshold") or r["labels"].get("provider")): r["annotations"]
        for g in alert_rules(manifest)["groups"]
        for r in g["rules"]
    }

    def annotations(alert: str, key: str, value: str) -> dict[str, str]:
        """The rule's annotations as Prometheus renders them when $value is `value` (a percentage)."""
        return {
            k: v.replace("{{ $value | humanizePercentage }}", value)
            for k, v in generated[(alert, key)].items()
        }

    checked = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout
    owners = {"feature": "cost-test", "owner": "team-cost", "oncall": "cost-primary"}
    fleet = (
        'feature="cost-test",provider="fallback",model="claude-sonnet-4-5-20250929",'
        'oncall_owner="anthropic-oncall",window="15m"'
    )
    tests = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    # 30% of the budget for 10 minutes, then 85%
                    {
                        "series": 'platform_cost_budget_used_ratio{feature="cost-test"}',
                        "values": "0.3x10 0.85x30",
                    },
                    {"series": f"platform_fleet_error_ratio{{{fleet}}}", "values": "0.2x30"},
                    {"series": f"platform_fleet_requests{{{fleet}}}", "values": "50x30"},
                ],
                "alert_rule_test": [
                    {"eval_time": "9m", "alertname": "AIFeatureBudgetThreshold", "exp_alerts": []},
                    {
                        "eval_time": "20m",
                        "alertname": "AIFeatureBudgetThreshold",
                        "exp_alerts": [
                            {
                                "exp_labels": {**owners, "severity": "warning", "threshold": t},
                                "exp_annotations": annotations("AIFeatureBudgetThreshold", t, "85%"),
                            }
                            for t in ("0.5", "0.8")
                        ],
                    },
                    {
                        "eval_time": "20m",
                        "alertname": "ProviderErrorRateHigh",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "feature": "cost-test",
                                    "provider": "fallback",
                                    "severity": "page",
                                    "model": "claude-sonnet-4-5-20250929",  # from the series
                                    "oncall_owner": "anthropic-oncall",
                                    "window": "15m",
                                },
                                "exp_annotations": annotations("ProviderErrorRateHigh", "fallback", "20%"),
                            }
                        ],
                    },
                ],
            }
        ],
    }
    unit = tmp_path / "rules_test.yml"
    unit.write_text(yaml.safe_dump(tests, sort_keys=False))
    tested = subprocess.run([promtool, "test", "rules", str(unit)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # and the test can fail: with the budget at 30% throughout, the same expectation is not met
    tests["tests"][0]["input_series"][0]["values"] = "0.3x40"  # type: ignore[index]
    unit.write_text(yaml.safe_dump(tests, sort_keys=False))
    assert subprocess.run([promtool, "test", "rules", str(unit)], capture_output=True).returncode != 0


def test_a_real_prometheus_scrapes_the_exporter(repo: Path, tmp_path: Path) -> None:
    prometheus = tool_or_skip("prometheus")
    exporter_port, prom_port = _free_port(), _free_port()
    exporter = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "platform_cli",
            "--repo",
            str(repo),
            "cost",
            "metrics",
            "--serve",
            "--port",
            str(exporter_port),
            "--now",
            NOW.isoformat(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "scrape_configs": [
                    {
                        "job_name": "platform-cost",
                        "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}],
                    }
                ],
            }
        )
    )
    server = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        api = f"http://127.0.0.1:{prom_port}/api/v1/query"
        deadline = time.monotonic() + 90
        found: list[dict] = []  # type: ignore[type-arg]
        while time.monotonic() < deadline and not found:
            time.sleep(1)
            try:
                answer = requests.get(
                    api, params={"query": "platform_cost_budget_monthly_usd"}, timeout=5
                ).json()
            except requests.RequestException:
                continue
            found = answer.get("data", {}).get("result", [])
        assert found, "Prometheus never stored a scraped sample"
        assert found[0]["metric"]["feature"] == "cost-test" and float(found[0]["value"][1]) == 100.0
        up = requests.get(api, params={"query": 'up{job="platform-cost"}'}, timeout=5).json()
        assert up["data"]["result"][0]["value"][1] == "1"
        errors = requests.get(api, params={"query": "platform_fleet_error_ratio"}, timeout=5).json()
        providers = {r["metric"]["provider"]: r["metric"]["oncall_owner"] for r in errors["data"]["result"]}
        assert providers == {"primary": "openai-oncall", "fallback": "anthropic-oncall"}
    finally:
        for proc in (server, exporter):
            proc.terminate()
        for proc in (server, exporter):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
