"""Plugin discovery without its start-up cost when there is nothing to discover.

Finding a group's entry points means importing importlib.metadata (zipfile, email, csv...) and reading every
installed distribution's metadata: about 30 ms of CPU, a tenth of a `readiness check` and a fifth of the
pre-commit hook, spent on every run to learn, almost always, that no plugin is installed. Distributions live
in the directories of the import path, and installing or removing one (pip replaces a distribution's
.dist-info directory even when it upgrades it) changes the modification time of the directory holding it.
So "this group had no entry point" is remembered in the user cache under the import path and each of its
entries' modification times; while none of them changes, the answer stands. Any other answer (plugins
present, unknown state, unreadable cache) asks importlib.metadata, as before.
"""

from __future__ import annotations

import hashlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoints


def _path_state(group: str) -> str:
    """The import path with each entry's modification time (- when it does not exist)."""
    from platform_cli import __version__

    parts = [__version__, group, sys.prefix]
    for entry in sys.path:
        where = entry or os.getcwd()
        try:
            parts.append(f"{where}:{os.stat(where).st_mtime_ns}")
        except OSError:
            parts.append(f"{where}:-")
    return "\0".join(parts)


def _marker(group: str) -> str:
    from platform_cli.config import cache_dir

    digest = hashlib.sha256(_path_state(group).encode("utf-8", "surrogatepass")).hexdigest()
    return os.path.join(cache_dir(), "entry-points", f"{group}-{digest}.none")


def known_empty(group: str) -> bool:
    """True when `group` had no entry point under exactly this import path (a remembered answer)."""
    return os.path.isfile(_marker(group))


def entry_points_of(group: str) -> EntryPoints | tuple[()]:
    """The installed entry points of `group` (importlib.metadata), or () when it is remembered empty."""
    if known_empty(group):
        return ()
    from importlib.metadata import entry_points

    found = entry_points(group=group)
    if not found:
        marker = _marker(group)
        try:
            os.makedirs(os.path.dirname(marker), mode=0o700, exist_ok=True)
            with open(marker, "w", encoding="utf-8"):
                pass  # an empty marker: concurrent writers cannot leave it half-written
        except OSError:
            pass  # a read-only cache only costs speed
    return found
