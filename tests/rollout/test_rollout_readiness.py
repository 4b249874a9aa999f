"""rollout-guarded on real repos: every guard has a source; an active rollout shows its step and state."""

from __future__ import annotations

from pathlib import Path

import pytest
from rollout_support import publish_v1_v2, write_repo

from platform_cli import clock
from platform_cli.cli.main import run
from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Finding


def finding(root: Path) -> Finding:
    report = check_repo(root)
    return next(f for f in report.findings if f.rule.id == "rollout-guarded")


def test_an_active_rollout_shows_its_step_and_guard_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    root = write_repo(tmp_path / "repo", url)
    monkeypatch.setenv(clock.ENV, "2026-03-02T00:00:00Z")
    publish_v1_v2(url)
    assert run(["--repo", str(root), "rollout", "start", "summarize", "2"]) == 0
    found = finding(root)
    assert found.status == "pass"
    (message,) = found.messages
    assert "eval_score from online scoring by refusal, max-length" in message
    assert "Rolling out: summarize v2 at 5% (step 1 of 4, soaking), guards evidence short" in message


def test_a_guard_without_a_source_fails_with_what_is_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    scoring = {"scorers": [{"type": "contains", "field": "x"}]}  # needs an expected value: none usable live
    guards = ["eval_score", "cost_per_request", "fallback_rate"]
    root = write_repo(tmp_path / "repo", url, online_scoring=scoring, guard_metrics=guards)
    manifest = root / "ai-feature.yaml"
    manifest.write_text(manifest.read_text().replace("gpt-4o-mini-2024-07-18", "acme-chat-2026-01-01"))
    found = finding(root)
    assert found.status == "fail"
    text = " ".join(found.messages)
    assert "eval_score has no source: no scorer in online scoring can judge a live answer" in text
    assert "cost_per_request has no source: no price for acme-chat-2026-01-01" in text
    assert "fallback_rate has no source: only one provider" in text
    line = next(i for i, text in enumerate(manifest.read_text().splitlines(), 1) if "guard_metrics" in text)
    assert (found.locations[0].file, found.locations[0].line) == ("ai-feature.yaml", line)
