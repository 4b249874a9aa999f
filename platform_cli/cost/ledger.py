"""What every cost command starts from: the feature's manifest, its store, its effective price table;
and `reprice`, which recomputes stored costs after a price change."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.cost.prices import PriceTable, effective_table
from platform_cli.cost.pricing import price_event
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
        """The store, for writes (created and migrated when needed)."""
        store = open_store(self.state_url)
        try:
            yield store
        finally:
            store.close()

    def reading(self) -> AbstractContextManager[StoreRead]:
        """The store, for reads: nothing is created (see `reading`)."""
        return reading(self.state_url)


NO_USAGE = "no usage recorded yet: the state store {url} has never been written (nothing was created)"


@dataclass(frozen=True)
class StoreRead:
    store: Store
    existed: bool  # False: the store was never written; `store` is an empty one in memory


@contextmanager
def reading(url: str) -> Iterator[StoreRead]:
    """The store at `url` for a read that must not create it (report, budget check, trends, dashboard,
    metrics). When it was never written (no SQLite file yet, a database without the registry's tables),
    the read runs against an empty in-memory store instead, so it gives its usual answer over no usage and
    no file or table is made. An existing store is brought up to date like any open (the runtime does the
    same on its first call): the cost queries need the current columns."""
    from platform_cli.prompts.config import existing_store

    found = existing_store(url)
    store = open_store("sqlite:///:memory:") if found is None else found
    try:
        if found is not None:
            store.migrate()
        yield StoreRead(store, found is not None)
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
            cost = price_event(event, event.model, event.provider_kind, table)
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
