"""Read repository files for scanning: text only, at most 1 MB, never raising for unreadable files."""

from __future__ import annotations

from pathlib import Path

MAX_TEXT_BYTES = 1_000_000  # larger files are data dumps or vendored blobs, not hand-written source


def read_text(path: Path) -> str | None:
    """The file's text, or None when it is missing, too large, binary (NUL byte) or unreadable."""
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")
