"""Scan for committed secrets: the working tree, or every blob in git history (`platform secrets scan`).

The scanning itself is `platform_cli.scanners.secrets` (the same scanner the `no-committed-secrets` rule
uses); this module only finds the texts and, for history, the commit that introduced each finding.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.errors import UserError
from platform_cli.scanners.repofiles import list_repo_files
from platform_cli.scanners.secrets import Hit, scan_text, scan_tree
from platform_cli.scanners.textfiles import MAX_TEXT_BYTES, read_text


@dataclass(frozen=True)
class Finding:
    """A scanner hit, plus where in history it was committed (None for a working-tree scan)."""

    hit: Hit
    commit: str | None = None
    blob: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = self.hit.as_dict()
        if self.commit is not None or self.blob is not None:
            data.update({"commit": self.commit, "blob": self.blob})
        return data


def scan_worktree(root: Path) -> tuple[int, list[Finding]]:
    """(files scanned, findings) over the files git lists (tracked plus untracked, not ignored)."""
    files = list_repo_files(root)
    return len(files), [Finding(hit) for hit in scan_tree(root, files)]


def scan_file(path: Path) -> tuple[int, list[Finding]]:
    """(1, findings) for one file, each hit naming `path` as given; a binary or oversized file has none."""
    text = read_text(path)
    hits = scan_text(text, str(path)) if text is not None else []
    return 1, [Finding(hit) for hit in hits]


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise UserError(f"cannot run git ({exc.strerror}); --history needs git on PATH") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"{root}: git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def scan_history(root: Path) -> tuple[int, list[Finding]]:
    """(blobs scanned, findings) over every blob reachable from any ref, each with its first commit."""
    if not (root / ".git").exists():
        raise UserError(f"{root} is not a git repository; --history needs one (scan the tree without it)")
    listed = _git(root, "rev-list", "--all", "--objects").decode("utf-8", "surrogateescape")
    paths: dict[str, str] = {}
    for line in listed.splitlines():
        sha, _, path = line.partition(" ")
        if path:
            paths.setdefault(sha, path)
    if not paths:
        return 0, []
    checked = _git(
        root,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype) %(objectsize)",
        stdin="\n".join(paths).encode() + b"\n",
    ).decode()
    blobs = [
        sha
        for sha, kind, size in (line.split() for line in checked.splitlines() if line.count(" ") == 2)
        if kind == "blob" and int(size) <= MAX_TEXT_BYTES
    ]
    contents = _git(root, "cat-file", "--batch", stdin="\n".join(blobs).encode() + b"\n")
    findings: list[Finding] = []
    offset = 0
    for _ in blobs:
        header_end = contents.index(b"\n", offset)
        sha, _kind, size = contents[offset:header_end].decode().split()
        start = header_end + 1
        data = contents[start : start + int(size)]
        offset = start + int(size) + 1
        if b"\0" in data[:8192]:
            continue
        hits = scan_text(data.decode("utf-8", "replace"), paths[sha])
        if hits:
            commit = _first_commit(root, sha)
            findings.extend(Finding(hit, commit=commit, blob=sha) for hit in hits)
    findings.sort(key=lambda f: (f.hit.file, f.hit.line, f.commit or ""))
    return len(blobs), findings


def _first_commit(root: Path, blob: str) -> str | None:
    """The oldest commit that added `blob` (abbreviated), or None when git cannot tell."""
    out = _git(root, "log", "--all", "--reverse", "--format=%h", f"--find-object={blob}").decode().split()
    return out[0] if out else None
