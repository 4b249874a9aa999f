"""Plugin discovery without its start-up cost when there is nothing to discover.

Finding a group's entry points means importing importlib.metadata (zipfile, email, csv...) and reading every
installed distribution's metadata: about 30 ms of CPU, a tenth of a `readiness check` and a fifth of the
pre-commit hook, spent on every run to learn, almost always, that no plugin is installed. Distributions live
in the directories of the import path, and installing or removing one (pip replaces a distribution's
.dist-info directory even when it upgrades it) changes the modification time of the directory holding it.
So "this group had no entry point" is remembered in the user cache under the import path and each of its
entries' modification times; while none of them changes, the answer stands.

With nothing remembered (a first run, a fresh CI machine), "no entry point" is still proved without
importlib.metadata when it can be: it finds distributions only through the finders of sys.meta_path that
offer `find_distributions`, and the standard one (PathFinder) reads `entry_points.txt` in the *.dist-info
and *.egg-info directories of the import path's directories. When that is the only such finder, every entry
of the path is a directory (or missing) and none of those files mentions the group's name, no distribution
can declare an entry point in it. Anything else (a plugin's file mentions the group, a zip or egg on the
path, another finder, an unreadable file) asks importlib.metadata, as before.
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


_MAX_ENTRY_POINTS_FILE = 1 << 20  # larger than any real entry_points.txt: not read here, importlib decides


def declared_nowhere(group: str) -> bool:
    """True when no distribution importlib.metadata could find declares anything in `group` (see the module
    docstring); False when that cannot be shown this cheaply, which says nothing either way."""
    from importlib.machinery import PathFinder

    if any(getattr(f, "find_distributions", None) and f is not PathFinder for f in sys.meta_path):
        return False
    needle = group.encode("utf-8")
    for entry in sys.path:
        root = entry or "."
        try:
            children = os.listdir(root)
        except OSError:
            if os.path.exists(root) and not os.path.isdir(root):
                return False  # a zip file: importlib reads its metadata inside
            continue  # missing or unlistable: importlib finds nothing there either
        egg = os.path.basename(root).lower().endswith(".egg")
        for child in children:
            low = child.lower()
            if not (low.endswith((".dist-info", ".egg-info")) or (egg and low == "egg-info")):
                continue
            try:
                with open(os.path.join(root, child, "entry_points.txt"), "rb") as handle:
                    text = handle.read(_MAX_ENTRY_POINTS_FILE + 1)
            except (FileNotFoundError, NotADirectoryError):
                continue  # no entry points (or a one-file .egg-info, which importlib reads none from)
            except OSError:
                return False
            if needle in text or len(text) > _MAX_ENTRY_POINTS_FILE:
                return False
    return True


def entry_points_of(group: str) -> EntryPoints | tuple[()]:
    """The installed entry points of `group` (importlib.metadata), or () when it is remembered empty or
    proved empty without it."""
    # keyed by the import path as it was before looking: a plugin installed meanwhile moves a directory's
    # modification time on, so the next run does not read this answer
    marker = _marker(group)
    if os.path.isfile(marker):
        return ()
    if declared_nowhere(group):
        _remember_empty(marker)
        return ()
    from importlib.metadata import entry_points

    found = entry_points(group=group)
    if not found:
        _remember_empty(marker)
    return found


def _remember_empty(marker: str) -> None:
    try:
        os.makedirs(os.path.dirname(marker), mode=0o700, exist_ok=True)
        with open(marker, "w", encoding="utf-8"):
            pass  # an empty marker: concurrent writers cannot leave it half-written
    except OSError:
        pass  # a read-only cache only costs speed
