"""Which files a repository holds: what git tracks (plus untracked, not ignored), else a directory walk.

Every scan of a repo reads this list: the readiness collectors and `platform secrets scan`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Directories never worth reading when the repo is not a git repo (or git is unavailable).
SKIP_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        "node_modules",
        ".platform",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        "dist",
        "build",
    }
)


def _is_git_repo(root: Path) -> bool:
    return (root / ".git").exists()


def _git_files(root: Path, *, untracked: bool = True) -> list[str] | None:
    options = ["-co", "--exclude-standard"] if untracked else ["-c"]
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", *options],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    # ls-files still lists tracked files deleted from the work tree; only existing files can be read.
    return sorted({n for n in names if n and (root / n).is_file()})


def _walk_files(root: Path) -> list[str]:
    found: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        rel_dir = Path(current).relative_to(root)
        for name in files:
            found.append((rel_dir / name).as_posix())
    return sorted(found)


def list_repo_files(root: Path) -> list[str]:
    """Repo-relative POSIX paths: `git ls-files -co --exclude-standard` in a git repo, else a walk."""
    if _is_git_repo(root):
        listed = _git_files(root)
        if listed is not None:
            return listed
    return _walk_files(root)


def committed_files(root: Path) -> set[str] | None:
    """The files git tracks (committed or staged), or None outside a git repository."""
    if not _is_git_repo(root):
        return None
    listed = _git_files(root, untracked=False)
    return set(listed) if listed is not None else None
