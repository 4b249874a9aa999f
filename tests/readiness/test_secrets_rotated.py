"""The `secrets-rotated` rule (silver) on generated repos: what a fresh repo sees and how it gets to pass."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from platform_cli.cli.main import run
from platform_cli.clock import utc_today
from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Finding, Report
from platform_cli.scaffold import new_feature

ANSWERS = {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"}
OPENAI = {"primary_provider": "openai", "primary_model": "gpt-4o-2024-08-06"}


def _today() -> dt.date:
    """The date check_repo uses by default, read when it is used: a module constant went stale when a run
    straddled midnight (the eval run dated the new day, the check the old one)."""
    return utc_today()


def _finding(report: Report) -> Finding:
    return next(f for f in report.findings if f.rule.id == "secrets-rotated")


@pytest.fixture(scope="module")
def openai_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("openai") / "support-summarizer"
    new_feature(dest, {**ANSWERS, **OPENAI})  # env-file backend by default, no .env yet
    return dest


@pytest.fixture
def openai_repo(openai_template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "support-summarizer"
    shutil.copytree(openai_template, root, symlinks=True)
    return root


def _rotate(root: Path) -> None:
    # what the rule says to run, with a test command standing in for the real OpenAI models call
    rotate = ["--repo", str(root), "secrets", "rotate", "OPENAI_API_KEY", "--generate"]
    assert run([*rotate, "--test-command", "true"]) == 0


def test_fresh_offline_repo_passes(tmp_path: Path) -> None:
    dest = tmp_path / "support-summarizer"
    new_feature(dest, dict(ANSWERS))
    finding = _finding(check_repo(dest, today=_today()))
    assert (finding.status, finding.rule.level) == ("pass", "silver")
    assert finding.messages == ("no secrets declared, so none to rotate",)


def test_fresh_env_file_repo_says_exactly_what_to_run_then_passes(
    openai_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = check_repo(openai_repo, today=_today())
    finding = _finding(report)
    assert finding.status == "fail"
    assert finding.messages == (
        "OPENAI_API_KEY has never been set in env-file .env: "
        "run `platform secrets rotate OPENAI_API_KEY --stdin`",
    )
    lines = (openai_repo / "ai-feature.yaml").read_text(encoding="utf-8").splitlines()
    assert (finding.locations[0].file, finding.locations[0].line) == (
        "ai-feature.yaml",
        next(i for i, line in enumerate(lines) if "- name: OPENAI_API_KEY" in line) + 1,
    )
    assert report.blocking("bronze") == []  # silver: a fresh repo still reaches bronze

    _rotate(openai_repo)
    capsys.readouterr()
    passed = _finding(check_repo(openai_repo, today=_today()))
    assert passed.status == "pass"
    assert passed.messages[0].startswith(
        "every declared secret is within its rotation period: OPENAI_API_KEY (0 of 90"
    )


def test_an_overdue_key_fails_with_its_age(openai_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _rotate(openai_repo)
    sidecar = openai_repo / ".env.meta.json"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    data["secrets"]["OPENAI_API_KEY"]["current_created"] = "2026-01-01T00:00:00Z"
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    finding = _finding(check_repo(openai_repo, today=dt.date(2026, 6, 1)))
    assert finding.status == "fail"
    assert finding.messages == (
        "OPENAI_API_KEY in env-file is 151 days old, past its 90-day rotation period (due 2026-04-01): "
        "run `platform secrets rotate OPENAI_API_KEY --stdin`",
    )


def test_an_unreachable_backend_is_unknown_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "billing"
    new_feature(dest, {**ANSWERS, **OPENAI, "secrets_backend": "vault"})
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.delenv("BAO_ADDR", raising=False)
    finding = _finding(check_repo(dest, today=_today()))
    assert finding.status == "unknown"
    assert finding.messages[0].startswith(
        "cannot check: OPENAI_API_KEY: secret OPENAI_API_KEY is in vault but VAULT_ADDR"
    )
