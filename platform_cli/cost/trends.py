"""`platform cost trends`: week over week across the soak window, per prompt version and cohort.

For each group (prompt version, cohort) and metric it gives the weekly values, the week-over-week change,
and the daily-series verdict of `trend_stats.trend` (sustained slope vs one-day spike; the method is in
`trend_stats.METHOD`). Only user traffic is judged: eval runs and offline answers are not what users get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from platform_cli.cost import trend_stats
from platform_cli.cost.figures import Figures
from platform_cli.cost.span import Span
from platform_cli.cost.window import Window
from platform_cli.store import Store

Metric = Callable[[Figures], float | None]
# name -> (the direction that is worse, how to read it from a day's or week's figures)
METRICS: dict[str, tuple[trend_stats.Direction, Metric]] = {
    "cost_per_request": ("up", lambda f: f.cost_per_request),
    "tokens_per_request": ("up", lambda f: f.tokens_per_request),
    "refusal_rate": ("up", lambda f: f.refusal_rate),
    "cache_hit_rate": ("down", lambda f: f.cache_hit_rate),
    "p95_latency_ms": ("up", lambda f: f.p95_latency_ms),
}
GROUPINGS = ("version", "cohort")
DEFAULT_SOAK_DAYS = 42
MIN_DAY_REQUESTS = 10


@dataclass(frozen=True)
class MetricTrend:
    group_by: str
    group: str
    metric: str
    weekly: list[float | None]  # oldest week first
    week_over_week: list[float | None]  # relative change from the week before
    trend: trend_stats.Trend

    def as_dict(self) -> dict[str, Any]:
        return {
            "group_by": self.group_by,
            "group": self.group,
            "metric": self.metric,
            "weekly": [None if v is None else round(v, 8) for v in self.weekly],
            "week_over_week": [None if v is None else round(v, 4) for v in self.week_over_week],
            **self.trend.as_dict(),
        }


@dataclass(frozen=True)
class TrendsReport:
    feature: str
    window: Window
    weeks: list[str]  # first day of each week, oldest first
    trends: list[MetricTrend]
    method: str

    @property
    def sustained(self) -> list[MetricTrend]:
        return [t for t in self.trends if t.trend.sustained]

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "window": self.window.as_dict(),
            "weeks": self.weeks,
            "method": self.method,
            "sustained": [t.as_dict() for t in self.sustained],
            "trends": [t.as_dict() for t in self.trends],
        }


def daily_series(
    by_day: dict[str, Figures], metric: Metric, start: dt.datetime, min_requests: int
) -> list[tuple[float, float]]:
    """(days since `start`, value) for each day with at least `min_requests` requests and a value."""
    points = []
    for day, fig in by_day.items():
        value = metric(fig) if fig.requests >= min_requests else None
        if value is not None:
            moment = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)
            points.append(((moment - start).total_seconds() / 86400.0, float(value)))
    return sorted(points)


def _weeks(window: Window) -> list[tuple[str, str]]:
    """Whole 7-day spans ending at the window's end (newest last), as (first day, day after) strings."""
    spans = []
    end = window.until
    while end - dt.timedelta(days=7) >= window.since - dt.timedelta(seconds=1):
        begin = end - dt.timedelta(days=7)
        spans.append((begin.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")))
        end = begin
    return list(reversed(spans))


def trend_window(now: dt.datetime, soak_days: int = DEFAULT_SOAK_DAYS) -> Window:
    """The soak window: whole days only, ending at the start of today (a partial day would look like a
    drop)."""
    until = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(until - dt.timedelta(days=soak_days), until)


def soak_trends(
    store: Store,
    feature: str,
    *,
    now: dt.datetime,
    soak_days: int = DEFAULT_SOAK_DAYS,
    groupings: Sequence[str] = GROUPINGS,
    min_day_requests: int = MIN_DAY_REQUESTS,
    alpha: float = 0.05,
    min_change: float = 0.10,
    span: Span | None = None,
) -> TrendsReport:
    """`span`: a read covering `trend_window(now, soak_days)` by day and every grouping (the dashboard
    shares its one read); else one read by day and all the groupings is made."""
    window = trend_window(now, soak_days)
    if span is None:
        span = Span.read(store, feature, ["day", *groupings], [window])
    weeks = _weeks(window)
    trends: list[MetricTrend] = []
    for grouping in groupings:
        per_group: dict[str, dict[str, Figures]] = {}
        for (day, group), by_class in span.grouped(window, ["day", grouping], classes=("user",)).items():
            per_group.setdefault(group, {})[day] = by_class["user"]
        for group, by_day in sorted(per_group.items()):
            weekly_figs = []
            for first, after in weeks:
                week = Figures()
                for day, fig in by_day.items():
                    if first <= day < after:
                        week.merge(fig)
                weekly_figs.append(week)
            for name, (worse, metric) in METRICS.items():
                weekly = [metric(w) if w.requests else None for w in weekly_figs]
                wow = [
                    None if a is None or b is None or a == 0 else (b - a) / abs(a)
                    for a, b in zip([None, *weekly[:-1]], weekly, strict=True)
                ]
                verdict = trend_stats.trend(
                    daily_series(by_day, metric, window.since, min_day_requests),
                    worse=worse, alpha=alpha, min_change=min_change,
                )  # fmt: skip
                trends.append(MetricTrend(grouping, group, name, weekly, wow, verdict))
    return TrendsReport(feature, window, [w[0] for w in weeks], trends, trend_stats.method(alpha, min_change))


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if metric.endswith("_rate"):
        return f"{value * 100:.1f}%"
    if metric == "cost_per_request":
        return f"${value:.5f}"
    return f"{value:,.0f}"


def render_text(report: TrendsReport) -> str:
    out = [
        f"{report.feature}: soak trends {report.window.since:%Y-%m-%d} .. {report.window.until:%Y-%m-%d}"
        f" ({len(report.weeks)} weeks, user traffic)",
        f"method: {report.method}",
    ]
    current = None
    for t in report.trends:
        if (t.group_by, t.group) != current:
            current = (t.group_by, t.group)
            out.append("")
            out.append(f"{t.group_by} {t.group}")
        weekly = " ".join(_fmt(t.metric, v).rjust(9) for v in t.weekly)
        verdict = "SUSTAINED " + t.trend.direction if t.trend.sustained else t.trend.direction
        if t.trend.relative_change is not None and t.trend.p_value is not None:
            verdict += f" ({t.trend.relative_change * 100:+.1f}% over window, p={t.trend.p_value:.3f})"
        elif t.trend.n < trend_stats.MIN_POINTS:
            verdict = f"too few days ({t.trend.n} < {trend_stats.MIN_POINTS})"
        if t.trend.spikes:
            verdict += f"; {len(t.trend.spikes)} one-day spike(s)"
        out.append(f"  {t.metric:<19} {weekly}  {verdict}")
    flagged = report.sustained
    out.append("")
    out.append(
        f"{len(flagged)} sustained trend(s): "
        + ", ".join(f"{t.group} {t.metric} {t.trend.direction}" for t in flagged)
        if flagged
        else "no sustained trend"
    )
    return "\n".join(out) + "\n"
