"""Remembered validations: data that validated clean against a schema is not validated again.

Validating costs far more than loading (jsonschema and its dependencies take longer to import than a bare
command takes to run), and the same unchanged manifest, prompts and suites are validated by every command
run by hand, every pre-commit hook and every CI step. A marker file in the user cache, named by the sha256
of (platform-cli version, revision, the validator library's install, the schema, the data), says "exactly
this data was valid against exactly this schema". Only clean results are remembered: problems are always
computed, so every message keeps its file:line. The cache is per user and outside every repo (a repo
cannot vouch for its own files); a missing, unreadable or unwritable cache only means "validate".
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from platform_cli.boundedmemo import BoundedMemo
from platform_cli.usercache import library_key as library_key  # where it lived first

# Bump when validation itself changes in a way the version would not show (so old markers stop counting).
REVISION = 1

_schema_keys: dict[int, tuple[Mapping[str, Any], str]] = {}
# What a validation result depends on besides schema and data: the validator library and this code.
_VALIDATION_MODULES = ("jsonschema", "platform_cli.yamlschema", "platform_cli.schemacache")


def _schema_key(schema: Mapping[str, Any]) -> str:
    cached = _schema_keys.get(id(schema))
    if cached is None or cached[0] is not schema:
        text = json.dumps(schema, sort_keys=True, separators=(",", ":"), default=repr)
        cached = (schema, hashlib.sha256(text.encode()).hexdigest())
        _schema_keys[id(schema)] = cached
    return cached[1]


_SCALARS = frozenset({str, int, bool, type(None)})  # exactly these types: JSON scalars without a look


def plain_json(value: Any, depth: int = 0) -> bool:
    """True when `value` is exactly JSON data (dict with str keys, list, str, int, float, bool, None):
    only then does its canonical text stand for it (a tuple would dump like a list, yet validate apart).

    Containers are walked with plain loops and the common scalars (exactly str, int, bool, None) are taken
    without a call: every readiness check keys every fact value with this."""
    kind = type(value)
    if kind is dict:
        if depth > 200:
            return False
        for key, item in value.items():
            if type(key) is not str:
                return False
            if type(item) not in _SCALARS and not plain_json(item, depth + 1):
                return False
        return True
    if kind is list:
        if depth > 200:
            return False
        for item in value:
            if type(item) in _SCALARS:
                continue
            if not plain_json(item, depth + 1):
                return False
        return True
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    return False


def marker(schema: Mapping[str, Any], data: Any) -> Path | None:
    """The marker file for (schema, data), or None when the data cannot be keyed (not plain JSON)."""
    text = _marker_text(schema, data)
    return None if text is None else Path(text)


def _marker_text(schema: Mapping[str, Any], data: Any) -> str | None:
    from platform_cli import __version__
    from platform_cli.usercache import entry_path

    if not plain_json(data):
        return None
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    libraries = library_key(*_VALIDATION_MODULES)
    return entry_path("validated", __version__, str(REVISION), libraries, _schema_key(schema), text)


# Markers this process found or wrote (by full path, so another cache directory is another key): a scan
# validates the same template files in every repo, and asking the file system each time costs a stat.
_SEEN_MAX = 4096
_seen: BoundedMemo[str, bool] = BoundedMemo(_SEEN_MAX)


def known_valid(schema: Mapping[str, Any], data: Any) -> bool:
    """True when exactly this data validated clean against exactly this schema before."""
    path = _marker_text(schema, data)
    if path is None:
        return False
    if path in _seen:
        return True
    if os.path.isfile(path):
        _seen.keep(path, True)
        return True
    return False


def remember_valid(schema: Mapping[str, Any], data: Any) -> None:
    """Record a clean validation (best effort: a read-only cache only costs speed)."""
    text = _marker_text(schema, data)
    if text is None:
        return
    path = Path(text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch()  # an empty marker: concurrent writers cannot leave it half-written
    except OSError:
        return
    _seen.keep(text, True)


# Texts that validated clean in this process, by (schema, cache directory, text): a scan loads the same
# template files (suites, prompts) in every repo, and the data a text builds is always the same, so its
# canonical JSON, digest and marker need not be worked out again. Only for data validated right after it
# was loaded from that text (yamlschema.load_validated), never for data a caller may have changed.
_valid_texts: BoundedMemo[tuple[str, str, str], bool] = BoundedMemo(_SEEN_MAX)


def _text_key(schema: Mapping[str, Any], text: str) -> tuple[str, str, str]:
    from platform_cli.config import cache_dir_text

    return (_schema_key(schema), cache_dir_text(), text)


def known_valid_text(schema: Mapping[str, Any], text: str | None) -> bool:
    """True when data loaded from exactly this text validated clean against `schema` in this process."""
    return text is not None and _text_key(schema, text) in _valid_texts


def remember_valid_text(schema: Mapping[str, Any], text: str | None) -> None:
    if text is None:
        return
    _valid_texts.keep(_text_key(schema, text), True)
