"""The model table (policies/model-lifecycle.yaml plus the platform team's extra tables): which model ids
exist per vendor, which are snapshots and which aliases, and when each retires."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem
from platform_cli.resources import policies_dir

TABLE_NAME = "model-lifecycle.yaml"
SCHEMA_NAME = "model-lifecycle"
WHAT = "model table"
ENV_EXTRA_TABLES = "PLATFORM_MODEL_TABLES"


@dataclass(frozen=True)
class ModelEntry:
    """One model id as the table describes it."""

    model: str
    vendor: str
    alias: bool  # the vendor repoints it: never pinned
    points_to: str | None  # for an alias, the snapshot it points to today (when the table knows)
    retires: dt.date | None
    replacement: str | None
    source: str | None
    table: str  # which file listed it (for messages)


@dataclass(frozen=True)
class ModelTable:
    """The merged table. `as_of` is the shipped table's review date; `extra` names the added tables."""

    as_of: dt.date
    entries: dict[str, ModelEntry]
    defaults: dict[str, str]  # provider kind -> the snapshot the template proposes
    path: Path
    extra: tuple[tuple[str, dt.date], ...] = ()

    def lookup(self, model: str) -> ModelEntry | None:
        """The entry for `model`, also when a router writes it with a vendor prefix (`openai/gpt-4o-...`)."""
        return self.entries.get(model) or self.entries.get(model.rsplit("/", 1)[-1])

    def snapshots(self, vendor: str, *, lead_days: int = 90) -> list[str]:
        """The snapshot ids listed for `vendor` that do not retire within `lead_days` of `as_of`."""
        horizon = self.as_of + dt.timedelta(days=lead_days)
        return [
            e.model
            for e in self.entries.values()
            if e.vendor == vendor and not e.alias and (e.retires is None or e.retires > horizon)
        ]

    def describe(self) -> str:
        """How messages name the table: its file and review date, plus any extra tables."""
        text = f"{TABLE_NAME} as of {self.as_of.isoformat()}"
        for name, as_of in self.extra:
            text += f" + {name} as of {as_of.isoformat()}"
        return text


def default_table_path() -> Path:
    """The table shipped with this version of platform-cli."""
    return policies_dir() / TABLE_NAME


def extra_table_paths() -> list[Path]:
    """The platform team's own tables: $PLATFORM_MODEL_TABLES, then `model_tables` in the user config."""
    from platform_cli.config import load_config

    paths = [Path(p) for p in os.environ.get(ENV_EXTRA_TABLES, "").split(os.pathsep) if p]
    return paths + [Path(p).expanduser() for p in load_config().model_tables]


def load_model_table(path: Path | None = None, *, extra: Sequence[Path] | None = None) -> ModelTable:
    """The shipped table (or `path`) merged with the extra tables (default: extra_table_paths()).

    Each file is read and validated once per version (mtime). Raises InvalidFile / UserError.
    """
    from platform_cli.onepass import resolved

    base = resolved(path or default_table_path())
    extras = tuple(resolved(p) for p in (extra_table_paths() if extra is None else extra))
    return _merged(tuple((p, _mtime(p)) for p in (base, *extras)))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0  # load_validated reports the missing file with its name


@functools.lru_cache(maxsize=16)
def _merged(files: tuple[tuple[Path, int], ...]) -> ModelTable:
    (base, _), *rest = files
    as_of, entries, defaults = _load_one(base)
    extra = []
    for path, _mtime_ns in rest:
        more_as_of, more, more_defaults = _load_one(path)
        entries.update(more)
        defaults.update(more_defaults)
        extra.append((path.name, more_as_of))
    table = ModelTable(as_of, entries, defaults, base, tuple(extra))
    _check_references(table, files)
    return table


def _load_one(path: Path) -> tuple[dt.date, dict[str, ModelEntry], dict[str, str]]:
    from platform_cli.yamlschema import load_validated

    data: dict[str, Any] = load_validated(path, SCHEMA_NAME, what=WHAT).data
    entries = {
        item["model"]: ModelEntry(
            model=item["model"],
            vendor=item["vendor"],
            alias=item.get("type", "snapshot") == "alias",
            points_to=item.get("points_to"),
            retires=_date(item.get("retires")),
            replacement=item.get("replacement"),
            source=item.get("source"),
            table=path.name,
        )
        for item in data["models"]
    }
    as_of = _date(data["as_of"])
    assert as_of is not None  # the schema requires it
    return as_of, entries, dict(data.get("defaults") or {})


def _check_references(table: ModelTable, files: tuple[tuple[Path, int], ...]) -> None:
    """An alias points at a listed snapshot; a default is a listed snapshot of a vendor its kind serves."""
    from platform_cli.models.kinds import serves

    problems = []
    for entry in table.entries.values():
        target = table.entries.get(entry.points_to) if entry.points_to else None
        if entry.alias and entry.points_to and (target is None or target.alias):
            problems.append(
                f"alias {entry.model} points_to {entry.points_to}, which is not a listed snapshot"
            )
        if not entry.alias and entry.points_to:
            problems.append(f"{entry.model} has points_to but is not an alias (add type: alias)")
    for kind, model in table.defaults.items():
        found = table.entries.get(model)
        if found is None or found.alias or not serves(kind, found.vendor):
            problems.append(f"defaults.{kind} is {model}, which is not a listed {kind} snapshot")
    if problems:
        shown = ", ".join(str(path) for path, _ in files)
        raise InvalidFile(shown, [Problem(shown, None, None, "", p, "fix the table") for p in problems], WHAT)


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
