"""Readiness `rollback-ready` (silver) and `runtime-overrides` (warning), read from the SHARED store.

Each planted defect fails the rule with a message that says what to run; a drill that only happened in a
laptop's own store does not count for a repo whose manifest names a shared one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from rollback_support import ACTOR, FEATURE, v1_production_v2_canary, write_repo

from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Finding
from platform_cli.rollback import begin, make_plan
from platform_cli.store import open_store
from platform_cli.store.rollback import DrillRecord, OverrideRecord

TODAY = dt.date(2026, 12, 1)


def drill(url: str, *, days_ago: int = 1, passed: bool = True) -> None:
    finished = f"{(TODAY - dt.timedelta(days=days_ago)).isoformat()}T10:00:00.000000Z"
    checks = [{"name": "histories", "passed": passed, "detail": "..."}]
    with open_store(url) as store:
        store.add_drill(
            DrillRecord(f"drill-{days_ago}-{passed}", FEATURE, "summarize", "canary", "quarantine", "sqlite",
                        finished, finished, 2000.0, 50.0, passed, json.dumps(checks), ACTOR)
        )  # fmt: skip


def finding(root: Path, rule: str) -> Finding:
    report = check_repo(root, today=TODAY)
    return next(f for f in report.findings if f.rule.id == rule)


@pytest.fixture
def shared(tmp_path: Path, store_url: str) -> Path:
    return write_repo(tmp_path / "repo", store_url)


def test_a_recent_passing_drill_in_the_shared_store_passes(shared: Path, store_url: str) -> None:
    drill(store_url, days_ago=3)
    result = finding(shared, "rollback-ready")
    assert not result.failed, result.messages
    assert "history policy quarantine; the last drill passed 3 day(s) ago (limit 30)" in result.messages[0]
    assert result.rule.level == "silver" and result.rule.severity == "error"


def test_no_history_policy_fails(tmp_path: Path, store_url: str) -> None:
    root = write_repo(tmp_path / "repo", store_url, history=None)
    drill(store_url)
    result = finding(root, "rollback-ready")
    assert result.failed and "spec.rollback.history is not set in ai-feature.yaml" in result.messages[0]


def test_a_drill_in_another_store_does_not_count(shared: Path, tmp_path: Path) -> None:
    laptop = f"sqlite:///{tmp_path / 'laptop.db'}"
    drill(laptop)
    result = finding(shared, "rollback-ready")
    assert result.failed
    assert "no rollback drill is recorded in the shared store" in result.messages[0]
    assert "platform rollback drill" in result.messages[0]


def test_an_old_drill_fails_with_its_age(shared: Path, store_url: str) -> None:
    drill(store_url, days_ago=45)
    result = finding(shared, "rollback-ready")
    assert (
        result.failed and "45 days old" in result.messages[0] and "older than 30 days" in result.messages[0]
    )
    path = shared / "ai-feature.yaml"
    data = yaml.safe_load(path.read_text())
    data["spec"]["rollback"]["drill_max_age_days"] = 60
    path.write_text(yaml.safe_dump(data))
    assert not finding(shared, "rollback-ready").failed


def test_only_failed_drills_fail_with_the_checks_that_failed(shared: Path, store_url: str) -> None:
    drill(store_url, passed=False)
    result = finding(shared, "rollback-ready")
    assert result.failed and "failed its checks histories" in result.messages[0]


def test_an_unfinished_rollback_fails_until_resumed(shared: Path, store_url: str) -> None:
    drill(store_url)
    with open_store(store_url) as store:
        v1_production_v2_canary(store)
        plan = make_plan(store, feature=FEATURE, prompt="summarize", history_policy="quarantine")
        record, _ = begin(store, plan, reason="bad", actor=ACTOR)
    result = finding(shared, "rollback-ready")
    assert result.failed and f"platform rollback resume {record.rollback_id}" in result.messages[0]


def test_active_overrides_are_shown_as_a_warning(shared: Path, store_url: str) -> None:
    assert not finding(shared, "runtime-overrides").failed
    with open_store(store_url) as store:
        store.add_runtime_override(
            OverrideRecord(0, FEATURE, "primary", "disable", None, "fake-chat-2025-01-01",
                           "2026-11-30T09:00:00.000000Z", ACTOR, "vendor outage")
        )  # fmt: skip
    result = finding(shared, "runtime-overrides")
    assert result.failed and result.rule.severity == "warning"
    assert "provider primary is disabled since 2026-11-30" in result.messages[0]
    assert "vendor outage" in result.messages[0] and "NOT applied" not in result.messages[0]
    # the manifest moved on (a deploy): the override no longer applies, and readiness says to clear it
    path = shared / "ai-feature.yaml"
    data = yaml.safe_load(path.read_text())
    data["spec"]["providers"][0]["model"] = "fake-chat-2024-06-01"
    path.write_text(yaml.safe_dump(data))
    assert "NOT applied any more" in finding(shared, "runtime-overrides").messages[0]
