"""Work done once per pass over a file tree: inside `one_pass()` (a readiness check holds one around each
repo), a path is resolved once and a few loads that several facts repeat are made once.

A check reads its repo as one snapshot: every fact asks where the same root, suites and prompt files
really are, and two facts reading a file a moment apart already see whatever it held at each moment. So
inside one pass the first answer stands for the pass; outside a pass (and in another thread or task: the
memo is a context variable) nothing is remembered, and every call asks the file system as before. Only
successful answers are remembered; a failure is worked out again, with its own message, each time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

_memos: ContextVar[dict[str, dict[Any, Any]] | None] = ContextVar("platform_cli_onepass", default=None)


@contextmanager
def one_pass() -> Iterator[None]:
    """Remember resolved paths and `memo()` entries until the block ends (nested passes start afresh)."""
    token = _memos.set({})
    try:
        yield
    finally:
        _memos.reset(token)


def memo(kind: str) -> dict[Any, Any] | None:
    """The dictionary for `kind` in the current pass (callers key it on everything that decides the
    answer besides the tree), or None outside a pass."""
    memos = _memos.get()
    if memos is None:
        return None
    found = memos.get(kind)
    if found is None:
        found = memos[kind] = {}
    return found


def resolved(path: Path) -> Path:
    """`path.resolve()`, worked out once per absolute path in a pass (a relative one depends on the
    current directory: asked each time)."""
    memos = _memos.get()
    if memos is None or not path.is_absolute():
        return path.resolve()
    known = memos.get("resolved")
    if known is None:
        known = memos["resolved"] = {}
    key = os.fspath(path)
    found: Path | None = known.get(key)
    if found is None:
        found = known[key] = path.resolve()
    return found
