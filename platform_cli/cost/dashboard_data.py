"""The numbers behind the cost dashboard: one roll-up scan plus the budget and trend views, as plain data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from platform_cli.cost.budget import BudgetStatus, check_budget
from platform_cli.cost.figures import BILLED, Figures, group_rows
from platform_cli.cost.trends import TrendsReport, soak_trends
from platform_cli.cost.window import Window
from platform_cli.manifest import Budget
from platform_cli.store import Store


@dataclass
class DashboardData:
    feature: str
    window: Window
    now: dt.datetime
    days: list[str]
    daily: dict[str, Figures]  # billed traffic per day
    daily_offline: dict[str, Figures]
    by_version_day: dict[str, dict[str, Figures]]  # version -> day -> figures (all classes)
    by_model: dict[tuple[str, str], Figures]  # (model, provider) -> figures (all classes)
    by_provider: dict[str, Figures]
    total: Figures
    budget: BudgetStatus | None
    trends: TrendsReport | None
    unpriced_models: list[tuple[str, int, int]]
    price_version: str
    price_as_of: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "window": self.window.as_dict(),
            "total": self.total.as_dict(),
            "unpriced_models": [{"model": m, "requests": n, "tokens": t} for m, n, t in self.unpriced_models],
            "budget": self.budget.as_dict() if self.budget else None,
            "sustained_trends": [t.as_dict() for t in self.trends.sustained] if self.trends else [],
        }


def _days(window: Window) -> list[str]:
    first = window.since.date()
    last = (window.until - dt.timedelta(microseconds=1)).date()
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def collect(
    store: Store,
    feature: str,
    window: Window,
    *,
    now: dt.datetime,
    budget: Budget | None,
    soak_days: int,
    price_version: str,
    price_as_of: str,
) -> DashboardData:
    since, until = window.since_ts, window.until_ts
    daily: dict[str, Figures] = {}
    offline: dict[str, Figures] = {}
    total = Figures()
    for (day,), by_class in group_rows(store.usage_rollup(feature, ["day"], since, until)).items():
        for traffic, fig in by_class.items():
            (daily if traffic in BILLED else offline).setdefault(day, Figures()).merge(fig)
            total.merge(fig)
    by_version_day: dict[str, dict[str, Figures]] = {}
    rows = store.usage_rollup(feature, ["day", "version"], since, until, latency=False)
    for (day, version), by_class in group_rows(rows).items():
        for fig in by_class.values():
            by_version_day.setdefault(version, {}).setdefault(day, Figures()).merge(fig)
    by_model: dict[tuple[str, str], Figures] = {}
    by_provider: dict[str, Figures] = {}
    rows = store.usage_rollup(feature, ["model", "provider"], since, until, latency=False)
    for (model, provider), by_class in group_rows(rows).items():
        for fig in by_class.values():
            by_model.setdefault((model, provider), Figures()).merge(fig)
            by_provider.setdefault(provider, Figures()).merge(fig)
    status = check_budget(store, feature, budget, now=now, allow_unpriced=True) if budget else None
    trends = soak_trends(store, feature, now=now, soak_days=soak_days)
    unpriced = store.unpriced_models(feature, window.since_ts, window.until_ts)
    notes = []
    if offline:
        notes.append(
            "Offline answers (the fake provider standing in for a declared model) are priced as that model "
            "so the ledger can be exercised; they are never billed and not counted against the budget."
        )
    return DashboardData(
        feature, window, now, _days(window), daily, offline, by_version_day, by_model, by_provider, total,
        status, trends, unpriced, price_version, price_as_of, notes,
    )  # fmt: skip
