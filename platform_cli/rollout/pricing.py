"""Price what the runtime left unpriced in a rollout's window, so the cost guard compares real costs.

Only events with no price yet (price_version NULL) are priced, with the repo's effective price table (the
table `platform cost reprice` uses); events already priced keep their price. A model the table does not
price stays unpriced (cost unknown, never $0) and is left out of the cost guard's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.cost.ledger import record_table
from platform_cli.cost.prices import effective_table
from platform_cli.cost.pricing import price_event
from platform_cli.manifest import Manifest
from platform_cli.store import Store


@dataclass
class Priced:
    priced: int = 0
    unpriced: int = 0


def price_window(store: Store, manifest: Manifest, prompt: str, since: str, until: str) -> Priced:
    table = effective_table(manifest.root)
    result = Priced()
    after = 0
    recorded = False
    while batch := store.never_priced_events(manifest.name, prompt, since, until, after_id=after):
        if not recorded:
            record_table(store, table)
            recorded = True
        updates = []
        for event in batch:
            cost = price_event(event, event.model, event.provider_kind, table)
            result.priced += cost is not None
            result.unpriced += cost is None
            updates.append((cost, table.version, event.id))
        store.set_prices(updates)
        after = batch[-1].id
    return result
