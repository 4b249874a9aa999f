"""The model lifecycle table (policies/model-lifecycle.yaml): which model ids retire, when, and for what."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.resources import policies_dir

TABLE_NAME = "model-lifecycle.yaml"
SCHEMA_NAME = "model-lifecycle"


@dataclass(frozen=True)
class LifecycleEntry:
    """One model's announced end of life."""

    model: str
    vendor: str
    retires: dt.date | None
    replacement: str | None
    source: str


@dataclass(frozen=True)
class LifecycleTable:
    """The table as of the day the platform team last reviewed it."""

    as_of: dt.date
    entries: dict[str, LifecycleEntry]
    path: Path

    def lookup(self, model: str) -> LifecycleEntry | None:
        """The entry for `model`, also when a router writes it with a vendor prefix (`openai/gpt-4o-...`)."""
        return self.entries.get(model) or self.entries.get(model.rsplit("/", 1)[-1])


def default_table_path() -> Path:
    """The table shipped with this version of platform-cli."""
    return policies_dir() / TABLE_NAME


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@functools.lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> LifecycleTable:
    from platform_cli.yamlschema import load_validated

    loaded = load_validated(path, SCHEMA_NAME, what="model lifecycle table")
    data: dict[str, Any] = loaded.data
    entries = {
        item["model"]: LifecycleEntry(
            model=item["model"],
            vendor=item["vendor"],
            retires=_date(item.get("retires")),
            replacement=item.get("replacement"),
            source=item["source"],
        )
        for item in data["models"]
    }
    as_of = _date(data["as_of"])
    assert as_of is not None  # the schema requires it
    return LifecycleTable(as_of=as_of, entries=entries, path=path)


def load_lifecycle(path: Path | None = None) -> LifecycleTable:
    """Load (once per file version) and validate a lifecycle table. Raises InvalidFile / UserError."""
    target = (path or default_table_path()).resolve()
    try:
        mtime = target.stat().st_mtime_ns
    except OSError:
        mtime = 0  # load_validated reports the missing file with its name
    return _load(target, mtime)
