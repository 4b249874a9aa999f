"""The numbers behind the cost dashboard, as plain data: one read of the ledger (a `Span` over the dashboard's
window, the budget month and the soak window) that every panel, the budget and the trends are summed from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from platform_cli.cost.budget import BudgetStatus, budget_window, check_budget
from platform_cli.cost.figures import BILLED, Figures
from platform_cli.cost.span import Span
from platform_cli.cost.trends import TrendsReport, soak_trends, trend_window
from platform_cli.cost.window import Window
from platform_cli.manifest import Budget
from platform_cli.store import Store

# every panel's dimensions, read once (the trends' groupings among them: see trends.GROUPINGS)
DIMS = ("day", "version", "cohort", "model", "provider")


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
    windows = [window, trend_window(now, soak_days)]
    if budget:
        windows.append(budget_window(now))
    span = Span.read(store, feature, DIMS, windows)  # the one read every panel is computed from
    daily: dict[str, Figures] = {}
    offline: dict[str, Figures] = {}
    by_version_day: dict[str, dict[str, Figures]] = {}
    by_model: dict[tuple[str, str], Figures] = {}
    by_provider: dict[str, Figures] = {}
    total = Figures()
    for (day, version, _, model, provider), by_class in span.grouped(window, DIMS).items():
        for traffic, fig in by_class.items():
            (daily if traffic in BILLED else offline).setdefault(day, Figures()).merge(fig)
            by_version_day.setdefault(version, {}).setdefault(day, Figures()).merge(fig)
            by_model.setdefault((model, provider), Figures()).merge(fig)
            by_provider.setdefault(provider, Figures()).merge(fig)
            total.merge(fig)
    status = None
    if budget:
        status = check_budget(store, feature, budget, now=now, allow_unpriced=True, span=span)
    trends = soak_trends(store, feature, now=now, soak_days=soak_days, span=span)
    unpriced = []
    if total.unpriced_requests:  # the roll-up counted them: name their models
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
