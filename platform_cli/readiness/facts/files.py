"""Which files a repo holds: the tracked-file list every scan reads, and the `files` fact (expected files)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.scanners.textfiles import read_text

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

# (path, what it is for) of every file or directory a golden-path feature repo is expected to hold.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("ai-feature.yaml", "the feature manifest"),
    ("README.md", "what the feature does and how to run it"),
    ("RUNBOOK.md", "what on-call does when the feature misbehaves"),
    ("catalog-info.yaml", "the Backstage catalog entry"),
    (".copier-answers.yml", "template provenance, needed by `platform template update`"),
    ("waivers.yaml", "readiness waivers"),
    ("prompts/", "the prompt registry sources"),
    ("evals/", "eval datasets and suites"),
    ("tests/", "offline tests"),
    (".gitignore", "keeps .env and .platform/ out of git"),
)
CI_FILES = (".github/workflows/", ".gitlab-ci.yml")


def _is_git_repo(root: Path) -> bool:
    return (root / ".git").exists()


def _git_files(root: Path) -> list[str] | None:
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "-co", "--exclude-standard"],
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


def repo_texts(ctx: RepoContext) -> dict[str, str]:
    """Every readable text file of the repo, read once per check and shared by all scanning collectors."""
    cached = ctx.extra.get("_texts")
    if isinstance(cached, dict):
        return cached
    texts: dict[str, str] = {}
    for rel in ctx.tracked_files:
        text = read_text(ctx.root / rel)
        if text is not None:
            texts[rel] = text
    ctx.extra["_texts"] = texts
    return texts


def _present(path: str, files: list[str]) -> bool:
    if path.endswith("/"):
        return any(f.startswith(path) for f in files)
    return path in files


class FilesCollector:
    """`files`: {expected: [{path, purpose, present}], missing: [path], ci: [path], count: int}.

    Directories (ending in `/`) count as present when git tracks at least one file below them.
    """

    name = "files"

    def collect(self, ctx: RepoContext) -> Fact:
        try:
            files = ctx.tracked_files
        except OSError as exc:
            return Fact.missing(self.name, f"cannot list the files of {ctx.root}: {exc}")
        expected: list[dict[str, Any]] = [
            {"path": path, "purpose": purpose, "present": _present(path, files)} for path, purpose in EXPECTED
        ]
        ci = [path for path in CI_FILES if _present(path, files)]
        value = {
            "expected": expected,
            "missing": [e["path"] for e in expected if not e["present"]],
            "ci": ci,
            "count": len(files),
        }
        return Fact(self.name, value)
