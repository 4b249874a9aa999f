"""Reports over whole past days read a per-day roll-up cache: it gives the same figures as the events,
notices late writes, and forgets repriced days."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from cost_support import event

from platform_cli.cost.figures import Figures, group_rows
from platform_cli.cost.prices import load_bundled
from platform_cli.cost.pricing import price_usage
from platform_cli.cost.span import Span
from platform_cli.cost.window import Window
from platform_cli.store import open_store
from platform_cli.store.cost import _split_days
from platform_cli.store.engine import utc_timestamp

START = dt.datetime(2026, 10, 1, 6, 30, tzinfo=dt.timezone.utc)


def _events(days: int) -> list:  # type: ignore[type-arg]
    table = load_bundled()
    out = []
    for d in range(days):
        for i in range(9):
            e = event(START + dt.timedelta(days=d, hours=2 * i), prompt_version=1 + d % 2,
                      variant="canary" if i % 3 == 0 else None, latency_ms=50.0 + 37 * i + d,
                      model="mystery-2026-01-01" if i == 8 else "gpt-4o-2024-08-06",
                      refusal=i == 4, provider_kind="fake" if i == 7 else "openai")  # fmt: skip
            out.append(replace(e, cost_usd=price_usage(e, e.model, table)))
    return out


def _totals(store, dims, since, until):  # type: ignore[no-untyped-def]
    totals: dict[tuple[tuple[str, ...], str], Figures] = {}
    for keys, by_class in group_rows(store.usage_rollup("cost-test", dims, since, until)).items():
        for traffic, fig in by_class.items():
            totals[(keys, traffic)] = fig
    return {k: (f.as_dict(), sorted(f.latency_buckets.items())) for k, f in totals.items()}


def test_cached_days_give_the_same_figures_as_the_events(store_url: str) -> None:
    since, until = (
        utc_timestamp(START + dt.timedelta(hours=5)),
        utc_timestamp(START + dt.timedelta(days=9, hours=3)),
    )
    with open_store(store_url) as store:
        store.add_usage_events(_events(10))
        for dims in (["day"], ["version", "cohort"], ["model", "provider"], []):
            direct = _totals_direct(store, dims, since, until)
            assert _totals(store, dims, since, until) == direct  # the first call fills the cache
            assert _totals(store, dims, since, until) == direct  # the second reads it
        cached = store._db.fetchone("SELECT count(*) FROM usage_daily_days WHERE feature = 'cost-test'")
        assert cached is not None and cached[0] >= 7

        # a late write into a cached day (here by another connection) is noticed
        late = replace(_events(1)[0], at=utc_timestamp(START + dt.timedelta(days=3, hours=1)), cost_usd=1.0)
        with open_store(store_url) as other:
            other.add_usage_events([late])
        with open_store(store_url) as fresh:
            assert _totals(fresh, ["day"], since, until) == _totals_direct(fresh, ["day"], since, until)

        # repricing drops the cached days of its window
        store._db.execute("UPDATE usage_events SET cost_usd = 2.0 WHERE feature = 'cost-test'")
        store.drop_cached_days("cost-test", since, until)
        fresh = _totals(store, [], since, until)
    assert fresh == _totals_direct_url(store_url, [], since, until)


def _totals_direct(store, dims, since, until):  # type: ignore[no-untyped-def]
    totals = {}
    for keys, by_class in group_rows(store._rollup_events("cost-test", dims, since, until)).items():
        for traffic, fig in by_class.items():
            totals[(keys, traffic)] = (fig.as_dict(), sorted(fig.latency_buckets.items()))
    return totals


def _totals_direct_url(url, dims, since, until):  # type: ignore[no-untyped-def]
    with open_store(url) as store:
        return _totals_direct(store, dims, since, until)


@pytest.mark.parametrize(
    ("since", "until", "now", "expected"),
    [
        ("2026-10-01T06:00:00.000000Z", "2026-10-05T12:00:00.000000Z", "2026-12-01T00:00:00.000000Z",
         (("2026-10-01T06:00:00.000000Z", "2026-10-02"), ["2026-10-02", "2026-10-03", "2026-10-04"],
          ("2026-10-05", "2026-10-05T12:00:00.000000Z"))),
        ("2026-10-01T00:00:00.000000Z", "2026-10-04T00:00:00.000000Z", "2026-12-01T00:00:00.000000Z",
         (None, ["2026-10-01", "2026-10-02", "2026-10-03"], None)),
        ("2026-11-29T00:00:00.000000Z", "2026-12-02T00:00:00.000000Z", "2026-11-30T08:00:00.000000Z",
         (None, ["2026-11-29"], ("2026-11-30", "2026-12-02T00:00:00.000000Z"))),
    ],
)  # fmt: skip
def test_windows_split_into_whole_past_days_and_the_rest(since, until, now, expected) -> None:  # type: ignore[no-untyped-def]
    assert _split_days(since, until, now) == expected


def _as_data(grouped):  # type: ignore[no-untyped-def]
    return {
        (keys, traffic): (fig.as_dict(), sorted(fig.latency_buckets.items()))
        for keys, by_class in grouped.items()
        for traffic, fig in by_class.items()
    }


def test_one_split_read_gives_every_window_the_figures_of_its_own_read(store_url: str) -> None:
    """Windows that overlap and end mid-day (a dashboard's, a budget month's, a soak window's) summed from
    one read are what each window's own scan of the events gives, for any grouping."""
    windows = [
        Window(START + dt.timedelta(hours=5), START + dt.timedelta(days=9, hours=3)),
        Window(START + dt.timedelta(days=1, hours=-6, minutes=-30), START + dt.timedelta(days=7, hours=-6.5)),
        Window(START + dt.timedelta(days=3, hours=7), START + dt.timedelta(days=6)),
    ]
    dims = ("day", "version", "cohort", "model", "provider")
    with open_store(store_url) as store:
        store.add_usage_events(_events(10))
        for _ in range(2):  # the first read fills the per-day cache, the second reads it
            span = Span.read(store, "cost-test", dims, windows)
            for window in windows:
                for by in (["day"], ["version"], ["model", "provider"], ["cohort", "day"], []):
                    rows = store._rollup_events("cost-test", by, window.since_ts, window.until_ts)
                    direct = group_rows(rows)
                    assert _as_data(span.grouped(window, by)) == _as_data(direct), (window, by)
        with pytest.raises(ValueError, match="not one of the windows"):
            span.grouped(Window(START, START + dt.timedelta(days=1)), ["day"])
        with pytest.raises(ValueError, match="'day' as the first"):
            store.usage_rollup_split("cost-test", ["model"], [windows[0].since_ts, windows[0].until_ts])
