"""CI gates on what the README promises: lint, format, strict types, the tests, and a coverage floor.

`.ci/run` is what CI runs on a clean clone; these tests keep it, the Makefile and the pre-commit config
saying the same thing, and exercise the coverage gate on a real git history.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GATE = ROOT / ".ci" / "coverage_floor.py"
LINT_COMMANDS = ["ruff check", "ruff format --check", "mypy"]


def _make_recipe(target: str) -> list[str]:
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_ci_runs_lint_then_the_tests() -> None:
    steps = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("make ")
    ]
    assert steps == ["make lint", "make test"]
    assert "set -euo pipefail" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_make_lint_runs_ruff_ruff_format_and_strict_mypy() -> None:
    recipe = " ".join(_make_recipe("lint"))
    assert all(command in recipe for command in LINT_COMMANDS), recipe
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r"(?m)^\[tool\.mypy\]\n(?:.*\n)*?strict = true", config)


def test_make_test_gates_on_the_coverage_floor() -> None:
    recipe = " ".join(_make_recipe("test"))
    assert "$(COVERAGE)" in recipe and ".ci/coverage_floor.py coverage.json" in recipe
    floor = float((ROOT / ".ci" / "coverage-floor").read_text(encoding="utf-8"))
    assert floor >= 50.0, "the floor is the measured coverage, not a token number"
    assert "branch = true" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_pre_commit_config_is_valid_and_runs_what_make_lint_runs() -> None:
    config = ROOT / ".pre-commit-config.yaml"
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    entries = " ".join(
        h["entry"] for repo in yaml.safe_load(config.read_text())["repos"] for h in repo["hooks"]
    )
    assert all(command in entries for command in LINT_COMMANDS), entries


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the gate and a floor file."""
    (tmp_path / ".ci").mkdir()
    shutil.copy2(GATE, tmp_path / ".ci" / "coverage_floor.py")
    for args in (["init", "-q"], ["config", "user.email", "ci@example.com"], ["config", "user.name", "CI"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    return tmp_path


def _commit_floor(repo: Path, value: str) -> None:
    (repo / ".ci" / "coverage-floor").write_text(value + "\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", f"floor {value}"], cwd=repo, check=True)


def _gate(repo: Path, percent: float | None) -> subprocess.CompletedProcess[str]:
    report = repo / "coverage.json"
    if percent is not None:
        totals = {"percent_covered": percent, "covered_lines": 1, "num_statements": 2, "covered_branches": 1,
                  "num_branches": 2}  # fmt: skip
        report.write_text(json.dumps({"totals": totals}))
    return subprocess.run(
        [sys.executable, str(repo / ".ci" / "coverage_floor.py"), str(report),
         "--floor", str(repo / ".ci" / "coverage-floor")],
        cwd=repo, capture_output=True, text=True,
    )  # fmt: skip


def test_coverage_at_or_above_the_floor_passes_and_below_fails(repo: Path) -> None:
    _commit_floor(repo, "80.0")
    assert _gate(repo, 80.0).returncode == 0
    high = _gate(repo, 85.3)
    assert high.returncode == 0 and "raise the floor" in high.stdout and "85.3" in high.stdout
    low = _gate(repo, 79.9)
    assert low.returncode == 1 and "below the floor of 80%" in low.stderr


def test_a_floor_lowered_in_history_or_in_the_working_copy_fails(repo: Path) -> None:
    _commit_floor(repo, "80.0")
    (repo / ".ci" / "coverage-floor").write_text("70.0\n")
    edited = _gate(repo, 90.0)
    assert edited.returncode == 1 and "lowers it from 80 to 70" in edited.stderr
    _commit_floor(repo, "70.0")
    committed = _gate(repo, 90.0)
    assert committed.returncode == 1 and "lowered it from 80 to 70" in committed.stderr


def test_unreadable_inputs_exit_2(repo: Path) -> None:
    _commit_floor(repo, "80.0")
    assert _gate(repo, None).returncode == 2  # no coverage.json
