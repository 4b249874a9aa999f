"""`prompts promote --label production` goes through the eval gate: refused without a passing gated run,
an override needs --reason and is recorded, a large behaviour change needs an acknowledged note."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_repos import generated

from platform_cli.cli.main import run
from platform_cli.store import open_store


@pytest.fixture
def repo(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLATFORM_OFFLINE", "1")
    monkeypatch.setenv("PLATFORM_STATE_URL", store_url)
    return generated(tmp_path / "repo")


def _cli(repo: Path, *args: str) -> int:
    return run(["--repo", str(repo), *args])


def _publish_edit(repo: Path, old: str, new: str) -> None:
    prompt = repo / "prompts/summarize.yaml"
    prompt.write_text(prompt.read_text().replace(old, new))
    assert _cli(repo, "prompts", "publish", "summarize") == 0


def test_promotion_needs_a_passing_gated_run_or_a_recorded_override(
    repo: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(repo, "prompts", "publish", "summarize") == 0
    assert _cli(repo, "prompts", "promote", "summarize", "1", "--label", "production", "--reason", "x") == 1
    assert "refused by the eval gate" in capsys.readouterr().err
    assert _cli(repo, "eval", "run", "smoke", "--version", "1") == 0
    assert _cli(repo, "prompts", "promote", "summarize", "1", "--label", "production", "--reason", "ok") == 0
    # v2 has never been evaluated: only an override with a reason gets it through, and it is recorded
    _publish_edit(repo, "Answer in at most two sentences.", "Answer in at most two short sentences.")
    assert _cli(repo, "prompts", "promote", "summarize", "2", "--label", "production", "--override-gate") == 2
    assert _cli(repo, "prompts", "promote", "summarize", "2", "--label", "production", "--override-gate",
                "--reason", "incident 42 hotfix") == 0  # fmt: skip
    with open_store(store_url) as store:
        decisions = store.gate_decisions("summarize")
        moves = store.prompt_label_moves("summarize")
    assert [(d.version, d.outcome, d.reason) for d in decisions] == [
        (2, "overridden", "incident 42 hotfix"),
        (1, "passed", "ok"),
    ]
    assert moves[-1].reason == "incident 42 hotfix [eval gate overridden]"
    # a canary label is not gated
    assert _cli(repo, "prompts", "promote", "summarize", "2", "--label", "canary") == 0


def test_a_large_behaviour_change_needs_an_acknowledged_note(
    repo: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(repo, "prompts", "publish", "summarize") == 0
    assert _cli(repo, "eval", "run", "smoke", "--version", "1") == 0
    with open_store(store_url) as store:
        (first,) = store.eval_runs("smoke")
    assert _cli(repo, "eval", "baseline", "set", first.run_id) == 0
    # every answer changes wording (the offline fake's answers depend on the whole prompt), verdicts do not
    _publish_edit(repo, "Never invent account details.", "Never invent account or billing details.")
    assert _cli(repo, "eval", "run", "smoke", "--version", "2") == 0
    capsys.readouterr()
    assert _cli(repo, "prompts", "promote", "summarize", "2", "--label", "production", "--reason", "v2") == 1
    assert "--behaviour-note" in capsys.readouterr().err
    assert _cli(repo, "prompts", "promote", "summarize", "2", "--label", "production", "--reason", "v2",
                "--behaviour-note", "answers reworded; same facts") == 0  # fmt: skip
    with open_store(store_url) as store:
        (decision,) = store.gate_decisions("summarize")
    assert (decision.outcome, decision.behaviour_note) == ("passed", "answers reworded; same facts")
