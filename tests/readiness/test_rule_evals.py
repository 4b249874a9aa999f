"""The eval readiness rules on a generated repo: a fresh repo passes the bronze ones; each planted defect
fails exactly its rule; the silver ones follow real runs and baselines in the store (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from runtime_support import publish_prompts

from platform_cli.cli.main import run
from platform_cli.clock import utc_today
from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Finding, Report
from platform_cli.scaffold import new_feature


def _today() -> dt.date:
    """The date check_repo uses by default, read when it is used: a module constant went stale when a run
    straddled midnight (the eval run dated the new day, the check the old one)."""
    return utc_today()


EVAL_RULES = {"eval-suite-present", "eval-owned", "eval-baseline", "eval-fresh"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("generated") / "support-summarizer"
    new_feature(dest, {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com",
                       "segments": "billing,technical"})  # fmt: skip
    return dest


@pytest.fixture
def repo(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(generated, root, symlinks=True)
    monkeypatch.setenv("PLATFORM_OFFLINE", "1")
    return root


def _failed(report: Report) -> set[str]:
    return {f.rule.id for f in report.findings if f.failed}


def _finding(report: Report, rule: str) -> Finding:
    return next(f for f in report.findings if f.rule.id == rule)


def test_a_fresh_repo_passes_the_bronze_eval_rules_and_silver_says_what_to_run(repo: Path) -> None:
    report = check_repo(repo, today=_today())
    assert not _failed(report) & {"eval-suite-present", "eval-owned"}
    assert {"eval-baseline", "eval-fresh"} <= _failed(report)
    assert "platform eval run" in _finding(report, "eval-fresh").rule.remediation


def test_a_prompt_without_a_suite_fails_only_eval_suite_present(repo: Path) -> None:
    before = _failed(check_repo(repo, today=_today()))
    (repo / "evals/suites/chat.yaml").unlink()
    report = check_repo(repo, today=_today())
    assert _failed(report) - before == {"eval-suite-present"}
    assert "prompt 'chat' has no eval suite" in " ".join(_finding(report, "eval-suite-present").messages)


def test_a_segment_with_too_few_cases_fails_eval_suite_present(repo: Path) -> None:
    dataset = repo / "evals/datasets/smoke.jsonl"
    dataset.write_text(
        "\n".join(line for line in dataset.read_text().splitlines() if '"billing-1"' not in line)
    )
    report = check_repo(repo, today=_today())
    messages = " ".join(_finding(report, "eval-suite-present").messages)
    assert "fewer than 5 cases in billing (4)" in messages


def test_a_team_owner_fails_only_eval_owned(repo: Path) -> None:
    before = _failed(check_repo(repo, today=_today()))
    suite = repo / "evals/suites/smoke.yaml"
    suite.write_text(suite.read_text().replace('owner: "jane.doe@example.com"', "owner: team-support-ai"))
    report = check_repo(repo, today=_today())
    assert _failed(report) - before == {"eval-owned"}
    assert "a team or group" in " ".join(_finding(report, "eval-owned").messages)


def test_silver_eval_rules_follow_runs_baselines_and_the_declared_model(
    repo: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLATFORM_STATE_URL", store_url)
    base = ["--repo", str(repo), "eval"]
    publish_prompts(repo, store_url)  # PostgreSQL: CI publishes v1 (SQLite: published on first use)
    for suite in ("smoke", "chat"):
        assert run([*base, "run", suite, "--format", "json"]) == 0  # production v1
    report = check_repo(repo, today=_today())
    assert "eval-fresh" not in _failed(report)
    assert "has no baseline" in " ".join(_finding(report, "eval-baseline").messages)
    from platform_cli.store import open_store

    with open_store(store_url) as store:
        runs = {r.suite: r.run_id for r in store.eval_runs()}
    for suite in ("smoke", "chat"):
        assert run([*base, "baseline", "set", runs[suite]]) == 0
    assert not _failed(check_repo(repo, today=_today())) & EVAL_RULES
    # a pass goes stale
    later = check_repo(repo, today=_today() + dt.timedelta(days=8))
    assert "last passed smoke 8 days ago (max 7)" in " ".join(_finding(later, "eval-fresh").messages)
    # a changed model in the manifest: the pass no longer counts until the suites pass on the new model
    manifest = repo / "ai-feature.yaml"
    manifest.write_text(manifest.read_text().replace("fake-chat-2025-01-01", "fake-chat-2025-06-01"))
    report = check_repo(repo, today=_today())
    assert "eval-fresh" in _failed(report)
    assert "only on a model ai-feature.yaml no longer declares" in " ".join(
        _finding(report, "eval-fresh").messages
    )
    assert run([*base, "gate"]) == 1


def test_a_check_loads_each_prompt_file_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The suites look up their prompt's output schema and the source scan lists the prompts that do not
    load: one load per file and check, none remembered past the check."""
    from platform_cli.prompts import files

    loads: list[str] = []
    read = files._read_prompt_file

    def counted(path: Path, name: str, display: str | None) -> Any:
        loads.append(name)
        return read(path, name, display)

    monkeypatch.setattr(files, "_read_prompt_file", counted)
    assert not _failed(check_repo(repo, today=_today())) & {"eval-suite-present", "eval-owned"}
    assert sorted(loads) == ["chat", "summarize"]
    check_repo(repo, today=_today())
    assert sorted(loads) == ["chat", "chat", "summarize", "summarize"]
    files.read_prompt_file(repo / "prompts" / "chat.yaml", "chat", display="prompts/chat.yaml")
    files.read_prompt_file(repo / "prompts" / "chat.yaml", "chat", display="prompts/chat.yaml")
    assert loads.count("chat") == 4  # outside a check every call loads
