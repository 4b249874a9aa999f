"""Temporary working folders of scaffold runs: recognisable, owned, and removed even after a hard kill.

A run renders into a folder named `.<dest>.platform-scaffold-XXXX` next to DEST (so the final move is one
rename), or `platform-scaffold-XXXX` in the system temp dir for a dry run, and writes its owner (pid and
process start time) into it. The run removes it when it ends, also on SIGTERM (the CLI turns SIGTERM into
an exception, so every `finally` runs). After a SIGKILL nothing runs: the next scaffold run in the same
place finds the folder, sees that its owner is gone, and removes it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

MARKER = "platform-scaffold-"
OWNER_FILE = ".platform-scaffold-owner"
ORPHAN_AFTER_S = 3600.0  # a folder without an owner file (killed while creating it) is stale after this


def make_workdir(dest: Path, dry_run: bool) -> Path:
    """A new owned working folder for a scaffold of `dest`. Raises OSError."""
    if dry_run:
        path = Path(tempfile.mkdtemp(prefix=MARKER))
    else:
        path = Path(tempfile.mkdtemp(prefix=f".{dest.name}.{MARKER}", dir=dest.parent))
    (path / OWNER_FILE).write_text(f"{os.getpid()} {_start_time(os.getpid())}\n", encoding="utf-8")
    return path


def stale_workdirs(parents: Iterable[Path]) -> list[Path]:
    """Working folders below `parents` whose run is gone (killed): safe to remove."""
    found: list[Path] = []
    for parent in parents:
        try:
            entries = list(parent.iterdir())
        except OSError:
            continue
        candidates = [p for p in entries if MARKER in p.name and p.is_dir() and not p.is_symlink()]
        found.extend(p for p in candidates if _is_stale(p))
    return found


def sweep(parents: Iterable[Path]) -> list[Path]:
    """Remove the stale working folders below `parents`; returns what was removed."""
    removed = []
    for path in stale_workdirs(parents):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed


def _is_stale(path: Path) -> bool:
    try:
        pid_text, _, started = (path / OWNER_FILE).read_text(encoding="utf-8").strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        try:
            return time.time() - path.stat().st_mtime > ORPHAN_AFTER_S
        except OSError:
            return False
    if pid == os.getpid():
        return False
    if not _alive(pid):
        return True
    # the pid is in use again by another process: compare start times where the system tells them
    now_started = _start_time(pid)
    return bool(started and now_started and started != now_started)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _start_time(pid: int) -> str:
    """The process start time in clock ticks since boot (Linux /proc), or "" where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""
