"""`store-overhead`: a Store query method against the same query on the raw sqlite3 connection."""

from __future__ import annotations

import sqlite3

from bench.harness import BenchContext, Measurement, interleaved

NAME = "store-overhead"
RUNS = 2000


def run(ctx: BenchContext) -> list[Measurement]:
    from platform_cli.store import open_store

    path = ctx.fresh_dir("store") / "state.db"
    runs = ctx.runs(RUNS)
    with open_store(f"sqlite:///{path}") as store:
        store.set_meta("k", "v")
        raw = sqlite3.connect(path)
        try:

            def ours() -> None:
                store.get_meta("k")

            def driver() -> None:
                raw.execute("SELECT value FROM store_meta WHERE key = ?", ("k",)).fetchone()

            median, reference = interleaved(ours, driver, runs, warmup=20)
        finally:
            raw.close()
    return [
        Measurement(
            NAME,
            "Store.get_meta (SQLite)",
            median,
            "raw sqlite3 execute+fetchone",
            reference,
            runs,
            "placeholder translation, error mapping, closed-store check",
        )
    ]
