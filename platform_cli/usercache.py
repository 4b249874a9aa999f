"""Where the per-user cache lives, and the stamps of installed code that key what is kept there.

Kept apart (and importing nothing of the package) so that every loader that remembers results, YAML loading
included, can use it without an import cycle through config, which itself loads YAML.
"""

from __future__ import annotations

import os

_libraries: dict[str, str] = {}


def cache_dir_text() -> str:
    """The per-user cache directory as text: $XDG_CACHE_HOME/platform-cli (default ~/.cache/platform-cli),
    worked out without building paths (asked once per rule and file in a scan), and once per value of the
    variables it depends on."""
    key = (os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME"))
    known = _cache_dirs.get(key)
    if known is None:
        base = key[0] or os.path.join(os.path.expanduser("~"), ".cache")
        known = _cache_dirs[key] = os.path.join(base, "platform-cli")
    return known


_cache_dirs: dict[tuple[str | None, str | None], str] = {}


def library_key(*names: str) -> str:
    """Where each named module is installed and when it (and the directory holding it) last changed, found
    without importing it: results that another install wrote (another jsonschema, another Jinja, a package
    added beside them that enables a format check, an edited source file of this package in a development
    checkout) never count."""
    keys = []
    for name in names:
        if name not in _libraries:
            from importlib.util import find_spec

            spec = find_spec(name)
            origin = spec.origin if spec is not None and spec.origin else ""
            stamps = []
            for where in (origin, os.path.dirname(os.path.dirname(origin))) if origin else ():
                try:
                    stamps.append(str(os.stat(where).st_mtime_ns))
                except OSError:
                    stamps.append("-")
            _libraries[name] = f"{name}={origin}:{','.join(stamps)}"
        keys.append(_libraries[name])
    return ";".join(keys)
