"""Dataclass methods compiled once, kept like bytecode: what a command pays for its dataclasses at start-up.

The `dataclass` decorator writes each class's methods (__init__, __repr__, __eq__, __hash__, and for frozen
classes __setattr__/__delattr__) as Python source and compiles it with `exec`, on every run: a `readiness
check` creates about a hundred dataclasses and spent a third of its CPU compiling their methods (Python
3.13 batches this; 3.10 to 3.12 do not). The source of a method depends only on the class's fields and
options, so its compiled code object is kept, keyed by that exact source, in a file beside this package's
own bytecode (`__pycache__/dataclass_methods.<cache tag>.codes`, written under the same rules as .pyc files:
not when bytecode writing is off, not when the directory is read-only). A later run executes the kept code
object instead of compiling the same text again; what runs is exactly what `exec` of that source would run.

Installed by the CLI only (platform_cli/cli/__init__.py), before any dataclass of the package is made:
`install()` gives the `dataclasses` module its own `exec` (a module global shadows the builtin), which looks
the source up first. Anything missing, unreadable or from another Python (the file starts with the
interpreter's bytecode magic number) only means "compile", as before.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import marshal
import os
import sys
import types
from importlib.util import MAGIC_NUMBER, cache_from_source
from typing import Any

MAX_ENTRIES = 4096  # a bound on the file; past it, it starts again from what this run compiled

_kept: dict[str, bytes] = {}  # source digest -> marshalled code object, as read from the file
_new: dict[str, bytes] = {}  # compiled by this process, not in the file yet
_installed = False


def codes_path() -> str:
    """Where the kept code objects live: beside this module's own bytecode (respects PYTHONPYCACHEPREFIX)."""
    return cache_from_source(__file__).removesuffix(".pyc") + ".codes"


def _read() -> dict[str, bytes]:
    try:
        with open(codes_path(), "rb") as handle:
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


def _code(source: str) -> types.CodeType:
    """The code object `exec(source)` would compile, from the kept file when it holds this exact source."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    kept = _kept.get(digest) or _new.get(digest)
    if kept is not None:
        try:
            code = marshal.loads(kept)
        except (EOFError, ValueError, TypeError):
            code = None
        if isinstance(code, types.CodeType):
            return code
    # What builtin exec does with a string: file "<string>", no inherited __future__ flags (dataclasses
    # has none to pass on).
    code = compile(source, "<string>", "exec", dont_inherit=True)
    _new[digest] = marshal.dumps(code)
    return code


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """`exec` for the dataclasses module: a source string runs its kept code object."""
    if isinstance(source, str):
        source = _code(source)
    exec(source, globals, locals)


def _write() -> None:
    """Add what this process compiled to the file (best effort, never half-written)."""
    if not _new or sys.dont_write_bytecode:
        return
    merged = {**_kept, **_new} if len(_kept) + len(_new) <= MAX_ENTRIES else dict(_new)
    path = codes_path()
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
    _kept.update(_new)
    _new.clear()


def install() -> None:
    """Make the dataclasses module compile each method source once (idempotent)."""
    global _installed
    if _installed:
        return
    import dataclasses

    _kept.update(_read())
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    atexit.register(_write)
    _installed = True
