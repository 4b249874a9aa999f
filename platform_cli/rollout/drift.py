"""Trends across the soak: each guard's daily series for the canary (and control), judged by the cost
ledger's `trend_stats.trend` (Theil-Sen slope, Mann-Kendall test), so a slow drift is flagged before the
final step even when no single day crosses a guard's allowance.

A guard DRIFTS when the canary's trend is sustained in the metric's worse direction and control's is not
(a drift both cohorts share, such as a provider's price change, is not the new version's doing). Sustained
here means: Mann-Kendall p below ALPHA shared among the guards (Bonferroni: a daily watch over five guards
must not raise a false drift every few weeks), and a fitted change across the series of at least half the
guard's relative allowance, so a drift is flagged while every day is still within the allowance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from platform_cli.cost import trend_stats
from platform_cli.prompts.cohorts import CONTROL
from platform_cli.rollout.evidence import CANARY, Cohort
from platform_cli.rollout.guards import point, sample_size
from platform_cli.rollout.settings import Guard

MIN_DAY_SAMPLES = 10  # a day with fewer answers in a cohort is left out of its series
ALPHA = 0.05  # family-wise over the guards
MIN_CHANGE_FLOOR = 0.02  # the least fitted change (relative to the median) that counts as a drift


@dataclass(frozen=True)
class GuardTrend:
    metric: str
    canary: trend_stats.Trend
    control: trend_stats.Trend
    drifting: bool

    @property
    def weekly_change(self) -> float | None:
        """The canary's slope over a week, relative to its median (+0.05 = 5% worse per week if up)."""
        trend = self.canary
        if trend.slope_per_day is None or not trend.median:
            return None
        return trend.slope_per_day * 7 / abs(trend.median)

    def as_dict(self) -> dict[str, Any]:
        weekly = self.weekly_change
        return {
            "metric": self.metric,
            "drifting": self.drifting,
            "canary_week_over_week": None if weekly is None else round(weekly, 6),
            "canary": self.canary.as_dict(),
            "control": self.control.as_dict(),
        }


def series(guard: Guard, days: dict[str, Cohort], start: dt.date) -> list[tuple[float, float]]:
    """(days since `start`, the guard's value that day) for every day with enough answers."""
    points: list[tuple[float, float]] = []
    for day, cohort in sorted(days.items()):
        if sample_size(guard, cohort) < MIN_DAY_SAMPLES:
            continue
        value = point(guard, cohort)
        if value is not None:
            points.append(((dt.date.fromisoformat(day) - start).days, value))
    return points


def min_change(guard: Guard) -> float:
    """Half the guard's relative allowance: a drift is caught before a day crosses the allowance."""
    return max(MIN_CHANGE_FLOOR, guard.relative / 2)


def trends(
    guards: tuple[Guard, ...], by_day: dict[str, dict[str, Cohort]], start: dt.date
) -> list[GuardTrend]:
    out = []
    alpha = ALPHA / max(1, len(guards))
    for guard in guards:
        change, worse = min_change(guard), guard.metric.worse
        canary, control = (
            trend_stats.trend(
                series(guard, by_day[which], start), worse=worse, alpha=alpha, min_change=change
            )
            for which in (CANARY, CONTROL)
        )
        out.append(GuardTrend(guard.name, canary, control, canary.sustained and not control.sustained))
    return out


def method() -> str:
    return (
        f"daily values per cohort (days with fewer than {MIN_DAY_SAMPLES} answers left out), Theil-Sen "
        "slope; "
        f"Mann-Kendall test at p < {ALPHA:g} shared among the guards (Bonferroni); a guard drifts when the "
        "canary's trend is significant, worsens by at least half the guard's relative allowance across the "
        f"series (at least {MIN_CHANGE_FLOOR:.0%}), and control's trend is not"
    )
