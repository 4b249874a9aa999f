"""`platform secrets scan`: the working tree and git history, with the existing scanner, values redacted."""

from __future__ import annotations

import json
import random
import string
import subprocess
from pathlib import Path

import pytest

from platform_cli.cli.main import run
from platform_cli.secrets.history import scan_history, scan_worktree


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    """A repo whose second commit removed a committed OpenAI key (so only history still has it)."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    rng = random.Random(3)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40))
    key = f"sk-proj-{body}"
    (root / "settings.py").write_text(f'API_KEY = "{key}"\n', encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "add settings")
    (root / "settings.py").write_text('import os\nAPI_KEY = os.environ["API_KEY"]\n', encoding="utf-8")
    _git(root, "commit", "-q", "-am", "read the key from the environment")
    return root, key


def test_history_finds_what_the_tree_no_longer_has(repo: tuple[Path, str]) -> None:
    root, key = repo
    tree = scan_worktree(root)
    assert (tree.scanned, tree.findings, tree.skipped) == (1, [], [])
    history = scan_history(root)
    assert history.scanned == 2
    (finding,) = history.findings
    first_commit = _git(root, "rev-list", "--max-parents=0", "--abbrev-commit", "HEAD").strip()
    assert (finding.hit.file, finding.hit.line, finding.hit.kind) == ("settings.py", 1, "openai-api-key")
    assert finding.commit == first_commit
    assert finding.hit.preview == f"sk-proj-…{key[-4:]}"


def test_scan_command_exit_codes_and_no_value(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, key = repo
    assert run(["secrets", "scan", str(root)]) == 0
    assert "0 findings in 1 files" in capsys.readouterr().out
    assert run(["secrets", "scan", str(root), "--history", "--format", "json"]) == 1
    out = capsys.readouterr().out
    report = json.loads(out)
    assert (report["count"], report["scanned"], report["history"]) == (1, 2, True)
    assert report["findings"][0]["commit"]
    assert key not in out and key[8:-4] not in out
    assert run(["secrets", "scan", str(root), "--history"]) == 1
    text = capsys.readouterr().out
    assert "settings.py:1:" in text and "OpenAI API key" in text and "(commit " in text
    assert key[8:-4] not in text


def test_history_needs_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["secrets", "scan", str(tmp_path), "--history"]) == 2
    assert "is not a git repository" in capsys.readouterr().err


def test_scan_a_missing_path_is_bad_input_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-dir"
    assert run(["secrets", "scan", str(missing)]) == 2
    captured = capsys.readouterr()
    assert str(missing) in captured.err and "does not exist" in captured.err
    assert "findings" not in captured.out


def test_scan_a_file_path_scans_that_file(
    repo: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _root, key = repo
    leaked = tmp_path / "leaked.py"
    leaked.write_text(f'\nAPI_KEY = "{key}"\n', encoding="utf-8")
    assert run(["secrets", "scan", str(leaked)]) == 1
    out = capsys.readouterr().out
    assert f"{leaked}:2:" in out and "1 finding in 1 files" in out and key[8:-4] not in out
    clean = tmp_path / "clean.py"
    clean.write_text("print('hello')\n", encoding="utf-8")
    assert run(["secrets", "scan", str(clean), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["root"], report["scanned"], report["count"]) == (str(clean), 1, 0)
    assert run(["secrets", "scan", str(clean), "--history"]) == 2
    assert "--history scans a repository" in capsys.readouterr().err
