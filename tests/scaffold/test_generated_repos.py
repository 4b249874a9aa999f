"""The generated repo is the product: render every sample answer set, run its own tests and readiness gate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature

ANSWER_SETS = sorted((templates_dir() / "ai-feature" / "tests" / "answers").glob("*.yml"))
PLATFORM = [sys.executable, "-m", "platform_cli"]
# Rules a freshly generated repo cannot pass before its team has done something real: published and
# promoted a prompt, rotated a key into the backend, run the evals, held a drill, registered in the catalog.
NEEDS_DATA = {
    "prompt-label-production",
    "secrets-rotated",
    "eval-fresh",
    "eval-baseline",
    "rollback-ready",
    "catalog-registered",
    "cost-dashboard",
}


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
def test_generated_repo_passes_its_own_tests_and_readiness_fails_only_for_missing_data(
    tmp_path: Path, answers: Path, request: pytest.FixtureRequest
) -> None:
    dest = tmp_path / answers.stem
    new_feature(dest, answers_file=answers)
    env = _env(tmp_path)
    if "${" in yaml.safe_load((dest / "ai-feature.yaml").read_text())["spec"]["state"]["url"]:
        # a production preset shares state: CI gives it the team's PostgreSQL (here a fresh, empty database)
        env["PLATFORM_STATE_URL"] = request.getfixturevalue("postgres_url")
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
    check = subprocess.run(
        [*PLATFORM, "readiness", "check", "--format", "json"],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode in (0, 1), check.stdout + check.stderr
    report = json.loads(check.stdout)
    levels = ["bronze", "silver", "gold"]
    required = levels.index(report["required_level"])
    blocking = [
        f
        for f in report["findings"]
        if f["failed"] and f["severity"] == "error" and levels.index(f["level"]) <= required
    ]
    # a fresh repo fails only rules that need data it cannot have yet, and those say what to run
    assert {f["rule_id"] for f in blocking} <= NEEDS_DATA, blocking
    assert all("platform " in f["remediation"] for f in blocking)
    assert [f["rule_id"] for f in report["findings"] if f["level"] == "bronze" and f["failed"]] == []
    # catalog-info.yaml is a valid Backstage Component that agrees with the manifest, for every answer set
    [catalog] = [f for f in report["findings"] if f["rule_id"] == "catalog-registered"]
    assert catalog["status"] == "pass", catalog
    assert (check.returncode == 0) == (not blocking)
    # the gate's own outputs stay clean in git: nothing the tests or the check wrote is untracked
    status = subprocess.run(["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True)
    assert status.stdout == "", status.stdout


def test_the_template_also_renders_with_plain_copier(tmp_path: Path) -> None:
    """`copier copy` and `copier update` run without platform-cli's extra context: the template copes."""
    from copier import run_copy

    run_copy(
        str(templates_dir() / "ai-feature"),
        tmp_path / "plain",
        data={"name": "Plain Copier", "eval_owner": "jane@example.com"},
        defaults=True,
        quiet=True,
    )
    assert "platform-cli~=" in (tmp_path / "plain" / "pyproject.toml").read_text()
    assert "template-version" in (tmp_path / "plain" / "catalog-info.yaml").read_text()


def test_generated_ci_runs_the_readiness_commands_it_declares(tmp_path: Path) -> None:
    """The gate lines in the generated GitHub and GitLab CI are real invocations that write their reports."""
    import shlex

    import yaml

    dest = tmp_path / "repo"
    new_feature(dest, {"name": "Support Summarizer", "eval_owner": "jane@example.com"})
    github = yaml.safe_load((dest / ".github/workflows/ai-feature.yml").read_text())
    gitlab = yaml.safe_load((dest / ".gitlab-ci.yml").read_text())
    steps = [s.get("run", "") for job in github["jobs"].values() for s in job["steps"]]
    scripts = [line for job in gitlab.values() if isinstance(job, dict) for line in job.get("script", [])]
    gates = [line for line in [*steps, *scripts] if line.startswith("platform readiness check")]
    assert len(gates) == 2, gates
    catalog = [line for line in [*steps, *scripts] if line.startswith("platform catalog validate")]
    assert len(catalog) == 2, catalog
    gates += catalog
    for line in gates:
        done = subprocess.run(
            [*PLATFORM, *shlex.split(line)[1:]],
            cwd=dest,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    sarif = json.loads((dest / "readiness.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert (dest / "readiness-junit.xml").read_text().startswith("<?xml")
    assert github["jobs"]["test-and-readiness"]["steps"][-1]["with"]["sarif_file"] == "readiness.sarif"
    assert gitlab["readiness"]["artifacts"]["reports"]["junit"] == "readiness-junit.xml"
