"""Loaded rule files remembered by their text: a known rule file costs a read, a hash and a JSON parse.

Loading a rule file means parsing it with the line-aware YAML loader and validating it (the rule schema, the
meta-schema of its condition, its regexes, its message templates); every `readiness check`, pre-commit hook
and CI step loads the same unchanged files. What loading produces depends on nothing but the text, so it is
remembered as JSON under the sha256 of the text: each rule's data and the line of its `id:` (the file name
in `Rule.source` is the path it is read from now). Only files that loaded with no problem are remembered;
problems are always worked out again, so every message keeps its file:line.

Two places vouch for a text, neither of them writable by a repo (a repo cannot vouch for its own rules):
- the index shipped with the package (`policies/readiness.index.json`): the shipped pack, validated when the
  index was made (`make rules-index`); a test fails when a shipped file and the index disagree. A fresh
  machine or CI runner checks the shipped pack without validating it or parsing its YAML;
- the user cache (`$XDG_CACHE_HOME/platform-cli/rules/`): any other pack, once it loaded clean here, keyed
  also by the platform-cli version. Missing, unreadable or malformed entries only mean "load it".
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

# Bump when loading or load-time validation changes (a new check, another shape of entry), so that texts
# remembered by the older code are loaded and validated again; the shipped index must then be made again.
REVISION = 3

INDEX_NAME = "readiness.index.json"

# One entry per file: [[line of the rule's `id:`, the rule's data], ...] in file order.
Entry = list[tuple[int | None, dict[str, Any]]]

_index: dict[str, Any] | None = None


def shipped_key(text: str) -> str:
    """How the shipped index names a text (independent of the version: the index ships with the code)."""
    return hashlib.sha256(f"{REVISION}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


def _user_entry(text: str) -> str:
    from platform_cli import __version__
    from platform_cli.config import cache_dir_text

    key = f"{__version__}\0{REVISION}\0{text}".encode("utf-8", "surrogatepass")
    return os.path.join(cache_dir_text(), "rules", hashlib.sha256(key).hexdigest() + ".json")


def _shipped_index() -> dict[str, Any]:
    global _index
    if _index is None:
        from platform_cli.resources import policies_dir

        try:
            with open(policies_dir() / INDEX_NAME, encoding="utf-8") as handle:
                index = json.loads(handle.read())
        except (OSError, ValueError):
            index = None
        ok = (
            isinstance(index, dict)
            and index.get("revision") == REVISION
            and isinstance(index.get("files"), dict)
        )
        _index = index["files"] if ok else {}
    return _index


def recall(text: str) -> Entry | None:
    """What loading `text` produced before (from the shipped index, else the user cache), or None."""
    shipped = _shipped_index().get(shipped_key(text))
    if shipped is not None:
        return _entry(json.loads(json.dumps(shipped)))  # a copy: callers own their rules' data
    try:
        with open(_user_entry(text), encoding="utf-8") as handle:
            return _entry(json.loads(handle.read()))
    except (OSError, ValueError):
        return None


def remember(text: str, entry: Entry) -> None:
    """Keep what `text` loaded as, once it loaded with no problem (best effort: a read-only cache only
    costs speed; data JSON cannot hold exactly is not kept)."""
    if not storable(entry):
        return
    from platform_cli.usercache import keep

    keep(_user_entry(text), json.dumps([[line, data] for line, data in entry], ensure_ascii=False))


def storable(entry: Entry) -> bool:
    """True when JSON gives `entry` back exactly (the loader builds JSON data, so it always should)."""
    try:
        again = json.loads(json.dumps([[line, data] for line, data in entry], allow_nan=False))
    except (TypeError, ValueError):
        return False
    return _entry(again) == entry


def _entry(raw: Any) -> Entry | None:
    """A remembered entry in its shape, or None when it is not one."""
    if not isinstance(raw, list) or not raw:
        return None
    entry: Entry = []
    for item in raw:
        if not isinstance(item, list) or len(item) != 2:
            return None
        line, data = item
        if isinstance(line, bool) or not isinstance(line, (int, type(None))) or not isinstance(data, dict):
            return None
        entry.append((line, data))
    return entry


def index_text(entries: dict[str, Entry]) -> str:
    """The shipped index for these texts' entries (by shipped_key), as written to `policies/`: one line per
    file, so that a diff shows which files changed."""
    lines = [
        f"{json.dumps(key)}: {json.dumps([[line, data] for line, data in entries[key]], sort_keys=True)}"
        for key in sorted(entries)
    ]
    return f'{{"revision": {REVISION}, "files": {{\n' + ",\n".join(lines) + "\n}}\n"
