"""One module-level `__getattr__` (PEP 562) for packages that load their names on first use.

A package lists where each name lives and imports it only when someone asks for it, so a command that only
passes through the package (catching its error type, redacting a URL) does not pay for the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, where: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A `__getattr__` for `package`: `name` is imported from `package.<where[name]>` on first use and kept in
    `namespace` (the package's globals()), so it is looked up once."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
