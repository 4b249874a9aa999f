"""spec.rollout as the rollout reads it: located errors for plans it cannot walk, defaults per guard."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rollout_support import write_repo

from platform_cli.errors import InvalidFile, UserError
from platform_cli.manifest import load_manifest
from platform_cli.rollout.settings import METRICS, holds_for, settings_of


def manifest_with(tmp_path: Path, **rollout: object) -> Path:
    return write_repo(tmp_path / "repo", f"sqlite:///{tmp_path / 's.db'}", **rollout) / "ai-feature.yaml"


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_steps_must_widen_and_step_days_cover_each_step_below_100(tmp_path: Path) -> None:
    path = manifest_with(tmp_path, steps=[5, 25, 10, 100], step_days=[7, 7])
    with pytest.raises(InvalidFile) as error:
        load_manifest(path)
    text = str(error.value)
    assert f"ai-feature.yaml:{line_of(path, 'steps:')}" in text and "must increase" in text
    assert f"ai-feature.yaml:{line_of(path, 'step_days:')}" in text and "2 entries for 3 step(s)" in text


def test_an_unknown_guard_or_threshold_is_a_located_schema_error(tmp_path: Path) -> None:
    path = manifest_with(tmp_path, guards={"latency": {"relative": 0.1}, "refusal_rate": {"relativ": 0.1}})
    with pytest.raises(InvalidFile) as error:
        load_manifest(path)
    assert "latency" in str(error.value) and "relativ" in str(error.value)


def test_defaults_per_guard_and_holds_shared_from_the_soak(tmp_path: Path) -> None:
    path = manifest_with(tmp_path, steps=[1, 5, 25, 100], step_days=None, soak_days=42,
                         guards={"refusal_rate": {"absolute": 0.03}})  # fmt: skip
    settings = settings_of(load_manifest(path))
    assert settings.holds == (14.0, 14.0, 14.0)  # 42 days shared by the three steps below 100%
    refusal = settings.guard("refusal_rate")
    assert refusal is not None and (refusal.absolute, refusal.relative) == (
        0.03,
        METRICS["refusal_rate"].relative,
    )
    assert refusal.allowance(0.02) == 0.03 and refusal.allowance(0.4) == pytest.approx(0.1)
    assert holds_for([10, 50], 30, None) == [15.0, 15.0] and holds_for([100], 30, None) == []


def test_a_manifest_without_a_plan_says_what_to_add(tmp_path: Path) -> None:
    path = manifest_with(tmp_path)
    data = yaml.safe_load(path.read_text())
    del data["spec"]["rollout"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UserError, match=r"spec.rollout.steps is missing.*steps: \[1, 5, 25, 100\]"):
        settings_of(load_manifest(path))
