"""Filesystem helpers: atomic writes so nothing is ever left half-written."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` via a temporary file in the same directory and an atomic rename.

    `mode` None gives what a plain open() would: an existing file keeps its mode, a new one gets
    0o666 minus the umask (0o644 usually), so CI can upload it as an artifact. Pass e.g. 0o600 for
    anything secret: the temporary file is created with it, so the text is never more readable.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None and path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    # The kernel applies the umask at creation (reading the umask would mean changing it, which races
    # with other threads); an explicit or kept mode is then set exactly.
    fd, tmp = _create_temp(path, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create_temp(path: Path, mode: int) -> tuple[int, Path]:
    """A new, exclusively created temp file next to `path` (not tempfile.mkstemp: that is always 0o600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, mode & 0o777), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{path.parent}: could not create a temporary file for {path.name}")
