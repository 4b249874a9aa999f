"""`scaffold --force` never loses work: generated repos are refused, uncommitted files are never overwritten,
and every file it does overwrite is listed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from platform_cli.cli.main import run

PROMPT = "prompts/summarize.yaml"


def _new(dest: Path, *extra: str) -> int:
    return run(
        [
            "scaffold",
            "new-ai-feature",
            str(dest),
            "--defaults",
            "--data",
            "name=Support Summarizer",
            "--data",
            "eval_owner=jane.doe@example.com",
            *extra,
        ]
    )


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_force_on_a_generated_repo_is_refused_and_keeps_a_committed_prompt_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "feature"
    assert _new(repo, "--quiet") == 0
    edited = (repo / PROMPT).read_text() + "# tuned after the March evals\n"
    (repo / PROMPT).write_text(edited)
    _git(repo, "commit", "-qam", "tune the summarize prompt")
    before = _snapshot(repo)
    capsys.readouterr()

    assert _new(repo, "--force") == 4
    err = capsys.readouterr().err
    assert "already a generated repository" in err and "platform template update" in err
    assert (repo / PROMPT).read_text() == edited
    assert _snapshot(repo) == before


def test_without_force_a_generated_repo_is_bad_input_with_the_same_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "feature"
    assert _new(repo, "--quiet") == 0
    capsys.readouterr()
    assert _new(repo) == 2
    err = capsys.readouterr().err
    assert "platform template update" in err and "--force" not in err


def _git_dir_with_readme(tmp_path: Path, text: str = "# our service\n") -> Path:
    dest = tmp_path / "svc"
    dest.mkdir()
    _git(dest, "init", "-q", "-b", "main")
    (dest / "README.md").write_text(text)
    (dest / "notes.txt").write_text("mine\n")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "start")
    return dest


def test_force_overwrites_only_committed_files_and_lists_each_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = _git_dir_with_readme(tmp_path)
    capsys.readouterr()
    assert _new(dest, "--force") == 0
    out = capsys.readouterr().out
    assert "overwrote 1 file(s)" in out and "  README.md" in out
    assert (dest / "notes.txt").read_text() == "mine\n"
    assert (dest / "ai-feature.yaml").is_file()
    # the previous content is one `git checkout` away
    assert _git(dest, "show", "HEAD:README.md") == "# our service\n"


def test_force_reports_overwrites_in_json_and_in_a_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = _git_dir_with_readme(tmp_path)
    capsys.readouterr()
    assert _new(dest, "--force", "--dry-run", "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overwritten"] == ["README.md"] and report["dry_run"] is True
    assert (dest / "README.md").read_text() == "# our service\n"
    assert _new(dest, "--force", "--dry-run") == 0
    assert "README.md  (overwrites the existing file)" in capsys.readouterr().out


def test_force_refuses_to_overwrite_an_uncommitted_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = _git_dir_with_readme(tmp_path)
    (dest / "README.md").write_text("# our service\nwork in progress\n")
    before = _snapshot(dest)
    capsys.readouterr()
    assert _new(dest, "--force") == 4
    err = capsys.readouterr().err
    assert "README.md" in err and "uncommitted" in err and "nothing was written" in err
    assert _snapshot(dest) == before


def test_force_refuses_to_overwrite_an_untracked_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = _git_dir_with_readme(tmp_path)
    (dest / "pyproject.toml").write_text("[project]\nname = 'mine'\n")  # never added to git
    before = _snapshot(dest)
    assert _new(dest, "--force") == 4
    assert "pyproject.toml" in capsys.readouterr().err
    assert _snapshot(dest) == before


def test_force_outside_git_refuses_to_replace_existing_files_but_adds_new_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "plain"
    dest.mkdir()
    (dest / "README.md").write_text("# notes I have nowhere else\n")
    assert _new(dest, "--force") == 4
    assert "not a git repository" in capsys.readouterr().err
    assert (dest / "README.md").read_text() == "# notes I have nowhere else\n"
    assert not (dest / "ai-feature.yaml").exists()

    (dest / "README.md").unlink()
    (dest / "notes.txt").write_text("mine\n")
    assert _new(dest, "--force", "--quiet") == 0
    assert (dest / "notes.txt").read_text() == "mine\n"
