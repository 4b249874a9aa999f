"""Store queries of the cost ledger: report roll-ups, unpriced usage, per-request breaches, repricing."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from platform_cli.store.engine import Engine, Row, utc_timestamp
from platform_cli.store.errors import StoreConflict
from platform_cli.store.sql import cost as sql

REPRICE_BATCH = 5_000
MIN_CACHED_DAYS = 3  # fewer whole past days in a window: read the events directly
VERIFIED_S = 5.0  # a cached day found current is trusted this long by the same connection


def _next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _split_days(
    since: str, until: str, now: str
) -> tuple[tuple[str, str] | None, list[str], tuple[str, str] | None]:
    """[since, until) as (the part before the first whole day, the whole days that are over, the rest)."""
    if not since:
        return None, [], (since, until)
    midnight = since[:10] + "T00:00:00.000000Z"
    first = since[:10] if since <= midnight else _next_day(since[:10])
    end = min(until, now)[:10]  # a day is whole and over once `until` (and now) are past it
    days = []
    day = first
    while day < end:
        days.append(day)
        day = _next_day(day)
    if not days:
        return None, [], (since, until)
    head = (since, days[0]) if since < days[0] else None
    after = _next_day(days[-1])
    tail = (after, until) if after < until else None
    return head, days, tail


@dataclass(frozen=True)
class RollupRow:
    """One group of usage events: its dimension values, traffic class and latency bucket, and sums."""

    keys: tuple[str, ...]
    traffic: str  # user | eval | offline
    latency_bucket: int
    requests: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: float  # of the priced events only
    unpriced_requests: int
    unpriced_tokens: int
    cache_hits: int
    refusals: int
    fallbacks: int
    errors: int
    malformed: int
    schema_checked: int
    latency_ms_sum: float
    max_cost_usd: float | None


@dataclass(frozen=True)
class PricedEvent:
    """What repricing needs of one event."""

    id: int
    model: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    price_version: str | None


@dataclass(frozen=True)
class CostlyRequest:
    id: int
    at: str
    prompt: str
    prompt_version: int | None
    provider: str | None
    model: str | None
    cost_usd: float


@dataclass(frozen=True)
class StoredPriceTable:
    version: str
    as_of: str
    source: str
    recorded_at: str
    models: str | None = None  # JSON text (LiteLLM format), only when asked for one table


class CostQueries:
    """Mixed into `Store`."""

    _db: Engine

    @property
    def _verified_days(self) -> dict[tuple[str, str], float]:
        """Cached days this connection found current, and when (re-checked after VERIFIED_S)."""
        found: dict[tuple[str, str], float] | None = getattr(self, "_cost_verified_days", None)
        if found is None:
            found = {}
            self._cost_verified_days = found
        return found

    def usage_rollup(
        self, feature: str, dims: Sequence[str], since: str, until: str, *, latency: bool = True
    ) -> list[RollupRow]:
        """Usage of `feature` in [since, until) grouped by `dims` (names of sql.cost.DIMENSIONS), traffic
        class and latency bucket (percentiles are computed from the buckets). Rows for the same keys may
        repeat (whole past days come from the per-day cache, the partial days around them from the
        events): callers add them up, as `cost.figures.group_rows` does. `latency=False` leaves the
        buckets out (latency_bucket -1): fewer rows, no percentiles."""
        head, days, tail = _split_days(since, until, utc_timestamp())
        if len(days) < MIN_CACHED_DAYS:
            return self._rollup_events(feature, dims, since, until, latency)
        self._cache_days(feature, days)
        out = self._rollup_events(feature, dims, *head, latency) if head else []
        query = sql.daily_rollup(tuple(dims), latency)
        out += self._rollup_rows(self._db.fetchall(query, (feature, days[0], _next_day(days[-1]))), len(dims))
        if tail:
            out += self._rollup_events(feature, dims, *tail, latency)
        return out

    def _rollup_events(
        self, feature: str, dims: Sequence[str], since: str, until: str, latency: bool = True
    ) -> list[RollupRow]:
        rows = self._db.fetchall(sql.rollup(tuple(dims), latency), (feature, since, until))
        return self._rollup_rows(rows, len(dims))

    def _cache_days(self, feature: str, days: Sequence[str]) -> None:
        """Make the per-day cache hold every day of `days` as the events are now (late writes included)."""
        end = _next_day(days[-1])
        counts = self._db.fetchall(sql.SELECT_CACHED_DAY_COUNTS, (feature, days[0], end))
        cached = {str(day): int(n) for day, n in counts}
        recent = time.monotonic() - VERIFIED_S
        for day in days:
            if self._verified_days.get((feature, day), float("-inf")) > recent:
                continue
            after = _next_day(day)
            row = self._db.fetchone(sql.COUNT_EVENTS, (feature, day, after))
            events = int(row[0]) if row else 0
            if cached.get(day) == events:
                self._verified_days[(feature, day)] = time.monotonic()
                continue
            try:
                with self._db.transaction():
                    self._db.execute(sql.DROP_CACHED_DAYS, (feature, day, after))
                    self._db.execute(sql.DROP_CACHED_DAY_COUNTS, (feature, day, after))
                    self._db.execute(sql.CACHE_DAY, (feature, day, after))
                    self._db.execute(sql.INSERT_CACHED_DAY_COUNT, (feature, day, events, utc_timestamp()))
                self._verified_days[(feature, day)] = time.monotonic()
            except StoreConflict:
                continue  # another process cached the same day at the same moment: its rows will do

    def drop_cached_days(self, feature: str, since: str, until: str) -> None:
        """Forget the per-day cache over [since, until) (after repricing: costs changed, counts did not)."""
        first, end = since[:10], _next_day(until[:10])
        self._verified_days.clear()
        with self._db.transaction():
            self._db.execute(sql.DROP_CACHED_DAYS, (feature, first, end))
            self._db.execute(sql.DROP_CACHED_DAY_COUNTS, (feature, first, end))

    @staticmethod
    def _rollup_rows(rows: Sequence[Row], width: int) -> list[RollupRow]:
        out = []
        for row in rows:
            keys = tuple(str(v) for v in row[:width])
            values = [0 if v is None else v for v in row[width + 2 : width + 2 + len(sql.ROLLUP_MEASURES)]]
            (requests, inp, outp, read, write, reasoning, cost, unpriced, unpriced_tokens, hits, refusals,
             fallbacks, errors, malformed, checked, latency_sum, _max) = values  # fmt: skip
            out.append(
                RollupRow(
                    keys, str(row[width]), int(row[width + 1] or 0), int(requests), int(inp), int(outp),
                    int(read), int(write), int(reasoning), float(cost), int(unpriced), int(unpriced_tokens),
                    int(hits), int(refusals), int(fallbacks), int(errors), int(malformed), int(checked),
                    float(latency_sum), None if row[-1] is None else float(row[-1]),
                )
            )  # fmt: skip
        return out

    def unpriced_models(self, feature: str, since: str, until: str) -> list[tuple[str, int, int]]:
        """(model, requests, tokens) of the events in range that have no price, most requests first."""
        rows = self._db.fetchall(sql.UNPRICED_MODELS, (feature, since, until))
        return [(str(model), int(count), int(tokens or 0)) for model, count, tokens in rows]

    def costly_requests(
        self, feature: str, since: str, until: str, over_usd: float, limit: int = 20
    ) -> tuple[int, list[CostlyRequest]]:
        """How many billed requests in range cost more than `over_usd`, and the `limit` dearest of them."""
        row = self._db.fetchone(sql.COUNT_OVER_PER_REQUEST, (feature, since, until, over_usd))
        found = self._db.fetchall(sql.OVER_PER_REQUEST, (feature, since, until, over_usd, limit))
        return int(row[0]) if row else 0, [
            CostlyRequest(int(i), str(at), str(p), v, prov, m, float(c)) for i, at, p, v, prov, m, c in found
        ]

    def features_with_usage(self) -> list[str]:
        return [str(row[0]) for row in self._db.fetchall(sql.FEATURES_WITH_USAGE)]

    # --- repricing ----------------------------------------------------------------------------------------
    def events_to_price(
        self, feature: str, since: str, until: str, batch: int = REPRICE_BATCH
    ) -> Iterator[list[PricedEvent]]:
        """The events in range, in id order, `batch` at a time (keyset pagination: no long transaction)."""
        after = 0
        while True:
            rows = self._db.fetchall(sql.SELECT_TO_PRICE, (feature, since, until, after, batch))
            if not rows:
                return
            yield [
                PricedEvent(int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), r[7])
                for r in rows
            ]
            after = int(rows[-1][0])

    def set_prices(self, priced: Sequence[tuple[float | None, str, int]]) -> None:
        """(cost_usd, price_version, event id) for each event, in one transaction."""
        if priced:
            with self._db.transaction():
                self._db.executemany(sql.UPDATE_PRICE, priced)

    # --- price tables -------------------------------------------------------------------------------------
    def record_price_table(
        self, version: str, as_of: str, source: str, recorded_at: str, models: str
    ) -> None:
        """Keep the content of a price table version (once; later calls with the same version do nothing)."""
        self._db.execute(sql.INSERT_PRICE_TABLE, (version, as_of, source, recorded_at, models))

    def price_table(self, version: str) -> StoredPriceTable | None:
        row = self._db.fetchone(sql.SELECT_PRICE_TABLE, (version,))
        return None if row is None else StoredPriceTable(*(str(v) for v in row))

    def price_tables(self) -> list[StoredPriceTable]:
        return [
            StoredPriceTable(*(str(v) for v in row)) for row in self._db.fetchall(sql.SELECT_PRICE_TABLES)
        ]
