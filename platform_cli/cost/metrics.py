"""Prometheus exposition of the ledger (prometheus-client): budget, spend, trends and per-provider health.

Every figure is computed from the state store at scrape time by `CostCollector`, so any process can expose
it: `platform cost metrics --serve` (an opt-in HTTP endpoint), `--textfile FILE` (node_exporter's textfile
collector) or `--pushgateway URL` for short-lived processes, or the runtime itself with
$PLATFORM_METRICS_PORT. All are gauges (values over a month or a window), so no process restart resets
them. Names, for alert rules and dashboards (METRIC_NAMES lists them; a test checks both use only these):

  platform_cost_budget_monthly_usd{feature}, platform_cost_budget_per_request_usd{feature}
  platform_cost_spend_mtd_usd{feature,traffic}        billed month-to-date spend (traffic: user | eval)
  platform_cost_budget_used_ratio{feature}            billed spend / monthly budget
  platform_cost_spend_projected_usd{feature}          month-end projection (see cost/budget.py)
  platform_cost_requests_mtd{feature,traffic}
  platform_cost_unpriced_requests_mtd{feature}        requests with no price (not in any spend figure)
  platform_cost_over_per_request_mtd{feature}         requests that cost more than per_request_usd
  platform_cost_per_request_usd{feature,window}       over the last `window` (user traffic)
  platform_cost_trend_sustained{feature,group_by,group,metric}        1 when a sustained worse trend
  platform_cost_trend_relative_change{feature,group_by,group,metric}  fitted change over the soak window
  platform_fleet_requests{feature,provider,model,oncall_owner,window}  tries in the window
  platform_fleet_error_ratio / _fallback_ratio / _refusal_ratio / _malformed_ratio {same labels}
  platform_fleet_latency_p95_seconds{same labels}
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from platform_cli.cost.budget import BudgetStatus, budget_window, check_budget
from platform_cli.cost.figures import Figures, group_rows
from platform_cli.cost.fleet import provider_health
from platform_cli.cost.ledger import reading
from platform_cli.cost.span import Span
from platform_cli.cost.trends import TrendsReport, soak_trends
from platform_cli.cost.window import Window, now_utc
from platform_cli.manifest import Manifest

FLEET_WINDOW_S = 900
TREND_REFRESH_S = 600.0
METRIC_NAMES = (
    "platform_cost_budget_monthly_usd",
    "platform_cost_budget_per_request_usd",
    "platform_cost_spend_mtd_usd",
    "platform_cost_budget_used_ratio",
    "platform_cost_spend_projected_usd",
    "platform_cost_requests_mtd",
    "platform_cost_unpriced_requests_mtd",
    "platform_cost_over_per_request_mtd",
    "platform_cost_per_request_usd",
    "platform_cost_trend_sustained",
    "platform_cost_trend_relative_change",
    "platform_fleet_requests",
    "platform_fleet_error_ratio",
    "platform_fleet_fallback_ratio",
    "platform_fleet_refusal_ratio",
    "platform_fleet_malformed_ratio",
    "platform_fleet_latency_p95_seconds",
)
FLEET_LABELS = ["feature", "provider", "model", "oncall_owner", "window"]


def window_label(seconds: int) -> str:
    return f"{seconds // 60}m" if seconds % 3600 else f"{seconds // 3600}h"


@dataclass(eq=False)  # registries key collectors by identity
class CostCollector(Collector):
    """Reads the store at each collect(); trends (one read of the soak window) are cached for a while."""

    manifest: Manifest
    state_url: str
    fleet_window_s: int = FLEET_WINDOW_S
    soak_days: int = 42
    clock: Callable[[], dt.datetime] = now_utc

    def __post_init__(self) -> None:
        self.store_existed = True  # False after a collect() found the store never written
        self._lock = threading.Lock()
        self._trends: tuple[float, TrendsReport] | None = None

    def collect(self) -> Iterator[Metric]:
        feature = self.manifest.name
        now = self.clock()
        with reading(self.state_url) as read:  # a store never written is not created by a scrape
            self.store_existed = read.existed
            store, budget = read.store, self.manifest.budget
            status, month_totals = None, {}
            if budget:
                month = budget_window(now)
                span = Span.read(store, feature, ["day"], [month], latency=False)  # the budget's one read
                status = check_budget(store, feature, budget, now=now, allow_unpriced=True, span=span)
                month_totals = span.grouped(month, [], classes=("user", "eval")).get((), {})
            since = now - dt.timedelta(seconds=self.fleet_window_s)
            span_recent = Window(since, now)
            rows = store.usage_rollup(feature, ["provider"], span_recent.since_ts, span_recent.until_ts)
            trends = self._trend_report(store, now)
        yield from self._budget_metrics(feature, status, month_totals)
        yield from self._fleet_metrics(feature, rows)
        yield from self._trend_metrics(feature, trends)

    # --- parts ----------------------------------------------------------------------------------------
    def _trend_report(self, store: object, now: dt.datetime) -> TrendsReport:
        with self._lock:
            cached = self._trends
            if cached is not None and time.monotonic() - cached[0] < TREND_REFRESH_S:
                return cached[1]
        report = soak_trends(store, self.manifest.name, now=now, soak_days=self.soak_days)  # type: ignore[arg-type]
        with self._lock:
            self._trends = (time.monotonic(), report)
        return report

    def _budget_metrics(
        self, feature: str, status: BudgetStatus | None, by_class: dict[str, Figures]
    ) -> Iterator[Metric]:
        if status is None:
            return
        b = status.budget
        for name, value, doc in (
            ("platform_cost_budget_monthly_usd", b.monthly_usd, "Monthly budget (spec.budget.monthly_usd)"),
            ("platform_cost_budget_per_request_usd", b.per_request_usd, "Per-request budget"),
        ):
            if value is not None:
                gauge = GaugeMetricFamily(name, doc, labels=["feature"])
                gauge.add_metric([feature], value)
                yield gauge
        spend = GaugeMetricFamily(
            "platform_cost_spend_mtd_usd",
            "Billed spend this month (priced requests)",
            labels=["feature", "traffic"],
        )
        requests = GaugeMetricFamily(
            "platform_cost_requests_mtd", "Requests this month", labels=["feature", "traffic"]
        )
        for traffic in ("user", "eval"):
            fig = by_class.get(traffic, Figures())
            spend.add_metric([feature, traffic], fig.cost_usd)
            requests.add_metric([feature, traffic], fig.requests)
        yield spend
        yield requests
        singles = (
            (
                "platform_cost_budget_used_ratio",
                status.used_ratio,
                "Billed spend this month / monthly budget",
            ),
            ("platform_cost_spend_projected_usd", status.projection_usd, "Projected month-end spend"),
            ("platform_cost_unpriced_requests_mtd", status.spend.unpriced_requests, "Requests with no price"),
            ("platform_cost_over_per_request_mtd", status.over_per_request, "Requests over per_request_usd"),
        )
        for name, value, doc in singles:
            if value is not None:
                gauge = GaugeMetricFamily(name, doc, labels=["feature"])
                gauge.add_metric([feature], float(value))
                yield gauge

    def _fleet_metrics(self, feature: str, rows: list) -> Iterator[Metric]:  # type: ignore[type-arg]
        window = window_label(self.fleet_window_s)
        health = provider_health(rows, self.manifest.providers)
        families = {
            "platform_fleet_requests": GaugeMetricFamily(
                "platform_fleet_requests",
                f"Calls that tried the provider in the last {window}",
                labels=FLEET_LABELS,
            ),
            "platform_fleet_error_ratio": GaugeMetricFamily(
                "platform_fleet_error_ratio", "Failed tries / tries", labels=FLEET_LABELS
            ),
            "platform_fleet_fallback_ratio": GaugeMetricFamily(
                "platform_fleet_fallback_ratio",
                "Failed tries a later provider rescued / tries",
                labels=FLEET_LABELS,
            ),
            "platform_fleet_refusal_ratio": GaugeMetricFamily(
                "platform_fleet_refusal_ratio", "Refusals / answers served", labels=FLEET_LABELS
            ),
            "platform_fleet_malformed_ratio": GaugeMetricFamily(
                "platform_fleet_malformed_ratio",
                "Answers failing the output_schema / answers checked",
                labels=FLEET_LABELS,
            ),
            "platform_fleet_latency_p95_seconds": GaugeMetricFamily(
                "platform_fleet_latency_p95_seconds", "p95 latency of answers served", labels=FLEET_LABELS
            ),
        }
        per_request = GaugeMetricFamily(
            "platform_cost_per_request_usd",
            "Cost per priced request (user traffic)",
            labels=["feature", "window"],
        )
        user = Figures()
        for by in group_rows(rows, classes=("user",)).values():
            user.merge(by["user"])
        if user.cost_per_request is not None:
            per_request.add_metric([feature, window], user.cost_per_request)
        yield per_request
        for item in health:
            labels = [feature, item.name, item.model, item.oncall_owner, window]
            families["platform_fleet_requests"].add_metric(labels, item.tries)
            values = {
                "platform_fleet_error_ratio": item.error_ratio,
                "platform_fleet_fallback_ratio": item.fallback_ratio,
                "platform_fleet_refusal_ratio": item.refusal_ratio,
                "platform_fleet_malformed_ratio": item.malformed_ratio,
                "platform_fleet_latency_p95_seconds": (
                    None if item.served.p95_latency_ms is None else item.served.p95_latency_ms / 1000.0
                ),
            }
            for name, value in values.items():
                if value is not None:
                    families[name].add_metric(labels, value)
        yield from families.values()

    def _trend_metrics(self, feature: str, report: TrendsReport) -> Iterator[Metric]:
        labels = ["feature", "group_by", "group", "metric"]
        sustained = GaugeMetricFamily(
            "platform_cost_trend_sustained",
            "1 when the soak window shows a sustained worse trend",
            labels=labels,
        )
        change = GaugeMetricFamily(
            "platform_cost_trend_relative_change",
            "Fitted change over the soak window / median",
            labels=labels,
        )
        for t in report.trends:
            values = [feature, t.group_by, t.group, t.metric]
            sustained.add_metric(values, 1.0 if t.trend.sustained else 0.0)
            if t.trend.relative_change is not None and abs(t.trend.relative_change) != float("inf"):
                change.add_metric(values, t.trend.relative_change)
        yield sustained
        yield change


def registry_for(collector: CostCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry
