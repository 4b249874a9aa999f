"""`platform cost prices import FILE`: take prices from a LiteLLM-format file instead of typing them.

Which models are taken: the ones named with --model, else every model the manifest declares plus every
model already in the destination (so an import refreshes what you use), or everything with --all. The
destination (the repo's `prices.json` by default) is rewritten atomically with the new `as_of` and
`source`; models not taken keep their previous entry. A declared model the file does not price is listed,
and stays unpriced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.clock import utc_today
from platform_cli.cost.prices import (
    ModelPrice,
    PriceTable,
    load_table_file,
    parse_entries,
    read_json,
    select_entries,
)
from platform_cli.errors import InvalidFile, Problem
from platform_cli.fsutil import atomic_write_text


@dataclass(frozen=True)
class ImportResult:
    destination: Path
    table: PriceTable
    added: list[str]
    changed: list[tuple[str, dict[str, Any], dict[str, Any]]]  # model, old entry, new entry
    unchanged: list[str]
    not_in_file: list[str]
    written: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "destination": str(self.destination),
            "version": self.table.version,
            "as_of": self.table.as_of,
            "source": self.table.source,
            "added": self.added,
            "changed": [{"model": m, "old": old, "new": new} for m, old, new in self.changed],
            "unchanged": self.unchanged,
            "not_in_file": self.not_in_file,
            "written": self.written,
        }


def read_litellm_file(path: Path) -> dict[str, ModelPrice]:
    """Every token-priced model of a LiteLLM `model_prices_and_context_window.json` (or a table file)."""
    data, text = read_json(path, "LiteLLM price file")
    display = str(path)
    if isinstance(data, dict) and isinstance(data.get("models"), dict):  # a table written by us
        data = data["models"]
    if not isinstance(data, dict):
        raise InvalidFile(
            display,
            [Problem(display, 1, 1, "$", "expected a mapping of model id -> prices",
                     "use LiteLLM's model_prices_and_context_window.json format")],
            "LiteLLM price file",
        )  # fmt: skip
    prices, problems = parse_entries(data, display=display, text=text, strict=False)
    if problems:
        raise InvalidFile(display, problems, "LiteLLM price file")
    return prices


def import_prices(
    source_file: Path,
    destination: Path,
    *,
    models: Sequence[str] = (),
    declared: Iterable[str] = (),
    take_all: bool = False,
    as_of: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    found = read_litellm_file(source_file)
    existing = load_table_file(destination) if destination.is_file() else None
    before = dict(existing.prices) if existing else {}
    wanted: list[str] | None
    if take_all:
        wanted = None
    elif models:
        wanted = list(models)
    else:
        wanted = [*declared, *before]
    chosen, absent = select_entries(found, wanted)
    merged = {**before, **chosen}
    table = PriceTable(
        merged,
        as_of=as_of or utc_today().isoformat(),
        source=source or f"imported from {source_file.name} (LiteLLM format)",
    )
    added = sorted(m for m in chosen if m not in before)
    changed = [
        (m, before[m].as_litellm(), chosen[m].as_litellm())
        for m in sorted(chosen)
        if m in before and before[m].as_litellm() != chosen[m].as_litellm()
    ]
    unchanged = sorted(m for m in chosen if m in before and before[m].as_litellm() == chosen[m].as_litellm())
    if not dry_run:
        atomic_write_text(destination, json.dumps(table.document(), indent=1) + "\n")
    return ImportResult(destination, table, added, changed, unchanged, absent, not dry_run)
