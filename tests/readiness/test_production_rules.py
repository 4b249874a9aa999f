"""A lifecycle-aware gate: the production preset passes bronze, and each production-only defect (local
state, a fake provider serving real traffic, a key in an env-file) fails exactly the bronze rule named for
it. Experimental features keep the offline day-0 behaviour.

The state store only needs to *be* shared here (a PostgreSQL URL): bronze reads no label, so the URL points
at a closed port, and the registry rules (silver) are not what these tests judge.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli.readiness.check import check_repo
from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature

TODAY = dt.date(2026, 11, 27)
PRESET = templates_dir() / "ai-feature" / "tests" / "answers" / "multi-vendor-production.yml"
SHARED = "postgresql://billing:not-a-password@127.0.0.1:9/billing"
PRODUCTION_RULES = {"state-shared", "no-fake-provider", "no-env-file-key"}


@pytest.fixture(scope="module")
def production_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("prod") / "billing-assistant"
    new_feature(dest, answers_file=PRESET)
    return dest


@pytest.fixture
def repo(production_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLATFORM_STATE_URL", SHARED)
    copy = tmp_path / "billing-assistant"
    shutil.copytree(production_repo, copy, symlinks=True)
    return copy


def _bronze_failures(root: Path) -> dict[str, list[str]]:
    report = check_repo(root, today=TODAY)
    return {f.rule.id: list(f.messages) for f in report.findings if f.failed and f.rule.level == "bronze"}


def _edit(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "ai-feature.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_the_production_preset_is_production(production_repo: Path) -> None:
    manifest = yaml.safe_load((production_repo / "ai-feature.yaml").read_text())
    spec = manifest["spec"]
    assert spec["lifecycle"] == "production"
    assert spec["state"]["url"] == "${PLATFORM_STATE_URL}"
    assert [p["kind"] for p in spec["providers"]] == ["openai", "anthropic"]
    assert {s["backend"] for s in spec["secrets"]} == {"vault"}


def test_the_production_preset_passes_bronze_with_shared_state(repo: Path) -> None:
    assert _bronze_failures(repo) == {}


def test_local_state_fails_exactly_state_shared(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLATFORM_STATE_URL")
    _edit(repo, lambda d: d["spec"]["state"].update(url="sqlite:///.platform/state.db"))
    failures = _bronze_failures(repo)
    assert set(failures) == {"state-shared"}
    assert "a file only the machine that wrote it can read" in failures["state-shared"][0]


def test_an_unset_state_variable_is_unknown_naming_the_variable_and_the_fix(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PLATFORM_STATE_URL")
    report = check_repo(repo, today=TODAY)
    finding = next(f for f in report.findings if f.rule.id == "state-shared")
    assert finding.status == "unknown"
    assert "${PLATFORM_STATE_URL}, which is not set" in finding.messages[0]
    assert "repository secret PLATFORM_STATE_URL" in finding.messages[0]


def test_a_fake_fallback_fails_exactly_no_fake_provider(repo: Path) -> None:
    def fake_fallback(data: dict[str, Any]) -> None:
        data["spec"]["providers"][1] = {
            "name": "fallback", "kind": "fake", "model": "fake-chat-2025-01-01",
            "oncall_owner": "billing-assistant-primary",
        }  # fmt: skip
        data["spec"]["secrets"] = [s for s in data["spec"]["secrets"] if s["name"] != "ANTHROPIC_API_KEY"]

    _edit(repo, fake_fallback)
    failures = _bronze_failures(repo)
    assert set(failures) == {"no-fake-provider"}
    assert "provider fallback is kind fake" in failures["no-fake-provider"][0]
    assert "whenever the primary fails" in failures["no-fake-provider"][0]


def test_an_env_file_key_fails_exactly_no_env_file_key(repo: Path) -> None:
    _edit(repo, lambda d: d["spec"]["secrets"][1].update(backend="env-file", path=".env"))
    failures = _bronze_failures(repo)
    assert set(failures) == {"no-env-file-key"}
    assert failures["no-env-file-key"][0].startswith("ANTHROPIC_API_KEY lives in env-file")


def test_production_with_defaults_is_not_ready(tmp_path: Path) -> None:
    """Observed: `--defaults` (fake provider, no secrets) counted as ready whatever the lifecycle said."""
    dest = tmp_path / "prod-defaults"
    new_feature(dest, {"name": "Prod Defaults", "eval_owner": "jane@example.com", "lifecycle": "production"})
    report = check_repo(dest, today=TODAY)
    failed = {f.rule.id for f in report.findings if f.failed and f.rule.level == "bronze"}
    assert {"no-fake-provider", "state-shared"} <= failed
    assert report.reached is None  # not even bronze


def test_experimental_features_keep_the_offline_day_zero(tmp_path: Path) -> None:
    dest = tmp_path / "day0"
    new_feature(dest, {"name": "Day Zero", "eval_owner": "jane@example.com"})
    failures = _bronze_failures(dest)
    assert failures == {}
    report = check_repo(dest, today=TODAY)
    passing = {f.rule.id for f in report.findings if f.status == "pass"}
    assert passing >= PRODUCTION_RULES
