"""Code objects compiled once and kept like bytecode, beside the using module's own .pyc files.

Some start-up paths mostly compile Python source: the `dataclass` decorator writes and compiles each class's
methods (dataclass_methods.py), and a readiness rule's message template compiles to Python through Jinja
(readiness/messages.py). What is compiled depends only on a text the caller names (the method source; the
template text with the Jinja version), so the code object is kept, keyed by the sha256 of that text, in a
file beside the using module's bytecode (`__pycache__/<module>.<cache tag>.codes`, respecting
PYTHONPYCACHEPREFIX) and a later run executes it instead of compiling the same text again.

The file is written under the rules of .pyc files: not when bytecode writing is off (PYTHONDONTWRITEBYTECODE,
`-B`), not when the directory is read-only, never half-written (a temporary file renamed over it). It is read
back only when it starts with this interpreter's bytecode magic number; anything missing, damaged or foreign
only means "compile", as before. It holds code, so it lives with the package's bytecode (whoever can write
there can already change the package), never in the user cache: a cache restored in CI must not be able to
run code.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import marshal
import os
import sys
import types
from collections.abc import Callable
from importlib.util import MAGIC_NUMBER, cache_from_source

MAX_ENTRIES = 4096  # a bound on each file; past it, a file starts again from what this run compiled


class KeptCodes:
    """The kept code objects of one module (`module_file` is its `__file__`)."""

    def __init__(self, module_file: str) -> None:
        self.module_file = module_file
        self._kept: dict[str, bytes] | None = None  # digest -> marshalled code, read on first use
        self._new: dict[str, bytes] = {}  # compiled by this process, not in the file yet
        self._registered = False

    @property
    def path(self) -> str:
        return cache_from_source(self.module_file).removesuffix(".pyc") + ".codes"

    def code(self, key: str, compile_code: Callable[[], types.CodeType]) -> types.CodeType:
        """The code object kept for `key`, else `compile_code()` (kept from then on).

        `key` must name everything the code depends on: the same key must always compile to the same code."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        if self._kept is None:
            self._kept = self.read()
        kept = self._kept.get(digest) or self._new.get(digest)
        if kept is not None:
            try:
                code = marshal.loads(kept)
            except (EOFError, ValueError, TypeError):
                code = None
            if isinstance(code, types.CodeType):
                return code
        code = compile_code()
        self._new[digest] = marshal.dumps(code)
        if not self._registered:
            atexit.register(self.write)
            self._registered = True
        return code

    def read(self) -> dict[str, bytes]:
        """What the file holds ({} when it is missing, unreadable, damaged or from another Python)."""
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read()
        except OSError:
            return {}
        if not raw.startswith(MAGIC_NUMBER):
            return {}
        try:
            kept = marshal.loads(raw[len(MAGIC_NUMBER) :])
        except (EOFError, ValueError, TypeError):
            return {}
        if not isinstance(kept, dict):
            return {}
        return {k: v for k, v in kept.items() if isinstance(k, str) and isinstance(v, bytes)}

    @property
    def pending(self) -> int:
        """Code objects compiled by this process and not written yet."""
        return len(self._new)

    def write(self) -> None:
        """Add what this process compiled to the file (best effort, never half-written)."""
        if not self._new or sys.dont_write_bytecode:
            return
        kept = self._kept or {}
        merged = {**kept, **self._new} if len(kept) + len(self._new) <= MAX_ENTRIES else dict(self._new)
        path = self.path
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.write(MAGIC_NUMBER + marshal.dumps(merged))
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return
        self._kept = merged
        self._new = {}
