"""Which files a repository holds: what git tracks (plus untracked, not ignored), else a directory walk.

Every scan of a repo reads this list: the readiness collectors and `platform secrets scan`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from platform_cli.scanners.gitindex import index_listing

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


def _git_listing(root: Path) -> tuple[list[str], set[str]] | None:
    """One `git ls-files -t -co --exclude-standard`: (every listed file, the tracked ones), both limited
    to files that exist (ls-files still lists tracked files deleted from the work tree); None when git
    cannot list them. `-t` tags untracked files `?`, tracked ones with their state (H, S, M, C, R, K).
    A clean checkout's index gives the same answer without running git (`gitindex.index_listing`)."""
    from_index = index_listing(root)
    if from_index is not None:
        return from_index
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "-t", "-co", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    listed: set[str] = set()
    tracked: set[str] = set()
    for entry in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        tag, _, name = entry.partition(" ")
        if not name or len(tag) != 1:
            continue
        listed.add(name)
        if tag != "?":
            tracked.add(name)
    existing = {n for n in listed if (root / n).is_file()}
    return sorted(existing), tracked & existing


def _walk_files(root: Path) -> list[str]:
    found: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        rel_dir = Path(current).relative_to(root)
        for name in files:
            found.append((rel_dir / name).as_posix())
    return sorted(found)


def repo_listing(root: Path) -> tuple[list[str], set[str] | None]:
    """`list_repo_files(root)` and `committed_files(root)` from one git call (scans read both)."""
    if _is_git_repo(root):
        listed = _git_listing(root)
        if listed is not None:
            return listed
        return _walk_files(root), None
    return _walk_files(root), None


def list_repo_files(root: Path) -> list[str]:
    """Repo-relative POSIX paths: `git ls-files -co --exclude-standard` in a git repo, else a walk."""
    return repo_listing(root)[0]


def committed_files(root: Path) -> set[str] | None:
    """The files git tracks (committed or staged), or None outside a git repository."""
    if not _is_git_repo(root):
        return None
    listed = _git_listing(root)
    return listed[1] if listed is not None else None
