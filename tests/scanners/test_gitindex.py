"""The file list read from the git index must be exactly what `git ls-files -co --exclude-standard` says,
and must step aside (None: ask git) whenever the index alone cannot say it. Every case runs real git."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.scanners import repofiles
from platform_cli.scanners.gitindex import index_listing


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def _repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    return root


def _from_git(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], set[str]] | None:
    """What the listing says when git itself is asked (the index reader switched off)."""
    with monkeypatch.context() as patch:
        patch.setattr(repofiles, "index_listing", lambda root: None)
        return repofiles._git_listing(root)


FILES = {
    ".gitignore": ".env\n.platform/\n",
    "ai-feature.yaml": "name: demo\n",
    "src/app.py": "x = 1\n",
    "src/deep/er/mod.py": "y = 2\n",
    "prompts/a name with spaces é.yaml": "name: a\n",
    "gone.txt": "bye\n",
}


def _deleted(root: Path) -> None:
    (root / "gone.txt").unlink()


def _staged(root: Path) -> None:
    (root / "src" / "new.py").write_text("z = 3\n")
    _git(root, "add", "src/new.py")


def _modified(root: Path) -> None:
    (root / "src" / "app.py").write_text("x = 2\n")


def _long_name(root: Path) -> None:
    name = "n" * 5000 + ".txt"  # longer than the 12-bit length in an index entry's flags
    (root / "src" / "deep" / name[:200]).write_text("long\n")
    _git(root, "add", "-A")


def _symlink(root: Path) -> None:
    os.symlink("app.py", root / "src" / "link.py")
    os.symlink("deep", root / "src" / "dirlink")  # a tracked symlink to a directory is not a file
    _git(root, "add", "-A")


@pytest.mark.parametrize("change", [None, _deleted, _staged, _modified, _long_name, _symlink])
def test_clean_checkouts_are_read_from_the_index_exactly_as_git_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None] | None
) -> None:
    root = _repo(tmp_path / "repo", FILES)
    if change is not None:
        change(root)
    from_index = index_listing(root)
    assert from_index is not None
    assert from_index == _from_git(root, monkeypatch)
    assert repofiles.repo_listing(root) == from_index


def _untracked(root: Path) -> None:
    (root / "new.py").write_text("y = 2\n")


def _ignored(root: Path) -> None:
    (root / ".env").write_text("SECRET=1\n")


def _ignored_dir(root: Path) -> None:
    (root / ".platform").mkdir()
    (root / ".platform" / "state.db").write_text("")


def _empty_dir(root: Path) -> None:
    (root / "src" / "empty").mkdir()


def _replaced_by_dir(root: Path) -> None:
    (root / "gone.txt").unlink()
    (root / "gone.txt").mkdir()
    (root / "gone.txt" / "inside").write_text("")


def _conflict(root: Path) -> None:
    _git(root, "checkout", "-q", "-b", "other")
    (root / "src" / "app.py").write_text("x = 'other'\n")
    _git(root, "commit", "-q", "-am", "other")
    _git(root, "checkout", "-q", "main")
    (root / "src" / "app.py").write_text("x = 'main'\n")
    _git(root, "commit", "-q", "-am", "main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=root, capture_output=True, check=False)


def _skip_worktree(root: Path) -> None:
    _git(root, "update-index", "--skip-worktree", "src/app.py")


def _intent_to_add(root: Path) -> None:
    (root / "later.py").write_text("")
    _git(root, "add", "-N", "later.py")


def _index_v4(root: Path) -> None:
    _git(root, "update-index", "--index-version", "4")


def _split_index(root: Path) -> None:
    _git(root, "update-index", "--split-index")


def _worktree_config(root: Path) -> None:
    _git(root, "config", "core.worktree", str(root))


@pytest.mark.parametrize(
    "change",
    [
        _untracked,
        _ignored,
        _ignored_dir,
        _empty_dir,
        _replaced_by_dir,
        _conflict,
        _skip_worktree,
        _intent_to_add,
        _index_v4,
        _split_index,
        _worktree_config,
    ],
)
def test_anything_the_index_alone_cannot_answer_is_left_to_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None]
) -> None:
    root = _repo(tmp_path / "repo", FILES)
    change(root)
    assert index_listing(root) is None
    assert repofiles.repo_listing(root) == _from_git(root, monkeypatch)


def test_environment_that_redirects_git_and_bad_indexes_are_left_to_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path / "repo", FILES)
    assert index_listing(root) is not None
    with monkeypatch.context() as patch:
        patch.setenv("GIT_INDEX_FILE", str(tmp_path / "other-index"))
        assert index_listing(root) is None
    index = root / ".git" / "index"
    good = index.read_bytes()
    for bad in (b"", b"DIRC", good[:-25], b"XXXX" + good[4:], good[:40] + b"\xff" * 30 + good[70:]):
        index.write_bytes(bad)
        assert index_listing(root) is None
    index.unlink()  # nothing ever added: every file is untracked
    assert index_listing(root) is None
    (root / ".git").rename(root / "gitdir")
    (root / ".git").write_text(f"gitdir: {root / 'gitdir'}\n")  # a linked work tree: .git is a file
    assert index_listing(root) is None
