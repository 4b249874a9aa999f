"""Where the per-user cache lives, and the stamps of installed code that key what is kept there.

Kept apart (and importing nothing of the package) so that every loader that remembers results, YAML loading
included, can use it without an import cycle through config, which itself loads YAML.
"""

from __future__ import annotations

import contextlib
import hashlib
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


def entry_path(kind: str, *parts: str, suffix: str = "") -> str:
    """Where a result keyed by `parts` is kept: `<cache>/<kind>/<ab>/<cdef...><suffix>`, named by the sha256
    of the parts joined by NUL. The parts must name everything the result depends on (the package version,
    a revision, the stamps of the code and libraries that made it, the input itself)."""
    key = "\0".join(parts).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(key).hexdigest()
    return os.path.join(cache_dir_text(), kind, digest[:2], digest[2:] + suffix)


def keep(path: str, text: str) -> bool:
    """Write one cache entry, best effort: its directory private to the user, the text through a temporary
    file renamed over the entry (concurrent commands and scan workers never read half a file), no fsync (a
    lost entry only costs speed). A read-only cache, a full disk or text UTF-8 cannot hold (a lone surrogate
    from an escape) writes nothing, leaves no temporary file and returns False."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True


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
