"""Read repository files for scanning, and say which ones could not be scanned and why.

Nothing is skipped silently: binary files are scanned too (keys are ASCII, and a key in a compiled or
pickled file is still a key), and every file that is not scanned comes back with its reason. A file that
cannot be read, or is too large to read, blocks the rule that needed it (it cannot be shown clean); a
symlink is not followed (its target may be outside the repository) and is only named.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_SCAN_BYTES = 50 * 1024 * 1024  # a text scan of anything larger is a data dump; named, never hidden


@dataclass(frozen=True)
class Skipped:
    """A file a scan did not read: which, why, and whether that keeps a rule from passing."""

    file: str
    reason: str
    blocking: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "unscanned", "file": self.file, "reason": self.reason, "blocking": self.blocking}


def read_for_scan(path: Path, rel: str | None = None) -> tuple[str | None, Skipped | None]:
    """(text, None) for a file that can be scanned, else (None, why it was not)."""
    name = rel if rel is not None else str(path)
    try:  # one lstat, then the read: a scan reads every file of every repo
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return None, Skipped(
                name, "a symlink (not followed: its target may be outside the repository)", False
            )
        size = info.st_size
        if size > MAX_SCAN_BYTES:
            return None, Skipped(name, f"larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB ({size} bytes)")
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None, Skipped(name, "listed by git but missing from the work tree", False)
    except OSError as error:
        return None, Skipped(name, f"unreadable: {error.strerror or error}")
    return data.decode("utf-8", "replace"), None


def read_text(path: Path) -> str | None:
    """The file's text (binary files decoded with replacement characters), or None when it is not read."""
    return read_for_scan(path)[0]
