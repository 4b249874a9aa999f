"""The pre-commit gate's question: does this change touch anything the readiness rules read?

`platform readiness check FILE...` (what the pre-commit hook runs, with the files a commit changes) runs
the whole check only when it could come out differently because of these files; otherwise it returns at
once. A change needs the whole check when any of these holds:

- a changed file is something a built-in fact reads: the manifest, waivers, catalog entry, template
  answers, runbook, price table, .gitignore, .env, anything under prompts/, evals/ or monitoring/, any data or
  config file (.yaml/.yml/.json/.jsonl/.csv: eval datasets and rule packs may live anywhere), or
  application source the inline-prompt scan reads;
- a changed file does not exist (deleted or renamed away), or git reports a staged deletion (pre-commit
  does not pass deleted files to hooks): the `files` fact and required files depend on presence;
- a fact collector plugin is installed (a plugin may read any file); rule packs are YAML files, so a
  changed rule file is already a data file above;
- a changed file holds something the secret scan reports (the whole check then says so, as the gate).

Everything else (docs, tests, build files, the README's text...) is only ever read by the secret scan,
which runs here on exactly those files. What a commit cannot change is not re-checked by the hook: the
shared store's state and the date (waiver expiry, eval freshness) are the full check's job, in CI.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

# Files and directories built-in facts read (besides the listing of files and the secret scan).
READ_FILES = frozenset(
    {
        "ai-feature.yaml",
        "waivers.yaml",
        "catalog-info.yaml",
        ".copier-answers.yml",
        ".cruft.json",
        "RUNBOOK.md",
        "prices.json",
        ".gitignore",
        ".env",  # the dotenv secrets backend (key ages); git ignores it, so a hook rarely sees it
    }
)
READ_DIRS = ("prompts", "evals", "monitoring", ".github")
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jsonl", ".csv"})


def read_by_rules(path: str) -> bool:
    """True when a built-in fact reads the repo-relative `path` (beyond listing it and scanning it for
    secrets): its content can change a finding."""
    from platform_cli.scanners.prompts import is_scanned_source

    pure = PurePosixPath(path)
    if path in READ_FILES or pure.suffix.lower() in DATA_SUFFIXES:
        return True
    if pure.parts[:1] and pure.parts[0] in READ_DIRS:
        return True
    return path == ".gitlab-ci.yml" or is_scanned_source(path)


def full_check_reason(root: Path, files: Sequence[str | Path], *, plugins: bool | None = None) -> str | None:
    """Why the change to `files` (paths as given, relative to the current directory or absolute) needs the
    whole check, or None when nothing the rules read changed and no changed file holds a secret."""
    base = root.resolve()
    relative: list[str] = []
    for given in files:
        path = Path(given).absolute()
        try:
            rel = path.resolve().relative_to(base).as_posix() if path.exists() else None
        except ValueError:
            return f"{given} is outside the repository {root}"
        if rel is None:
            return f"{given} no longer exists (a required file may be gone)"
        if path.is_dir():
            return f"{given} is a directory (anything below it may be read)"
        if read_by_rules(rel):
            return f"{rel} is read by the readiness rules"
        relative.append(rel)
    deleted = _staged_deletions(base)
    if deleted:
        return f"the commit deletes {deleted[0]}" + (
            f" and {len(deleted) - 1} more" if len(deleted) > 1 else ""
        )
    if plugins if plugins is not None else _plugins_installed():
        return "a fact collector plugin is installed (it may read any file)"
    secret = _first_secret(base, relative)
    if secret is not None:
        return f"{secret} holds a secret-like string"
    return None


def _staged_deletions(root: Path) -> list[str]:
    """Files the index deletes (pre-commit never passes them); none when this is not a git repo."""
    if not (root / ".git").exists():
        return []
    try:
        proc = subprocess.run(
            ["git", "diff", "--cached", "--name-only", "--diff-filter=D", "-z"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return ["(git could not be asked)"]
    if proc.returncode != 0:
        return ["(git could not be asked)"]
    return [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]


def _plugins_installed() -> bool:
    from platform_cli.entrypoints import entry_points_of
    from platform_cli.readiness.facts.registry import ENTRY_POINT_GROUP

    return bool(entry_points_of(ENTRY_POINT_GROUP))


def _first_secret(root: Path, files: Sequence[str]) -> str | None:
    from platform_cli.scanners.secrets import scan_text
    from platform_cli.scanners.textfiles import read_text

    for rel in files:
        text = read_text(root / rel)
        if text is not None:
            for hit in scan_text(text, rel):
                return f"{hit.file}:{hit.line}"
    return None
