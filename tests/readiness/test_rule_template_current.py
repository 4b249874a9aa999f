"""Rules template-current (gold) and template-current-major (silver) on real generated repos."""

from __future__ import annotations

from pathlib import Path

import pytest
from template_copies import released_copy

from platform_cli.cli.main import run
from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Finding, Report
from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature
from platform_cli.scaffold.releases import releases

ANSWERS = {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"}


def _finding(report: Report, rule_id: str) -> Finding:
    return next(f for f in report.findings if f.rule.id == rule_id)


def test_a_fresh_repo_is_on_the_latest_release(tmp_path: Path) -> None:
    repo = new_feature(tmp_path / "feature", dict(ANSWERS)).dest
    report = check_repo(repo)
    current = _finding(report, "template-current")
    assert current.status == "pass" and current.rule.level == "gold"
    latest = releases(templates_dir() / "ai-feature")[-1].ref
    assert f"on the latest release of platform-cli:templates/ai-feature ({latest})" in current.messages[0]
    assert _finding(report, "template-current-major").status == "pass"


@pytest.fixture
def template_copy(tmp_path: Path) -> Path:
    return released_copy(tmp_path / "tpl" / "ai-feature")


def _release(template: Path, bump: str) -> str:
    runbook = template / "template" / "RUNBOOK.md.jinja"
    runbook.write_text(runbook.read_text(encoding="utf-8") + f"\nA {bump} change.\n", encoding="utf-8")
    assert run(["templates", "release", str(template), f"--{bump}", "-m", f"a {bump} change"]) == 0
    return releases(template)[-1].ref


@pytest.mark.parametrize(("bump", "silver_fails"), [("minor", False), ("major", True)])
def test_a_repo_behind_its_template_fails_gold_and_a_major_behind_fails_silver(
    template_copy: Path, tmp_path: Path, bump: str, silver_fails: bool
) -> None:
    repo = tmp_path / "feature"
    data = ["--data", "name=Support Summarizer", "--data", "eval_owner=jane.doe@example.com"]
    assert run(["scaffold", "from", str(template_copy), str(repo), "--defaults", "-q", *data]) == 0
    old = releases(template_copy)[-1].ref
    assert _finding(check_repo(repo), "template-current").status == "pass"
    new = _release(template_copy, bump)

    report = check_repo(repo)

    current = _finding(report, "template-current")
    assert current.status == "fail"
    assert f"generated from {template_copy} {old}, 1 release(s) behind {new}" in current.messages[0]
    assert "platform template update" in current.rule.remediation
    assert [(loc.file, loc.line) for loc in current.locations] == [(".copier-answers.yml", 1)]
    major = _finding(report, "template-current-major")
    assert major.rule.level == "silver"
    assert (major.status == "fail") is silver_fails
    if silver_fails:
        assert "1 major version(s) behind" in major.messages[0]
    # after the update the repo is current again
    assert run(["--repo", str(repo), "template", "update"]) == 0
    assert _finding(check_repo(repo), "template-current").status == "pass"
