"""Store queries of the cost ledger: report roll-ups, unpriced usage, per-request breaches, repricing."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from platform_cli.store.engine import Engine, Row, utc_timestamp
from platform_cli.store.errors import StoreConflict
from platform_cli.store.sql import cost as sql

if TYPE_CHECKING:
    from platform_cli.store.cost_records import CostlyRequest, PricedEvent, RollupRow, StoredPriceTable

# The record classes are re-exported: importing them from here loads them on first use (see __getattr__).
__all__ = [
    "MIDNIGHT",
    "MIN_CACHED_DAYS",
    "REPRICE_BATCH",
    "VERIFIED_S",
    "CostQueries",
    "CostlyRequest",
    "PricedEvent",
    "RollupRow",
    "StoredPriceTable",
]

REPRICE_BATCH = 5_000
MIN_CACHED_DAYS = 3  # fewer whole past days in a window: read the events directly
MIDNIGHT = "T00:00:00.000000Z"  # a day's first store timestamp, after its date
VERIFIED_S = 5.0  # a cached day found current is trusted this long by the same connection


def _next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _split_days(
    since: str, until: str, now: str
) -> tuple[tuple[str, str] | None, list[str], tuple[str, str] | None]:
    """[since, until) as (the part before the first whole day, the whole days that are over, the rest)."""
    if not since:
        return None, [], (since, until)
    midnight = since[:10] + MIDNIGHT
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
    tail = (after, until) if after + MIDNIGHT < until else None  # nothing after midnight: no tail
    return head, days, tail


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

    def usage_rollup_split(
        self, feature: str, dims: Sequence[str], cuts: Sequence[str], *, latency: bool = True
    ) -> list[list[RollupRow]]:
        """Usage of `feature` over [cuts[0], cuts[-1]) like `usage_rollup`, split at every cut: one list of
        rows per piece [cuts[i], cuts[i+1]). `dims` must start with "day". Each event is read once: the whole
        past days of every piece in one query of the per-day cache (told apart by their day), the partial
        days around the cuts from the events. Several windows (a dashboard's, the budget month, the soak
        window) are then summed from the pieces they cover instead of each reading the same days again."""
        if not dims or dims[0] != "day":
            raise ValueError("usage_rollup_split needs 'day' as the first dimension")
        if list(cuts) != sorted(set(cuts)):
            raise ValueError("cuts must be distinct and in order")
        pieces = list(itertools.pairwise(cuts))
        out: list[list[RollupRow]] = [[] for _ in pieces]
        now = utc_timestamp()
        splits = [_split_days(since, until, now) for since, until in pieces]
        owner = {day: i for i, (_, days, _) in enumerate(splits) for day in days}
        if len(owner) < MIN_CACHED_DAYS:
            for i, (since, until) in enumerate(pieces):
                out[i] = self._rollup_events(feature, dims, since, until, latency)
            return out
        first, last = min(owner), max(owner)
        span = [first]
        while span[-1] < last:
            span.append(_next_day(span[-1]))
        self._cache_days(feature, span)  # days in between that hold a cut are cached too, read from events
        query = sql.daily_rollup(tuple(dims), latency)
        for row in self._rollup_rows(self._db.fetchall(query, (feature, first, _next_day(last))), len(dims)):
            piece = owner.get(row.keys[0])
            if piece is not None:
                out[piece].append(row)
        for i, (head, _, tail) in enumerate(splits):
            for part in (head, tail):
                if part and part[0] < part[1]:
                    out[i] += self._rollup_events(feature, dims, *part, latency)
        return out

    def _cache_days(self, feature: str, days: Sequence[str]) -> None:
        """Make the per-day cache hold every day of `days` (consecutive) as the events are now (late writes
        included). Events are only ever added, so when the cached counts of all the days add up to the
        events of the whole range, every day is current: one count instead of one per day."""
        recent = time.monotonic() - VERIFIED_S
        if all(self._verified_days.get((feature, day), float("-inf")) > recent for day in days):
            return
        end = _next_day(days[-1])
        counts = self._db.fetchall(sql.SELECT_CACHED_DAY_COUNTS, (feature, days[0], end))
        cached = {str(day): int(n) for day, n in counts}
        if len(cached) == len(days):
            row = self._db.fetchone(sql.COUNT_EVENTS, (feature, days[0], end))
            if row is not None and int(row[0]) == sum(cached.values()):
                found = time.monotonic()
                self._verified_days.update({(feature, day): found for day in days})
                return
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
        from platform_cli.store import cost_records as records

        out = []
        measures = slice(width + 2, width + 2 + len(sql.ROLLUP_MEASURES))
        for row in rows:
            # sums over no priced (or no checked) event are NULL; PostgreSQL sums BIGINTs as numeric
            (requests, inp, outp, read, write, reasoning, cost, unpriced, unpriced_tokens, hits, refusals,
             fallbacks, errors, malformed, checked, latency_sum, most) = row[measures]  # fmt: skip
            out.append(
                records.RollupRow(
                    tuple(map(str, row[:width])), str(row[width]), int(row[width + 1] or 0), int(requests),
                    int(inp or 0), int(outp or 0), int(read or 0), int(write or 0), int(reasoning or 0),
                    float(cost or 0), int(unpriced or 0), int(unpriced_tokens or 0), int(hits or 0),
                    int(refusals or 0), int(fallbacks or 0), int(errors or 0), int(malformed or 0),
                    int(checked or 0), float(latency_sum or 0), None if most is None else float(most),
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
        from platform_cli.store import cost_records as records

        row = self._db.fetchone(sql.COUNT_OVER_PER_REQUEST, (feature, since, until, over_usd))
        found = self._db.fetchall(sql.OVER_PER_REQUEST, (feature, since, until, over_usd, limit))
        return int(row[0]) if row else 0, [
            records.CostlyRequest(int(i), str(at), str(p), v, prov, m, float(c))
            for i, at, p, v, prov, m, c in found
        ]

    def features_with_usage(self) -> list[str]:
        return [str(row[0]) for row in self._db.fetchall(sql.FEATURES_WITH_USAGE)]

    # --- repricing ----------------------------------------------------------------------------------------
    def events_to_price(
        self, feature: str, since: str, until: str, batch: int = REPRICE_BATCH
    ) -> Iterator[list[PricedEvent]]:
        """The events in range, in id order, `batch` at a time (keyset pagination: no long transaction)."""
        from platform_cli.store import cost_records as records

        after = 0
        while True:
            rows = self._db.fetchall(sql.SELECT_TO_PRICE, (feature, since, until, after, batch))
            if not rows:
                return
            yield [
                records.PricedEvent(
                    int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), r[7], r[8]
                )
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
        from platform_cli.store import cost_records as records

        row = self._db.fetchone(sql.SELECT_PRICE_TABLE, (version,))
        return None if row is None else records.StoredPriceTable(*(str(v) for v in row))

    def price_tables(self) -> list[StoredPriceTable]:
        from platform_cli.store import cost_records as records

        return [
            records.StoredPriceTable(*(str(v) for v in row))
            for row in self._db.fetchall(sql.SELECT_PRICE_TABLES)
        ]


def __getattr__(name: str) -> Any:
    """A record class named in __all__ loads with its first use (see cost_records); nothing else does
    (the import system asks modules for attributes such as __path__)."""
    if name in __all__:
        from platform_cli.store import cost_records

        return getattr(cost_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
