"""`platform cost report`: usage and cost over a window, grouped by one dimension, traffic classes apart."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from platform_cli.cost.figures import TRAFFIC_CLASSES, Figures, group_rows, money
from platform_cli.cost.window import Window
from platform_cli.errors import UserError
from platform_cli.store import Store
from platform_cli.store.sql.cost import DIMENSIONS

REPORT_DIMENSIONS = (
    "day",
    "model",
    "provider",
    "prompt",
    "version",
    "variant",
    "segment",
    "cohort",
    "operation",
)
TRAFFIC_TITLES = {
    "user": "user traffic",
    "eval": "eval traffic (eval runs and judges)",
    "offline": "offline (answered by the fake provider: priced as the declared model, not billed)",
}


@dataclass(frozen=True)
class Report:
    feature: str
    window: Window
    by: str
    # traffic class -> [(group value, figures)], groups sorted; and the class's total
    groups: dict[str, list[tuple[str, Figures]]]
    totals: dict[str, Figures]
    unpriced_models: list[tuple[str, int, int]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "window": self.window.as_dict(),
            "by": self.by,
            "traffic": {
                name: {
                    "total": self.totals[name].as_dict(),
                    "groups": [{self.by: key, **fig.as_dict()} for key, fig in self.groups[name]],
                }
                for name in self.groups
            },
            "unpriced_models": [
                {"model": model, "requests": count, "tokens": tokens}
                for model, count, tokens in self.unpriced_models
            ],
            "notes": NOTES,
        }


NOTES = (
    "cost_usd sums priced requests only; unpriced_requests are not in it (cost_complete false). "
    "p50/p95 latency are estimated from 5%-wide log buckets (within about 2.5%)."
)


def build_report(store: Store, feature: str, by: str, window: Window) -> Report:
    if by not in REPORT_DIMENSIONS or by not in DIMENSIONS:
        raise UserError(f"--by {by!r}: choose one of {', '.join(REPORT_DIMENSIONS)}")
    rows = store.usage_rollup(feature, [by], window.since_ts, window.until_ts)
    grouped = group_rows(rows)
    groups: dict[str, list[tuple[str, Figures]]] = {}
    totals: dict[str, Figures] = {}
    for traffic in TRAFFIC_CLASSES:
        members = sorted(
            (keys[0], by_class[traffic]) for keys, by_class in grouped.items() if traffic in by_class
        )
        if not members and traffic != "user":
            continue
        groups[traffic] = members
        total = Figures()
        for _, fig in members:
            total.merge(fig)
        totals[traffic] = total
    unpriced = store.unpriced_models(feature, window.since_ts, window.until_ts)
    return Report(feature, window, by, groups, totals, unpriced)


# --- rendering ------------------------------------------------------------------------------------------
_COLUMNS = (
    "requests",
    "cost",
    "$/req",
    "in",
    "cached",
    "out",
    "p50 ms",
    "p95 ms",
    "hit",
    "refuse",
    "fallb",
    "err",
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _cells(fig: Figures) -> list[str]:
    per = fig.cost_per_request
    return [
        f"{fig.requests:,}",
        money(fig.cost_usd, fig.unpriced_requests),
        "-" if per is None else f"${per:.5f}",
        _num(fig.input_tokens),
        _num(fig.cache_read_tokens + fig.cache_write_tokens),
        _num(fig.output_tokens),
        _num(fig.p50_latency_ms),
        _num(fig.p95_latency_ms),
        _pct(fig.cache_hit_rate),
        _pct(fig.refusal_rate),
        _pct(fig.fallback_rate),
        _pct(fig.error_rate),
    ]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A plain aligned text table (first column left, the rest right)."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def render_text(report: Report) -> str:
    out = [
        f"{report.feature}: usage {report.window.since:%Y-%m-%d %H:%M} .."
        f" {report.window.until:%Y-%m-%d %H:%M} UTC,"
        f" by {report.by}"
    ]
    for traffic, members in report.groups.items():
        out.append("")
        out.append(f"== {TRAFFIC_TITLES[traffic]}")
        rows = [[key, *_cells(fig)] for key, fig in members]
        rows.append(["TOTAL", *_cells(report.totals[traffic])])
        out.extend(table([report.by, *_COLUMNS], rows))
    if report.unpriced_models:
        out.append("")
        out.append(
            "UNPRICED (not in any cost above; add prices: platform cost prices import FILE, then reprice):"
        )
        for model, count, tokens in report.unpriced_models:
            out.append(f"  {model}: {count:,} requests, {tokens:,} tokens")
    out.append("")
    out.append(NOTES)
    return "\n".join(out) + "\n"


CSV_FIELDS = (
    "group", "traffic", "requests", "input_tokens", "uncached_input_tokens", "cache_read_tokens",
    "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "cost_complete",
    "unpriced_requests", "cost_per_request_usd", "p50_latency_ms", "p95_latency_ms", "cache_hit_rate",
    "refusal_rate", "fallback_rate", "error_rate", "malformed_rate",
)  # fmt: skip


def render_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([report.by if name == "group" else name for name in CSV_FIELDS])
    for traffic, members in report.groups.items():
        for key, fig in [*members, ("TOTAL", report.totals[traffic])]:
            writer.writerow(
                [
                    key, traffic, fig.requests, fig.input_tokens, fig.uncached_input_tokens,
                    fig.cache_read_tokens, fig.cache_write_tokens, fig.output_tokens, fig.reasoning_tokens,
                    f"{fig.cost_usd:.6f}", str(fig.cost_complete).lower(), fig.unpriced_requests,
                    _opt(fig.cost_per_request, 8), _opt(fig.p50_latency_ms, 3), _opt(fig.p95_latency_ms, 3),
                    _opt(fig.cache_hit_rate), _opt(fig.refusal_rate), _opt(fig.fallback_rate),
                    _opt(fig.error_rate), _opt(fig.malformed_rate),
                ]
            )  # fmt: skip
    return buffer.getvalue()


def _opt(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"
