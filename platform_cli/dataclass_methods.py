"""Dataclass methods compiled once, kept like bytecode: what a command pays for its dataclasses at start-up.

The `dataclass` decorator writes each class's methods (__init__, __repr__, __eq__, __hash__, and for frozen
classes __setattr__/__delattr__) as Python source and compiles it with `exec`, on every run: a `readiness
check` creates about a hundred dataclasses and spent a third of its CPU compiling their methods (Python
3.13 batches this; 3.10 to 3.12 do not). The source of a method depends only on the class's fields and
options, so its compiled code object is kept, keyed by that exact source, beside this package's own
bytecode (`__pycache__/dataclass_methods.<cache tag>.codes`; see keptcode.py for where and when it is
written). A later run executes the kept code object instead of compiling the same text again; what runs is
exactly what `exec` of that source would run.

Installed by the CLI only (platform_cli/cli/__init__.py), before any dataclass of the package is made:
`install()` gives the `dataclasses` module its own `exec` (a module global shadows the builtin), which looks
the source up first.
"""

from __future__ import annotations

from typing import Any

from platform_cli.keptcode import KeptCodes

KEPT = KeptCodes(__file__)
_installed = False


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """`exec` for the dataclasses module: a source string runs its kept code object."""
    if isinstance(source, str):
        text = source
        # What builtin exec does with a string: file "<string>", no inherited __future__ flags (dataclasses
        # has none to pass on).
        source = KEPT.code(text, lambda: compile(text, "<string>", "exec", dont_inherit=True))
    exec(source, globals, locals)


def install() -> None:
    """Make the dataclasses module compile each method source once (idempotent)."""
    global _installed
    if _installed:
        return
    import dataclasses

    dataclasses.exec = _exec  # type: ignore[attr-defined]
    _installed = True
