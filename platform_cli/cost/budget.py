"""`platform cost budget check`: month-to-date spend against spec.budget, projection, alerts, breaches.

Spend is BILLED traffic only (user and eval calls; answers from the offline fake provider are left out).
Projection to month end = month-to-date spend + (mean daily spend over the last 7 days, or over the days
elapsed when fewer) x days left: it follows a recent step change instead of averaging it away.
The check fails (exit 1) when month-to-date spend reached the monthly budget, when any request cost more
than per_request_usd, or when requests are unpriced (the spend is then unknown; `--allow-unpriced` keeps
them a warning).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from platform_cli.cost.figures import BILLED, TRAFFIC_CLASSES, Figures, combined, money
from platform_cli.cost.span import Span
from platform_cli.cost.window import Window, month_window
from platform_cli.manifest import Budget
from platform_cli.store import Store
from platform_cli.store.cost import CostlyRequest

PROJECTION_DAYS = 7


@dataclass(frozen=True)
class Threshold:
    fraction: float
    amount_usd: float
    reached: bool  # by month-to-date spend
    projected: bool  # by the month-end projection


@dataclass(frozen=True)
class BudgetStatus:
    feature: str
    month: Window
    now: dt.datetime
    budget: Budget
    spend: Figures  # month to date, billed traffic
    daily: list[tuple[str, float]]  # (day, priced spend)
    projection_usd: float
    thresholds: list[Threshold]
    over_per_request: int
    costliest: list[CostlyRequest]
    unpriced_models: list[tuple[str, int, int]]
    allow_unpriced: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return bool(self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "month": self.month.as_dict(),
            "now": self.now.isoformat(),
            "budget": {
                "monthly_usd": self.budget.monthly_usd,
                "per_request_usd": self.budget.per_request_usd,
                "alert_at": self.budget.alert_at,
            },
            "spend_mtd_usd": round(self.spend.cost_usd, 6),
            "cost_complete": self.spend.cost_complete,
            "requests_mtd": self.spend.requests,
            "unpriced_requests": self.spend.unpriced_requests,
            "unpriced_models": [{"model": m, "requests": n, "tokens": t} for m, n, t in self.unpriced_models],
            "projection_usd": round(self.projection_usd, 6),
            "projection_method": (
                f"month-to-date + mean daily spend of the last {PROJECTION_DAYS} days x days left"
            ),
            "used_ratio": self.used_ratio,
            "thresholds": [t.__dict__ for t in self.thresholds],
            "over_per_request": self.over_per_request,
            "costliest": [c.__dict__ for c in self.costliest],
            "daily": [{"day": d, "cost_usd": round(c, 6)} for d, c in self.daily],
            "over": self.over,
            "problems": self.problems,
        }

    @property
    def used_ratio(self) -> float | None:
        monthly = self.budget.monthly_usd
        return round(self.spend.cost_usd / monthly, 6) if monthly else None


def project(daily: list[tuple[str, float]], spent: float, now: dt.datetime, month: Window) -> float:
    """Month-end spend if the last PROJECTION_DAYS days' daily mean continues (see the module doc)."""
    elapsed_days = max((now - month.since).total_seconds() / 86400.0, 1e-9)
    left_days = max((month.until - now).total_seconds() / 86400.0, 0.0)
    recent_start = now - dt.timedelta(days=PROJECTION_DAYS)
    first_day = max(recent_start, month.since)
    recent = sum(cost for day, cost in daily if day >= first_day.strftime("%Y-%m-%d"))
    span = min(float(PROJECTION_DAYS), elapsed_days)
    return spent + (recent / span) * left_days


def budget_window(now: dt.datetime) -> Window:
    """The month to date: from the first instant of `now`'s month (UTC) to `now`."""
    month = month_window(now)
    return Window(month.since, min(now, month.until))


def check_budget(
    store: Store,
    feature: str,
    budget: Budget,
    *,
    now: dt.datetime,
    allow_unpriced: bool = False,
    span: Span | None = None,
) -> BudgetStatus:
    """`span`: a read covering `budget_window(now)` (the dashboard shares its one read); else one is made."""
    month = month_window(now)
    window = budget_window(now)
    until = window.until
    since_ts, until_ts = window.since_ts, window.until_ts
    if span is None:
        span = Span.read(store, feature, ["day"], [window], latency=False)
    grouped = span.grouped(window, ["day"])
    spend, every = Figures(), Figures()
    daily: list[tuple[str, float]] = []
    for (day,), by_class in sorted(grouped.items()):
        day_total = combined(by_class, BILLED)
        if day_total.requests:
            spend.merge(day_total)
            daily.append((day, day_total.cost_usd))
        every.merge(combined(by_class, TRAFFIC_CLASSES))
    projection = project(daily, spend.cost_usd, until, month)
    monthly = budget.monthly_usd or 0.0
    thresholds = [
        Threshold(a, round(a * monthly, 6), spend.cost_usd >= a * monthly, projection >= a * monthly)
        for a in sorted(budget.alert_at)
    ] if monthly else []  # fmt: skip
    over_count, costliest = 0, list[CostlyRequest]()
    limit = budget.per_request_usd
    # the roll-up knows the dearest billed request: the ledger is searched only when one is over
    if limit and spend.max_cost_usd is not None and spend.max_cost_usd > limit:
        over_count, costliest = store.costly_requests(feature, since_ts, until_ts, limit, 5)
    unpriced = []
    if every.unpriced_requests:
        unpriced = [u for u in store.unpriced_models(feature, since_ts, until_ts) if u[1] > 0]
    problems = []
    if monthly and spend.cost_usd >= monthly:
        problems.append(
            f"month-to-date spend {money(spend.cost_usd)} reached the monthly budget ${monthly:,.2f}"
        )
    if over_count:
        problems.append(
            f"{over_count} request(s) cost more than the per-request budget ${budget.per_request_usd}"
        )
    if spend.unpriced_requests and not allow_unpriced:
        problems.append(
            f"{spend.unpriced_requests} request(s) are unpriced, so the spend is unknown "
            f"({', '.join(m for m, _, _ in unpriced)}); add their prices (platform cost prices import) "
            "and run platform cost reprice"
        )
    return BudgetStatus(
        feature, month, until, budget, spend, daily, projection, thresholds, over_count, costliest,
        unpriced, allow_unpriced, problems,
    )  # fmt: skip


def render_text(status: BudgetStatus) -> str:
    b = status.budget
    lines = [f"{status.feature}: budget {status.month.since:%Y-%m} (to {status.now:%Y-%m-%d %H:%M} UTC)"]
    lines.append(
        f"  spend month to date: {money(status.spend.cost_usd, status.spend.unpriced_requests)}"
        f" over {status.spend.requests:,} billed requests"
        + (
            f" ({status.used_ratio * 100:.1f}% of ${b.monthly_usd:,.2f})"
            if status.used_ratio is not None
            else ""
        )
    )
    lines.append(
        f"  projected month end: {money(status.projection_usd)} (last {PROJECTION_DAYS} days' daily mean)"
    )
    for t in status.thresholds:
        state = "REACHED" if t.reached else ("projected" if t.projected else "ok")
        lines.append(f"  alert at {t.fraction:g} (${t.amount_usd:,.2f}): {state}")
    if b.per_request_usd:
        lines.append(f"  requests over ${b.per_request_usd}/request: {status.over_per_request}")
        for c in status.costliest:
            lines.append(f"    {c.at} {c.prompt}@v{c.prompt_version} {c.model}: ${c.cost_usd:.5f}")
    for model, count, tokens in status.unpriced_models:
        lines.append(f"  UNPRICED: {model}: {count:,} requests, {tokens:,} tokens (not in the spend above)")
    if status.problems:
        lines.extend(f"OVER: {p}" for p in status.problems)
    else:
        lines.append("within budget")
    return "\n".join(lines) + "\n"
