"""Small things a new user met in a fresh generated repo, each checked where they showed up."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from platform_cli.cli.main import run
from platform_cli.readiness.check import check_repo
from platform_cli.scaffold import new_feature


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("small") / "ticket-triage"
    new_feature(dest, {"name": "Ticket Triage", "eval_owner": "jane@example.com"})
    return dest


def _finding(repo: Path, rule: str) -> tuple[str, list[str]]:
    found = next(f for f in check_repo(repo).findings if f.rule.id == rule)
    return found.status, list(found.messages)


def test_egg_info_is_ignored_and_not_scanned(generated: Path) -> None:
    """Observed: `pip install -e .` left src/*.egg-info untracked, and the secret scan counted it."""
    info = generated / "src" / "ticket_triage.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: ticket-triage\n")
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=generated, capture_output=True, text=True
        )
        assert status.stdout == ""
        state, messages = _finding(generated, "no-committed-secrets")
        tracked = subprocess.run(["git", "ls-files"], cwd=generated, capture_output=True, text=True)
        count = len(tracked.stdout.splitlines())
        assert state == "pass" and messages[0].startswith(f"no API-key-like strings in {count} files ")
    finally:
        for path in info.iterdir():
            path.unlink()
        info.rmdir()


def test_an_untracked_planted_key_is_not_called_committed(generated: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(generated), str(repo)], check=True)
    (repo / "notes.py").write_text('KEY = "sk-proj-' + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz12" + '"\n')
    state, messages = _finding(repo, "no-committed-secrets")
    assert state == "fail" and "is committed" not in messages[0]
    assert messages[0].startswith("notes.py:1: ") and "git does not track yet" in messages[0]
    subprocess.run(["git", "add", "notes.py"], cwd=repo, check=True)
    state, messages = _finding(repo, "no-committed-secrets")
    assert state == "fail" and "is committed" in messages[0]


def test_prompts_registered_names_every_prompt(generated: Path) -> None:
    """Observed: it named only `summarize` although prompts/ holds `chat` too."""
    state, messages = _finding(generated, "prompts-registered")
    assert state == "pass" and "registered prompts: chat, summarize" in messages[0]


def test_a_never_published_prompt_is_not_listed_as_unpublished_changes(
    generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--repo", str(generated), "prompts", "list"]) == 0
    out = capsys.readouterr().out
    assert "unpublished changes" not in out
    assert [line.split()[2:4] for line in out.splitlines()[1:]] == [["never", "published"]] * 2
