"""What the feature runtime needs from the ledger, in one object built once per Feature:

- `price(usage, model, provider_kind)` -> (cost_usd | None, price-table version) for the usage event and
  the Result (None = unpriced; the offline fake's own models cost 0);
- `guard`: budget enforcement (`spec.budget.on_exhausted`) from the shared spend counter;
- `malformed(text, output_schema)`: does an answer fail the prompt's output_schema (None: not checked);
- metrics: `$PLATFORM_METRICS_PORT` serves the Prometheus exposition from this process (127.0.0.1, or
  `$PLATFORM_METRICS_ADDR`); `$PLATFORM_METRICS_TEXTFILE` / `$PLATFORM_METRICS_PUSHGATEWAY` write or push it
  when the feature closes (short-lived processes).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from platform_cli.cost.budget_guard import Guard, SpendCounter, counter_path
from platform_cli.cost.prices import PriceTable, effective_table
from platform_cli.cost.pricing import TokenCounts, price_event
from platform_cli.manifest import Manifest
from platform_cli.models import is_offline

log = logging.getLogger("platform_cli.cost")
_METRICS_LOCK = threading.Lock()
_METRICS_SERVED: set[tuple[str, int]] = set()


class CallCosting:
    def __init__(self, manifest: Manifest, state_url: str, table: PriceTable | None = None) -> None:
        self.manifest = manifest
        self.state_url = state_url
        self.table = table or effective_table(manifest.root)
        self.version = self.table.version
        self.guard = self._guard()
        self._maybe_serve_metrics()

    # --- pricing --------------------------------------------------------------------------------------
    def price(self, usage: TokenCounts, model: str | None, provider_kind: str | None) -> float | None:
        return price_event(usage, model, provider_kind, self.table)

    def spent(self, cost_usd: float | None, provider_kind: str | None) -> None:
        """Count a served call's cost against the budget (billed traffic only)."""
        if self.guard is not None and not is_offline(provider_kind or ""):
            self.guard.record(cost_usd)

    # --- budget ---------------------------------------------------------------------------------------
    def _guard(self) -> Guard | None:
        budget = self.manifest.budget
        if budget is None or not budget.on_exhausted or not budget.monthly_usd:
            return None
        counter = SpendCounter(counter_path(self.state_url, self.manifest.name))
        return Guard(counter, budget.monthly_usd, budget.on_exhausted, store_total=self._store_month_to_date)

    def _store_month_to_date(self) -> float:
        from platform_cli.cost.figures import BILLED, Figures, group_rows
        from platform_cli.cost.window import month_window, now_utc
        from platform_cli.store import open_store

        now = now_utc()
        month = month_window(now)
        with open_store(self.state_url) as store:
            rows = store.usage_rollup(self.manifest.name, [], month.since_ts, month.until_ts, latency=False)
        total = Figures()
        for by_class in group_rows(rows, classes=BILLED).values():
            for fig in by_class.values():
                total.merge(fig)
        return total.cost_usd

    # --- answers --------------------------------------------------------------------------------------
    @staticmethod
    def malformed(text: str, output_schema: Mapping[str, Any] | None) -> bool | None:
        """True when `text` is not JSON or fails `output_schema`; None when the prompt declares none."""
        if not output_schema:
            return None
        try:
            answer = json.loads(text)
        except (ValueError, RecursionError):
            return True
        return not _validator(json.dumps(output_schema, sort_keys=True)).is_valid(answer)

    # --- metrics --------------------------------------------------------------------------------------
    def _registry(self) -> Any:
        from platform_cli.cost.metrics import CostCollector, registry_for

        return registry_for(CostCollector(self.manifest, self.state_url))

    def _maybe_serve_metrics(self) -> None:
        port = os.environ.get("PLATFORM_METRICS_PORT")
        if not port:
            return
        addr = os.environ.get("PLATFORM_METRICS_ADDR", "127.0.0.1")
        key = (addr, int(port))
        with _METRICS_LOCK:
            if key in _METRICS_SERVED:
                return
            from prometheus_client import start_http_server

            start_http_server(int(port), addr=addr, registry=self._registry())
            _METRICS_SERVED.add(key)
        log.info("serving cost metrics on http://%s:%s/metrics", addr, port)

    def close(self) -> None:
        """Write or push the metrics when asked to (short-lived processes); release the counter."""
        textfile = os.environ.get("PLATFORM_METRICS_TEXTFILE")
        gateway = os.environ.get("PLATFORM_METRICS_PUSHGATEWAY")
        try:
            if textfile:
                from prometheus_client import write_to_textfile

                write_to_textfile(textfile, self._registry())
            if gateway:
                from prometheus_client import push_to_gateway

                push_to_gateway(gateway, job="platform-cost", registry=self._registry(),
                                grouping_key={"feature": self.manifest.name})  # fmt: skip
        except Exception as error:  # metrics must never break a feature's shutdown
            log.warning("cost metrics not written: %s", error)
        if self.guard is not None:
            self.guard.counter.close()
            self.guard = None


@functools.lru_cache(maxsize=64)
def _validator(schema_json: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_json))
