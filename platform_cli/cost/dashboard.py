"""`platform cost dashboard`: one self-contained HTML file (plotly.js inlined) that opens with no network.

Panels: daily spend against budget and projection; cost per request by prompt version; spend by model and
provider; token mix; latency percentiles; refusal, fallback, error and malformed rates; the soak trend;
unpriced usage. Every label that comes from data is neutralized before plotly sees it (plotly reads a few
HTML-like tags in text), and the page's data is embedded as JSON with `</` escaped.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import json
from pathlib import Path
from typing import Any

from platform_cli.cost.dashboard_data import DashboardData
from platform_cli.cost.figures import Figures, money
from platform_cli.errors import InternalError

PANELS = (
    ("spend", "Daily spend against budget and projection"),
    ("cost_per_request", "Cost per request by prompt version"),
    ("spend_by_model", "Spend by model and provider"),
    ("token_mix", "Token mix per day"),
    ("latency", "Latency percentiles per day"),
    ("rates", "Refusal, fallback, error and malformed rates"),
    ("soak_trend", "Soak trend: cost per request week over week"),
    ("unpriced", "Unpriced usage"),
)


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as shipped inside the plotly package (found without importing plotly itself)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise InternalError(
            "the plotly package is missing: pip install 'platform-cli' again (it depends on it)"
        )
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InternalError(f"cannot read plotly.js from {path}: {error.strerror}") from None


def label(text: object) -> str:
    """A data value made safe as plotly text: no tags plotly would interpret (<a>, <b>, <br>, ...)."""
    return str(text).replace("<", "\u2039").replace(">", "\u203a")


def _series(days: list[str], by_day: dict[str, Figures], value: Any) -> list[float | None]:
    return [value(by_day[d]) if d in by_day else None for d in days]


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.01},
        "margin": {"l": 60, "r": 70, "t": 50, "b": 50},
        "height": 340,
        "legend": {"orientation": "h", "y": -0.2},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#fafafa",
    }
    layout.update(extra)
    return layout


def spend_figure(data: DashboardData) -> dict[str, Any]:
    days = data.days
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": "billed spend (USD/day)",
            "x": days,
            "y": _series(days, data.daily, lambda f: round(f.cost_usd, 6)),
            "marker": {"color": "#3366cc"},
        },
    ]
    if data.daily_offline:
        traces.append(
            {
                "type": "bar",
                "name": "offline, not billed",
                "x": days,
                "y": _series(days, data.daily_offline, lambda f: round(f.cost_usd, 6)),
                "marker": {"color": "#bbbbbb"},
            }
        )
    status = data.budget
    if status is not None and status.budget.monthly_usd:
        cumulative, running = [], 0.0
        for day, cost in status.daily:
            running += cost
            cumulative.append((day, round(running, 6)))
        month_start = status.month.since.date().isoformat()
        month_end = status.month.until.date().isoformat()
        traces += [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "month to date",
                "yaxis": "y2",
                "x": [d for d, _ in cumulative],
                "y": [c for _, c in cumulative],
                "line": {"color": "#109618"},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"budget ${status.budget.monthly_usd:,.2f}",
                "yaxis": "y2",
                "x": [month_start, month_end],
                "y": [status.budget.monthly_usd] * 2,
                "line": {"color": "#dc3912", "dash": "dot"},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"projection {money(status.projection_usd)}",
                "yaxis": "y2",
                "x": [status.now.date().isoformat(), month_end],
                "y": [round(status.spend.cost_usd, 6), round(status.projection_usd, 6)],
                "line": {"color": "#ff9900", "dash": "dash"},
            },
        ]
    return {
        "data": traces,
        "layout": _layout(
            "Daily spend against budget and projection",
            barmode="stack",
            yaxis={"title": {"text": "USD per day"}},
            yaxis2={
                "title": {"text": "USD this month"},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
            },
        ),
    }


def cost_per_request_figure(data: DashboardData) -> dict[str, Any]:
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": label(version),
            "x": data.days,
            "y": _series(
                data.days,
                by_day,
                lambda f: None if f.cost_per_request is None else round(f.cost_per_request, 8),
            ),
        }
        for version, by_day in sorted(data.by_version_day.items())
    ]
    return {
        "data": traces,
        "layout": _layout("Cost per request by prompt version", yaxis={"title": {"text": "USD"}}),
    }


def spend_by_model_figure(data: DashboardData) -> dict[str, Any]:
    items = sorted(data.by_model.items(), key=lambda item: -item[1].cost_usd)
    names = [label(f"{model} ({provider})") for (model, provider), _ in items]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "spend",
                "y": names,
                "x": [round(f.cost_usd, 6) for _, f in items],
                "text": [money(f.cost_usd, f.unpriced_requests) for _, f in items],
                "textposition": "outside",
                "cliponaxis": False,
            },
        ],
        "layout": _layout(
            "Spend by model and provider", xaxis={"title": {"text": "USD"}}, yaxis={"automargin": True}
        ),
    }


def token_mix_figure(data: DashboardData) -> dict[str, Any]:
    days = data.days
    every = {d: Figures() for d in days}
    for source in (data.daily, data.daily_offline):
        for day, fig in source.items():
            every.setdefault(day, Figures()).merge(fig)
    buckets = (
        ("uncached input", lambda f: f.uncached_input_tokens),
        ("cache read", lambda f: f.cache_read_tokens),
        ("cache write", lambda f: f.cache_write_tokens),
        ("output", lambda f: f.output_tokens),
    )
    traces = [
        {"type": "bar", "name": name, "x": days, "y": _series(days, every, get)} for name, get in buckets
    ]
    return {
        "data": traces,
        "layout": _layout("Token mix per day", barmode="stack", yaxis={"title": {"text": "tokens"}}),
    }


def _all_days(data: DashboardData) -> dict[str, Figures]:
    merged: dict[str, Figures] = {}
    for source in (data.daily, data.daily_offline):
        for day, fig in source.items():
            merged.setdefault(day, Figures()).merge(fig)
    return merged


def latency_figure(data: DashboardData) -> dict[str, Any]:
    days, every = data.days, _all_days(data)
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": name, "x": days, "y": _series(days, every, get)}
        for name, get in (("p50", lambda f: f.p50_latency_ms), ("p95", lambda f: f.p95_latency_ms))
    ]
    return {"data": traces, "layout": _layout("Latency percentiles per day", yaxis={"title": {"text": "ms"}})}


def rates_figure(data: DashboardData) -> dict[str, Any]:
    days, every = data.days, _all_days(data)
    rates = (
        ("refusal", lambda f: f.refusal_rate),
        ("fallback", lambda f: f.fallback_rate),
        ("error", lambda f: f.error_rate),
        ("malformed", lambda f: f.malformed_rate),
        ("cache hit", lambda f: f.cache_hit_rate),
    )
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": name, "x": days, "y": _series(days, every, get)}
        for name, get in rates
    ]
    return {
        "data": traces,
        "layout": _layout(
            "Refusal, fallback, error and malformed rates", yaxis={"tickformat": ".0%", "rangemode": "tozero"}
        ),
    }


def soak_trend_figure(data: DashboardData) -> dict[str, Any]:
    traces = []
    report = data.trends
    if report is not None:
        for t in report.trends:
            if t.group_by != "version" or t.metric != "cost_per_request":
                continue
            verdict = "SUSTAINED " + t.trend.direction if t.trend.sustained else t.trend.direction
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": label(f"{t.group}: {verdict}"),
                    "x": report.weeks,
                    "y": t.weekly,
                }
            )
    return {
        "data": traces,
        "layout": _layout(
            "Soak trend: cost per request week over week",
            xaxis={"title": {"text": "week starting"}},
            yaxis={"title": {"text": "USD per request"}},
        ),
    }


def unpriced_figure(data: DashboardData) -> dict[str, Any]:
    models = data.unpriced_models
    return {
        "data": [
            {
                "type": "bar",
                "name": "unpriced requests",
                "x": [label(m) for m, _, _ in models],
                "y": [n for _, n, _ in models],
                "marker": {"color": "#dc3912"},
            }
        ],
        "layout": _layout(
            "Unpriced usage (requests with no price: not in any total)",
            height=260,
            yaxis={"title": {"text": "requests"}, "rangemode": "tozero"},
        ),
    }


FIGURES = {
    "spend": spend_figure,
    "cost_per_request": cost_per_request_figure,
    "spend_by_model": spend_by_model_figure,
    "token_mix": token_mix_figure,
    "latency": latency_figure,
    "rates": rates_figure,
    "soak_trend": soak_trend_figure,
    "unpriced": unpriced_figure,
}


def _summary(data: DashboardData) -> str:
    total = data.total
    parts = [
        f"<b>{total.requests:,}</b> requests",
        f"spend <b>{html.escape(money(total.cost_usd, total.unpriced_requests))}</b>",
    ]
    if data.budget and data.budget.budget.monthly_usd:
        b = data.budget
        parts.append(
            f"month to date <b>{html.escape(money(b.spend.cost_usd))}</b> of ${b.budget.monthly_usd:,.2f}"
            f" (projected {html.escape(money(b.projection_usd))})"
        )
    return " &middot; ".join(parts)


def _unpriced_callout(data: DashboardData) -> str:
    if not data.unpriced_models:
        return (
            '<p class="ok">Every request in this window is priced (price table '
            f"{html.escape(data.price_version)} as of {html.escape(data.price_as_of)}).</p>"
        )
    items = "".join(
        f"<li><code>{html.escape(model)}</code>: {count:,} requests, {tokens:,} tokens</li>"
        for model, count, tokens in data.unpriced_models
    )
    return (
        '<div class="unpriced-callout"><b>UNPRICED usage is not in any cost on this page.</b> '
        "Add prices with <code>platform cost prices import FILE</code>, then "
        f"<code>platform cost reprice --since ...</code>.<ul>{items}</ul></div>"
    )


def _trend_table(data: DashboardData) -> str:
    if data.trends is None:
        return ""
    flagged = data.trends.sustained
    rows = "".join(
        f"<tr><td>{html.escape(t.group_by)} {html.escape(t.group)}</td><td>{html.escape(t.metric)}</td>"
        f"<td>{t.trend.direction}</td><td>{(t.trend.relative_change or 0) * 100:+.1f}%</td>"
        f"<td>{t.trend.p_value:.3g}</td></tr>"
        for t in flagged
    )
    body = (
        f"<table><tr><th>group</th><th>metric</th><th>direction</th><th>change</th><th>p</th></tr>{rows}</table>"
        if flagged
        else "<p>No sustained trend in the soak window.</p>"
    )
    return f'{body}<p class="method">Method: {html.escape(data.trends.method)}</p>'


# Nothing may be fetched: scripts and styles are inline, images and fonts only as data: URLs.
_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)
_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f3f4f6;color:#111}
header{background:#1f2937;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;font-size:13px;color:#d1d5db}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px;padding:16px}
section.panel{background:#fff;border-radius:8px;padding:8px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.unpriced-callout{border-left:4px solid #dc3912;background:#fff1f0;padding:8px 12px;margin:4px}
.ok{color:#065f46;margin:8px}.method{font-size:12px;color:#555;margin:6px}
table{border-collapse:collapse;margin:6px;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px}
.note{font-size:12px;color:#555;padding:0 24px}
"""


def render_html(data: DashboardData) -> str:
    figures = {name: FIGURES[name](data) for name, _ in PANELS}
    payload = json.dumps(figures, separators=(",", ":"), allow_nan=False, default=str).replace("</", "<\\/")
    sections = []
    for name, title in PANELS:
        extra = ""
        if name == "unpriced":
            extra = _unpriced_callout(data)
        elif name == "soak_trend":
            extra = _trend_table(data)
        sections.append(
            f'<section class="panel" data-panel="{name}" aria-label="{html.escape(title)}">'
            f'<div class="chart" id="chart-{name}"></div>{extra}</section>'
        )
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in data.notes)
    window = f"{data.window.since:%Y-%m-%d %H:%M} .. {data.window.until:%Y-%m-%d %H:%M} UTC"
    prices = f"prices {html.escape(data.price_version)} as of {html.escape(data.price_as_of)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>Cost dashboard: {html.escape(data.feature)}</title><style>{_STYLE}</style></head>
<body><header><h1>Cost: {html.escape(data.feature)}</h1>
<p>{window} &middot; {_summary(data)} &middot; {prices}</p></header>
{notes}<main>{"".join(sections)}</main>
<script>{plotly_js()}</script>
<script>
const FIGURES = {payload};
for (const [name, fig] of Object.entries(FIGURES)) {{
  Plotly.newPlot("chart-" + name, fig.data, fig.layout, {{displaylogo: false, responsive: true}});
}}
document.body.dataset.rendered = "true";
</script></body></html>
"""
