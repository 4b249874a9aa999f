"""Scan for committed secrets: the working tree, or every blob in git history (`platform secrets scan`).

The scanning itself is `platform_cli.scanners.secrets` (the same scanner the `no-committed-secrets` rule
uses); this module only finds the texts and, for history, the commit that introduced each finding.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.errors import UserError
from platform_cli.scanners.repofiles import list_repo_files
from platform_cli.scanners.secrets import Allowlist, Hit, scan_files, scan_text
from platform_cli.scanners.textfiles import MAX_SCAN_BYTES, Skipped, read_for_scan

BATCH_BLOB_BYTES = 2 * 1024 * 1024  # history blobs up to this size are read in one `git cat-file --batch`


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


@dataclass
class ScanOutcome:
    """What a scan found, what inline pragmas allowlisted, and every file or blob it could not scan."""

    scanned: int
    findings: list[Finding] = field(default_factory=list)
    allowlisted: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A finding, or a file that could not be scanned (it cannot be shown clean)."""
        return bool(self.findings) or any(s.blocking for s in self.skipped)


def scan_worktree(root: Path, allowlist: Allowlist | None = None) -> ScanOutcome:
    """The files git lists (tracked plus untracked, not ignored)."""
    report = scan_files(root, list_repo_files(root), allowlist)
    return ScanOutcome(
        report.scanned,
        [Finding(hit) for hit in report.hits],
        [Finding(hit) for hit in report.allowlisted],
        report.skipped,
    )


def scan_file(path: Path, allowlist: Allowlist | None = None) -> ScanOutcome:
    """One file, each hit naming `path` as given."""
    text, skipped = read_for_scan(path)
    if skipped is not None:
        return ScanOutcome(0, skipped=[skipped])
    hits = scan_text(text or "", str(path), allowlist)
    return ScanOutcome(
        1, [Finding(h) for h in hits if not h.allowlisted], [Finding(h) for h in hits if h.allowlisted]
    )


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise UserError(f"cannot run git ({exc.strerror}); --history needs git on PATH") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"{root}: git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def scan_history(root: Path, allowlist: Allowlist | None = None) -> ScanOutcome:
    """Every blob reachable from any ref, each finding with the commit that first added it. Blobs up to
    BATCH_BLOB_BYTES are read in one batch, larger ones one by one, over MAX_SCAN_BYTES named as skipped."""
    if not (root / ".git").exists():
        raise UserError(f"{root} is not a git repository; --history needs one (scan the tree without it)")
    listed = _git(root, "rev-list", "--all", "--objects").decode("utf-8", "surrogateescape")
    paths: dict[str, str] = {}
    for line in listed.splitlines():
        sha, _, path = line.partition(" ")
        if path:
            paths.setdefault(sha, path)
    if not paths:
        return ScanOutcome(0)
    checked = _git(
        root,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype) %(objectsize)",
        stdin="\n".join(paths).encode() + b"\n",
    ).decode()
    sizes = {
        sha: int(size)
        for sha, kind, size in (line.split() for line in checked.splitlines() if line.count(" ") == 2)
        if kind == "blob"
    }
    outcome = ScanOutcome(0)
    small = [sha for sha, size in sizes.items() if size <= BATCH_BLOB_BYTES]
    for sha, data in _batch_contents(root, small):
        _scan_blob(root, sha, paths[sha], data, allowlist, outcome)
    for sha, size in sizes.items():
        if size <= BATCH_BLOB_BYTES:
            continue
        if size > MAX_SCAN_BYTES:
            outcome.skipped.append(
                Skipped(f"{paths[sha]} (blob {sha[:10]})", f"larger than 50 MB ({size} bytes)")
            )
            continue
        _scan_blob(root, sha, paths[sha], _git(root, "cat-file", "blob", sha), allowlist, outcome)
    outcome.findings.sort(key=lambda f: (f.hit.file, f.hit.line, f.commit or ""))
    return outcome


def _batch_contents(root: Path, blobs: list[str]) -> list[tuple[str, bytes]]:
    if not blobs:
        return []
    contents = _git(root, "cat-file", "--batch", stdin="\n".join(blobs).encode() + b"\n")
    out = []
    offset = 0
    for _ in blobs:
        header_end = contents.index(b"\n", offset)
        sha, _kind, size = contents[offset:header_end].decode().split()
        start = header_end + 1
        out.append((sha, contents[start : start + int(size)]))
        offset = start + int(size) + 1
    return out


def _scan_blob(
    root: Path, sha: str, path: str, data: bytes, allowlist: Allowlist | None, outcome: ScanOutcome
) -> None:
    outcome.scanned += 1
    hits = scan_text(data.decode("utf-8", "replace"), path, allowlist)  # binary blobs too: keys are ASCII
    if not hits:
        return
    commit = _first_commit(root, sha)
    for hit in hits:
        (outcome.allowlisted if hit.allowlisted else outcome.findings).append(
            Finding(hit, commit=commit, blob=sha)
        )


def _first_commit(root: Path, blob: str) -> str | None:
    """The oldest commit that added `blob` (abbreviated), or None when git cannot tell."""
    out = _git(root, "log", "--all", "--reverse", "--format=%h", f"--find-object={blob}").decode().split()
    return out[0] if out else None
