"""`scaffold --force` never loses work: what it may overwrite in an existing directory, and what it refuses.

Two refusals (exit 4): a directory that already is a generated repository (re-rendering over it would
silently revert the team's committed edits: template changes arrive through `platform template update`,
which merges them), and overwriting a file whose content is not safely committed in git (modified,
staged, untracked or ignored, or the directory is not a git repository at all). Files whose content the
template leaves unchanged are not overwrites; every real overwrite is listed in the result.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from platform_cli.errors import Refused, UserError

# Files only a rendered template leaves behind: copier's answers, cruft's record, the AI-feature manifest.
GENERATED_MARKERS = (".copier-answers.yml", ".copier-answers.yaml", ".cruft.json", "ai-feature.yaml")


def refuse_generated_repo(dest: Path, force: bool) -> None:
    """Refuse a `dest` generated from a template (it holds one of GENERATED_MARKERS): exit 4 with --force
    (the unsafe request), exit 2 without it (an occupied destination), pointing at template updates."""
    found = [name for name in GENERATED_MARKERS if (dest / name).is_file()]
    if found:
        error = Refused if force else UserError
        raise error(
            f"{dest}: already a generated repository ({found[0]} is there); re-scaffolding over it would "
            "revert your committed changes to the template's files. Pull template changes with "
            "`platform template update` (a three-way merge that keeps your edits), or scaffold into a "
            "new directory"
        )


def overwritten_files(staging: Path, dest: Path, names: list[str]) -> list[str]:
    """The rendered files (repo-relative `names` under `staging`) that exist in `dest` with other content."""
    changed = []
    for name in names:
        target = dest / name
        if target.is_file() and target.read_bytes() != (staging / name).read_bytes():
            changed.append(name)
        elif target.exists() and not target.is_file():
            changed.append(name)  # a directory (or socket...) where the template puts a file
    return changed


def refuse_uncommitted(dest: Path, overwritten: list[str]) -> None:
    """Refused when any of `overwritten` holds content git could not give back after the overwrite."""
    if not overwritten:
        return
    unsafe, in_git = _not_committed(dest, overwritten)
    if not unsafe:
        return
    shown = ", ".join(unsafe[:10]) + (f" and {len(unsafe) - 10} more" if len(unsafe) > 10 else "")
    where = "they have uncommitted changes" if in_git else "the directory is not a git repository"
    raise Refused(
        f"{dest}: --force would overwrite {len(unsafe)} file(s) whose content is not committed ({where}): "
        f"{shown}. Commit or move them first, then run again; nothing was written"
    )


def _not_committed(dest: Path, names: list[str]) -> tuple[list[str], bool]:
    """(`names` whose content is not committed, whether `dest` is in a git work tree at all)."""
    inside = _git(dest, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.strip() != "true":
        return names, False
    prefix = (_git(dest, "rev-parse", "--show-prefix") or "").strip()
    status = _git(
        dest, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching", "--", *names
    )
    if status is None:
        return names, True  # git could not tell: assume the worst
    dirty = set()
    entries = iter(status.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        if entry[0] in "RC":
            next(entries, None)  # a rename's second field is its old path
        path = entry[3:]
        dirty.add(path[len(prefix) :] if prefix and path.startswith(prefix) else path)
    return [name for name in names if name in dirty], True


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except (FileNotFoundError, OSError):
        return None
    return done.stdout if done.returncode == 0 else None
