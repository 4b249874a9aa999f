"""SQL of the cost ledger: priced usage (price-table version per event), price tables, report roll-ups."""

from __future__ import annotations

import functools

from platform_cli.store.statements import ByDialect, Migration

# --- cost: schema ---------------------------------------------------------------------------------------
COST_MIGRATION = Migration(
    6,
    "cost: price versions, traffic class, malformed answers, price tables",
    (
        # which price table priced the event (NULL: not priced yet; see `platform cost reprice`)
        "ALTER TABLE usage_events ADD COLUMN price_version TEXT",
        # 1 when the answer failed the prompt's output_schema, 0 when it passed, NULL when not checked
        "ALTER TABLE usage_events ADD COLUMN malformed INTEGER",
        # 'eval' for calls made by the eval harness (and its judges); NULL for user traffic
        "ALTER TABLE usage_events ADD COLUMN traffic TEXT",
        "ALTER TABLE usage_events ADD COLUMN eval_run_id TEXT",
        # PostgreSQL's REAL is 4 bytes (about 7 digits): sums of many small costs drift. SQLite's is 8 bytes.
        ByDialect(
            sqlite=None,
            postgresql="ALTER TABLE usage_events ALTER COLUMN cost_usd TYPE DOUBLE PRECISION",
        ),
        """CREATE TABLE price_tables (
            version     TEXT PRIMARY KEY,
            as_of       TEXT NOT NULL,
            source      TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            models      TEXT NOT NULL
        )""",
    ),
)

# Reports over whole past days read a per-day roll-up instead of the events (a cache: it can always be
# rebuilt from usage_events). `at` holds the day (YYYY-MM-DD), so the DIMENSIONS expressions apply to both
# tables; `usage_daily_days` records how many events each cached day summed, to notice late writes.
_DAILY_MEASURES = (
    "requests BIGINT, input_tokens BIGINT, output_tokens BIGINT, cache_read_tokens BIGINT,"
    " cache_write_tokens BIGINT, reasoning_tokens BIGINT, cost_usd DOUBLE PRECISION,"
    " unpriced_requests BIGINT, unpriced_tokens BIGINT, cache_hits BIGINT, refusals BIGINT, fallbacks BIGINT,"
    " errors BIGINT, malformed BIGINT, schema_checked BIGINT, latency_ms_sum DOUBLE PRECISION,"
    " max_cost_usd DOUBLE PRECISION"
)
COST_ROLLUP_MIGRATION = Migration(
    8,
    "cost: per-day usage roll-up cache, indexes for unpriced and costly requests",
    (
        "CREATE TABLE usage_daily (feature TEXT NOT NULL, at TEXT NOT NULL, prompt TEXT NOT NULL,"
        " prompt_version INTEGER, variant TEXT, segment TEXT, operation TEXT NOT NULL, model TEXT,"
        f" provider TEXT, traffic_class TEXT NOT NULL, latency_bucket INTEGER NOT NULL, {_DAILY_MEASURES})",
        "CREATE INDEX usage_daily_by_day ON usage_daily (feature, at)",
        "CREATE TABLE usage_daily_days (feature TEXT NOT NULL, at TEXT NOT NULL, events BIGINT NOT NULL,"
        " computed_at TEXT NOT NULL, PRIMARY KEY (feature, at))",
        "CREATE INDEX usage_events_unpriced ON usage_events (feature, at) WHERE cost_usd IS NULL",
        "CREATE INDEX usage_events_by_cost ON usage_events (feature, cost_usd)",
    ),
)

# --- cost: report roll-ups ------------------------------------------------------------------------------
# Report dimensions as SQL expressions over usage_events (a closed set: nothing here comes from input).
DIMENSIONS: dict[str, str] = {
    "day": "substr(at, 1, 10)",
    "month": "substr(at, 1, 7)",
    "model": "coalesce(model, '(none)')",
    "provider": "coalesce(provider, '(none)')",
    "prompt": "prompt",
    "version": "prompt || '@v' || coalesce(CAST(prompt_version AS TEXT), '?')",
    "variant": "coalesce(variant, '(none)')",
    "segment": "coalesce(segment, '(none)')",
    # the sticky cohort a request fell in, per prompt: its variant, or control when none applied
    "cohort": "prompt || ':' || coalesce(variant, 'control')",
    "operation": "operation",
}
# user | eval | offline: offline answers were served by the fake provider (priced as the model it stood in
# for, so demos and tests exercise the ledger, but never billed and never counted against a budget).
TRAFFIC_CLASS = (
    "CASE WHEN provider_kind = 'fake' THEN 'offline' WHEN traffic = 'eval' THEN 'eval' ELSE 'user' END"
)
# Latency as a log bucket 5% wide: percentiles come from one scan of the table on both engines.
LATENCY_BUCKET_RATIO = 1.05
_LN_RATIO = "0.04879016416943205"  # ln(1.05)
NO_BUCKET = "-1"
_BUCKET = ByDialect(
    sqlite=f"CAST(floor(ln(max(latency_ms, 0.01)) / {_LN_RATIO}) AS INTEGER)",
    postgresql=f"CAST(floor(ln(greatest(latency_ms, 0.01)::float8) / {_LN_RATIO}) AS INTEGER)",
)
_SUMS = (
    "count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),"
    " sum(reasoning_tokens), sum({cost}), sum(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END),"
    " sum(CASE WHEN cost_usd IS NULL THEN input_tokens + output_tokens ELSE 0 END),"
    " sum(cache_hit), sum(refusal), sum(fallback_used), sum(CASE WHEN error IS NULL THEN 0 ELSE 1 END),"
    " sum(CASE WHEN malformed = 1 THEN 1 ELSE 0 END), sum(CASE WHEN malformed IS NULL THEN 0 ELSE 1 END),"
    " sum({latency}), max(cost_usd)"
)
ROLLUP_MEASURES = (
    "requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens", "cost_usd", "unpriced_requests", "unpriced_tokens", "cache_hits", "refusals",
    "fallbacks", "errors", "malformed", "schema_checked", "latency_ms_sum", "max_cost_usd",
)  # fmt: skip


_DAILY_SUMS = ", ".join(
    f"max({name})" if name == "max_cost_usd" else f"sum({name})"
    for name in (
        "requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
        "reasoning_tokens", "cost_usd", "unpriced_requests", "unpriced_tokens", "cache_hits", "refusals",
        "fallbacks", "errors", "malformed", "schema_checked", "latency_ms_sum", "max_cost_usd",
    )
)  # fmt: skip


@functools.lru_cache(maxsize=64)
def daily_rollup(dims: tuple[str, ...], latency: bool = True) -> str:
    """Like `rollup` over the cached days: parameters feature, first day, day after the last."""
    keys = [DIMENSIONS[d] for d in dims]
    group = ", ".join(str(i) for i in range(1, len(keys) + 3))
    columns = ", ".join([*keys, "traffic_class", "latency_bucket" if latency else NO_BUCKET, _DAILY_SUMS])
    return f"SELECT {columns} FROM usage_daily WHERE feature = ? AND at >= ? AND at < ? GROUP BY {group}"


_DAY_KEYS = "feature, substr(at, 1, 10), prompt, prompt_version, variant, segment, operation, model, provider"
CACHE_DAY = ByDialect(
    sqlite=(
        "INSERT INTO usage_daily SELECT "
        f"{_DAY_KEYS}, {TRAFFIC_CLASS}, {_BUCKET.sqlite},"
        f" {_SUMS.format(cost='cost_usd', latency='latency_ms')}"
        f" FROM usage_events WHERE feature = ? AND at >= ? AND at < ? GROUP BY {_DAY_KEYS}, 10, 11"
    ),
    postgresql=(
        "INSERT INTO usage_daily SELECT "
        f"{_DAY_KEYS}, {TRAFFIC_CLASS}, {_BUCKET.postgresql},"
        f" {_SUMS.format(cost='cost_usd::float8', latency='latency_ms::float8')}"
        f" FROM usage_events WHERE feature = ? AND at >= ? AND at < ? GROUP BY {_DAY_KEYS}, 10, 11"
    ),
)
DROP_CACHED_DAYS = "DELETE FROM usage_daily WHERE feature = ? AND at >= ? AND at < ?"
DROP_CACHED_DAY_COUNTS = "DELETE FROM usage_daily_days WHERE feature = ? AND at >= ? AND at < ?"
INSERT_CACHED_DAY_COUNT = (
    "INSERT INTO usage_daily_days (feature, at, events, computed_at) VALUES (?, ?, ?, ?)"
)
SELECT_CACHED_DAY_COUNTS = "SELECT at, events FROM usage_daily_days WHERE feature = ? AND at >= ? AND at < ?"
COUNT_EVENTS = "SELECT count(*) FROM usage_events WHERE feature = ? AND at >= ? AND at < ?"


@functools.lru_cache(maxsize=64)
def rollup(dims: tuple[str, ...], latency: bool = True) -> ByDialect:
    """SELECT dims..., traffic class, latency bucket, ROLLUP_MEASURES... for one feature and time range.

    Parameters: feature, since, until (store timestamps; since inclusive, until exclusive). Without
    `latency` every row's bucket is NO_BUCKET (-1): far fewer rows when no percentile is wanted.
    """
    keys = [DIMENSIONS[d] for d in dims]
    group = ", ".join(str(i) for i in range(1, len(keys) + 3))

    def text(bucket: str | None, cost: str, latency: str) -> str:
        columns = ", ".join([*keys, TRAFFIC_CLASS, str(bucket), _SUMS.format(cost=cost, latency=latency)])
        return f"SELECT {columns} FROM usage_events WHERE feature = ? AND at >= ? AND at < ? GROUP BY {group}"

    return ByDialect(
        sqlite=text(_BUCKET.sqlite if latency else NO_BUCKET, "cost_usd", "latency_ms"),
        postgresql=text(
            _BUCKET.postgresql if latency else NO_BUCKET, "cost_usd::float8", "latency_ms::float8"
        ),
    )


UNPRICED_MODELS = (
    "SELECT coalesce(model, '(none)'), count(*), sum(input_tokens + output_tokens) FROM usage_events"
    " WHERE feature = ? AND at >= ? AND at < ? AND cost_usd IS NULL GROUP BY 1 ORDER BY 2 DESC"
)
# Requests that cost more than the per-request budget (billed traffic only), the dearest first.
OVER_PER_REQUEST = (
    "SELECT id, at, prompt, prompt_version, provider, model, cost_usd FROM usage_events"
    " WHERE feature = ? AND at >= ? AND at < ? AND cost_usd > ? AND coalesce(provider_kind, '') <> 'fake'"
    " ORDER BY cost_usd DESC, id LIMIT ?"
)
COUNT_OVER_PER_REQUEST = (
    "SELECT count(*) FROM usage_events"
    " WHERE feature = ? AND at >= ? AND at < ? AND cost_usd > ? AND coalesce(provider_kind, '') <> 'fake'"
)
FEATURES_WITH_USAGE = "SELECT DISTINCT feature FROM usage_events ORDER BY feature"

# --- cost: repricing ------------------------------------------------------------------------------------
SELECT_TO_PRICE = (
    "SELECT id, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
    " reasoning_tokens, price_version, provider_kind FROM usage_events"
    " WHERE feature = ? AND at >= ? AND at < ? AND id > ? ORDER BY id LIMIT ?"
)
UPDATE_PRICE = "UPDATE usage_events SET cost_usd = ?, price_version = ? WHERE id = ?"

# --- cost: price tables ---------------------------------------------------------------------------------
INSERT_PRICE_TABLE = (
    "INSERT INTO price_tables (version, as_of, source, recorded_at, models) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (version) DO NOTHING"
)
SELECT_PRICE_TABLE = "SELECT version, as_of, source, recorded_at, models FROM price_tables WHERE version = ?"
SELECT_PRICE_TABLES = (
    "SELECT version, as_of, source, recorded_at FROM price_tables ORDER BY recorded_at, version"
)
