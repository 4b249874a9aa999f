"""The generated repo is the product: render every sample answer set, run its own tests and readiness gate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature

ANSWER_SETS = sorted((templates_dir() / "ai-feature" / "tests" / "answers").glob("*.yml"))
PLATFORM = [sys.executable, "-m", "platform_cli"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PLATFORM_STATE_URL", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PLATFORM_LOG_DIR"] = str(tmp_path / "logs")
    return env


def test_there_are_sample_answer_sets() -> None:
    assert len(ANSWER_SETS) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("answers", ANSWER_SETS, ids=[p.stem for p in ANSWER_SETS])
def test_generated_repo_passes_its_own_tests_and_bronze_readiness(tmp_path: Path, answers: Path) -> None:
    dest = tmp_path / answers.stem
    new_feature(dest, answers_file=answers)
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=dest,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
    check = subprocess.run(
        [*PLATFORM, "readiness", "check", "--level", "bronze", "--format", "json"],
        cwd=dest,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["reached"] in ("bronze", "silver", "gold")
    bronze_failures = [f["rule_id"] for f in report["findings"] if f["level"] == "bronze" and f["failed"]]
    assert bronze_failures == []
    # the gate's own outputs stay clean in git: nothing the tests or the check wrote is untracked
    status = subprocess.run(["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True)
    assert status.stdout == "", status.stdout
