"""`platform secrets` commands in process: exit codes, usage errors that say what to do, JSON shapes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from secrets_support import write_repo

from platform_cli.cli.main import run

SPEC = {"name": "API_KEY", "backend": "env-file", "path": ".env", "rotation_days": 90, "owner": "team-demo"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path / "repo", secrets_=[SPEC], kind="fake")


def _run(root: Path, *args: str) -> int:
    return run(["--repo", str(root), "secrets", *args])


def test_rotate_usage_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(repo, "rotate", "API_KEY", "--generate", "--stdin") == 2
    assert "choose one of --generate, --stdin" in capsys.readouterr().err
    assert _run(repo, "rotate", "OTHER_KEY", "--generate") == 2
    assert "OTHER_KEY is not declared in spec.secrets (declared: API_KEY)" in capsys.readouterr().err
    assert _run(repo, "rotate", "API_KEY") == 2
    assert "--generate, --stdin or --command CMD" in capsys.readouterr().err
    assert _run(repo, "rotate", "API_KEY", "--abort") == 2
    assert "no rotation of API_KEY is in progress" in capsys.readouterr().err
    assert _run(repo, "rotate", "API_KEY", "--generate", "--token", "x") == 2
    assert not (repo / ".env").exists()


def test_dry_run_then_rotate_from_stdin_then_status_and_verify(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(repo, "rotate", "API_KEY", "--stdin", "--dry-run") == 0
    assert "dry run: nothing was changed" in capsys.readouterr().out
    assert not (repo / ".env").exists()

    assert _run(repo, "status", "--format", "json") == 1
    assert json.loads(capsys.readouterr().out)["failing"] == ["API_KEY"]

    monkeypatch.setattr("sys.stdin", io.StringIO("sk-from-stdin-0123456789\n"))
    assert _run(repo, "rotate", "API_KEY", "--stdin") == 0
    out = capsys.readouterr().out
    assert "rotated API_KEY: version 1 is current" in out and "sk-from-stdin" not in out
    assert (repo / ".env").read_text(encoding="utf-8") == "API_KEY=sk-from-stdin-0123456789\n"

    assert _run(repo, "status") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == [
        "API_KEY",
        "env-file",
        "0d",
        "90d",
        out.split()[-3],
        "ok",
        "team-demo",
    ]
    assert _run(repo, "verify", "--format", "json") == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["ok"] and result["detail"].startswith("no test: only the offline fake provider")
    assert _run(repo, "verify", "--test-command", "false") == 1
    assert (
        "FAIL  API_KEY (env-file): --test-command (key in $API_KEY): exited 1 (output hidden"
        in capsys.readouterr().out
    )


def test_empty_stdin_changes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert _run(repo, "rotate", "API_KEY", "--stdin") == 2
    assert "stdin gave an empty value" in capsys.readouterr().err
    assert _run(repo, "rotate", "API_KEY", "--generate", "--format", "json") == 0  # a fresh rotation
    report = json.loads(capsys.readouterr().out)
    assert (report["outcome"], report["resumed"]) == ("rotated", False)


@pytest.mark.parametrize("command", ["false", "exit 3", "printf ''", "printf '  \\n \\n'", "kill -TERM $$"])
def test_a_failed_value_command_leaves_no_journal_behind(
    repo: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert _run(repo, "rotate", "API_KEY", "--generate") == 0
    assert _run(repo, "rotate", "API_KEY", "--generate") == 0  # a previous key to roll back to
    capsys.readouterr()
    before = (repo / ".env").read_text(encoding="utf-8")
    assert _run(repo, "rotate", "API_KEY", "--command", command) == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert (repo / ".env").read_text(encoding="utf-8") == before
    meta = json.loads((repo / ".env.meta.json").read_text(encoding="utf-8"))
    assert "rotation" not in meta["secrets"]["API_KEY"]  # no journal: nothing blocks what comes next
    assert _run(repo, "status", "--format", "json") == 0
    assert _run(repo, "verify") == 0
    assert _run(repo, "rollback", "API_KEY") == 0
    assert _run(repo, "rotate", "API_KEY", "--abort") == 2  # nothing in progress to abort


def test_status_without_declared_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_repo(tmp_path / "repo", secrets_=[], kind="fake")
    assert _run(root, "status") == 0
    assert "no secrets declared" in capsys.readouterr().out


def test_every_audit_entry_names_the_repo_and_the_feature(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from platform_cli.manifest import load_manifest

    logs = tmp_path / "logs"
    monkeypatch.setenv("PLATFORM_LOG_DIR", str(logs))
    assert _run(repo, "rotate", "API_KEY", "--generate") == 0
    assert _run(repo, "rotate", "API_KEY", "--generate", "--test-command", "false") == 1
    assert _run(repo, "rotate", "API_KEY", "--generate") == 0
    assert _run(repo, "rollback", "API_KEY") == 0
    capsys.readouterr()
    feature = load_manifest(repo / "ai-feature.yaml").name
    entries = [json.loads(line) for line in (logs / "secrets-audit.jsonl").read_text().splitlines()]
    assert {e["event"] for e in entries} >= {
        "secret.begin",
        "secret.test",
        "secret.finish",
        "secret.rollback",
    }
    assert {(e["repo"], e["feature"], e["location"]) for e in entries} == {
        (str(repo.resolve()), feature, ".env")
    }
    for command in ("rotate", "rollback"):
        assert _run(repo, command, "--help") == 0
        assert "~/.cache/platform-cli/logs/secrets-audit.jsonl" in " ".join(capsys.readouterr().out.split())
