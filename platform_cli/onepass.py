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
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
_memos: ContextVar[dict[str, dict[Any, Any]] | None] = ContextVar("platform_cli_onepass", default=None)


@contextmanager
def one_pass() -> Iterator[None]:
    """Remember resolved paths and `once()` answers until the block ends (nested passes start afresh)."""
    token = _memos.set({})
    try:
        yield
    finally:
        _memos.reset(token)


def once(kind: str, key: Hashable, make: Callable[[], T]) -> T:
    """`make()`, worked out once per (kind, key) in the current pass; outside a pass, every time. The key
    must hold everything that decides the answer besides the tree. A failure (an exception) is never
    remembered: it is raised again, with its own message, each time."""
    memos = _memos.get()
    if memos is None:
        return make()
    known = memos.setdefault(kind, {})
    if key in known:
        found: T = known[key]
        return found
    found = known[key] = make()
    return found


def resolved(path: Path) -> Path:
    """`path.resolve()`, worked out once per absolute path in a pass (a relative one depends on the
    current directory: asked each time)."""
    if not path.is_absolute():
        return path.resolve()
    return once("resolved", os.fspath(path), path.resolve)
