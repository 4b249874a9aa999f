"""Helpers the built-in collectors share: the manifest (or why it is unavailable), lines, and `today`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from platform_cli.errors import InvalidFile, PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext

MANIFEST_FILE = "ai-feature.yaml"


def manifest_or_missing(ctx: RepoContext, fact: str) -> tuple[Any, Fact | None]:
    """(manifest, None) when ai-feature.yaml loads, else (None, an unknown Fact saying why)."""
    if not (ctx.root / MANIFEST_FILE).is_file():
        return None, Fact.missing(fact, f"no {MANIFEST_FILE} in the repository root", file=MANIFEST_FILE)
    try:
        return ctx.manifest, None
    except InvalidFile as exc:
        # name the file as the repo does (the loader names it relative to the current directory)
        first = (
            dataclasses.replace(exc.problems[0], file=MANIFEST_FILE).render() if exc.problems else str(exc)
        )
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return None, Fact.missing(fact, f"{MANIFEST_FILE} is invalid: {first}{more}", file=MANIFEST_FILE)
    except PlatformError as exc:
        return None, Fact.missing(fact, f"cannot read {MANIFEST_FILE}: {exc}", file=MANIFEST_FILE)


def line_of(manifest: Any, *path: str | int) -> int | None:
    """The manifest line to cite for a JSON path, e.g. line_of(m, "spec", "providers", 0, "model")."""
    try:
        line: int | None = manifest.line_of(list(path))
    except (AttributeError, LookupError, TypeError):
        return None
    return line


def first_line(manifest: Any, *paths: Sequence[str | int]) -> int | None:
    """The line of the first of `paths` that exists in the manifest."""
    for path in paths:
        line = line_of(manifest, *path)
        if line is not None:
            return line
    return None


def today(ctx: RepoContext) -> dt.date:
    """The check's date: ctx.extra["today"] (a date or YYYY-MM-DD) when tests inject one, else UTC's today."""
    value = ctx.extra.get("today")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    from platform_cli.clock import utc_today

    return utc_today()
