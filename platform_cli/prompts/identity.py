"""Who is making a registry change: --author, else `git config user.email`, else $USER."""

from __future__ import annotations

import getpass
import os
import subprocess
from pathlib import Path


def current_author(explicit: str | None = None, *, repo: Path | None = None) -> str:
    """The name recorded with a publish, label move or allocation."""
    if explicit and explicit.strip():
        return explicit.strip()
    try:
        found = subprocess.run(
            ["git", "config", "user.email"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found:
        return found
    user = os.environ.get("USER") or os.environ.get("USERNAME")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
