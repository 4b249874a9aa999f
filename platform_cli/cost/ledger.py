"""What every cost command starts from: the feature's manifest, its store, its effective price table;
and `reprice`, which recomputes stored costs after a price change."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.cost.prices import PriceTable, effective_table
from platform_cli.cost.pricing import price_usage
from platform_cli.cost.window import Window
from platform_cli.manifest import Manifest, load_manifest, resolve_state_url
from platform_cli.repo import MANIFEST_NAME
from platform_cli.store import Store, open_store
from platform_cli.store.engine import utc_timestamp


@dataclass(frozen=True)
class Ledger:
    manifest: Manifest
    state_url: str
    prices: PriceTable

    @property
    def feature(self) -> str:
        return self.manifest.name

    @property
    def declared_models(self) -> list[str]:
        return list(dict.fromkeys(p.model for p in self.manifest.providers))

    @contextmanager
    def store(self) -> Iterator[Store]:
        store = open_store(self.state_url)
        try:
            yield store
        finally:
            store.close()


def open_ledger(repo_root: Path) -> Ledger:
    manifest = load_manifest(repo_root / MANIFEST_NAME)
    return Ledger(manifest, resolve_state_url(manifest), effective_table(manifest.root))


def record_table(store: Store, table: PriceTable) -> None:
    """Keep the content of `table` in the store under its version (so events can be traced to prices)."""
    models = json.dumps(table.document()["models"], sort_keys=True)
    store.record_price_table(table.version, table.as_of, table.source, utc_timestamp(), models)


@dataclass
class RepriceResult:
    version: str
    examined: int = 0
    changed: int = 0
    priced: int = 0
    unpriced: int = 0
    from_versions: Counter[str] = field(default_factory=Counter)
    unpriced_models: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "examined": self.examined,
            "changed": self.changed,
            "priced": self.priced,
            "unpriced": self.unpriced,
            "from_versions": dict(self.from_versions),
            "unpriced_models": dict(self.unpriced_models),
            "dry_run": self.dry_run,
        }


def reprice(
    store: Store, feature: str, table: PriceTable, window: Window, *, dry_run: bool = False
) -> RepriceResult:
    """Recompute cost_usd and price_version of every event of `feature` in `window` with `table`."""
    result = RepriceResult(table.version, dry_run=dry_run)
    if not dry_run:
        record_table(store, table)
    for batch in store.events_to_price(feature, window.since_ts, window.until_ts):
        updates = []
        for event in batch:
            result.examined += 1
            cost = price_usage(event, event.model, table)
            if cost is None:
                result.unpriced += 1
                result.unpriced_models[event.model or "(none)"] += 1
            else:
                result.priced += 1
            if event.price_version != table.version:
                result.changed += 1
                result.from_versions[event.price_version or "(never priced)"] += 1
            updates.append((cost, table.version, event.id))
        if not dry_run:
            store.set_prices(updates)
    if not dry_run:
        store.drop_cached_days(feature, window.since_ts, window.until_ts)  # cached sums hold the old costs
    return result
