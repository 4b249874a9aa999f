"""Locate the shipped `templates/` and `policies/` directories (checkout first, then the wheel's copy)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def _shipped(name: str) -> Path:
    """Once per process: where this installed package's own data is does not change while it runs."""
    checkout = _PACKAGE.parent / name
    if checkout.is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE / "_data" / name


def templates_dir() -> Path:
    """Directory holding the templates shipped with this version of the package."""
    return _shipped("templates")


def policies_dir() -> Path:
    """Directory holding the shipped rule packs and JSON Schemas."""
    return _shipped("policies")


def schema_path(name: str) -> Path:
    """Path of a shipped JSON Schema, e.g. `schema_path("ai-feature")`."""
    return policies_dir() / "schemas" / f"{name}.schema.json"
