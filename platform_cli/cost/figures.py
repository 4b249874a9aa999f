"""Figures over a group of usage events (sums, rates, latency percentiles), built from store roll-up rows.

This is the one place the ledger's derived numbers are defined, so the report, budget check, trends,
dashboard and Prometheus exporter agree (and the rollout guard can reuse them per cohort):

- cost_usd is the sum over PRICED events; `unpriced_requests` says how many are missing from it. A group
  with unpriced events has an incomplete cost (`cost_complete` False), never a $0 one.
- cost_per_request = cost_usd / priced requests (None when no request is priced).
- rates are per request: cache_hit_rate, refusal_rate, fallback_rate, error_rate; malformed_rate is per
  answer checked against an output_schema.
- p50/p95 latency come from log buckets 5% wide (each estimate is within about 2.5% of the exact value):
  the store computes the bucket, so one scan serves any number of groups on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from platform_cli.store.sql.cost import LATENCY_BUCKET_RATIO

if TYPE_CHECKING:
    from platform_cli.store.cost_records import RollupRow

TRAFFIC_CLASSES = ("user", "eval", "offline")
BILLED = ("user", "eval")  # offline answers came from the fake provider: priced for show, never billed


@dataclass
class Figures:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_requests: int = 0
    unpriced_tokens: int = 0
    cache_hits: int = 0
    refusals: int = 0
    fallbacks: int = 0
    errors: int = 0
    malformed: int = 0
    schema_checked: int = 0
    latency_ms_sum: float = 0.0
    max_cost_usd: float | None = None
    latency_buckets: Counter[int] = field(default_factory=Counter)

    def add(self, row: RollupRow) -> None:
        self.requests += row.requests
        self.input_tokens += row.input_tokens
        self.output_tokens += row.output_tokens
        self.cache_read_tokens += row.cache_read_tokens
        self.cache_write_tokens += row.cache_write_tokens
        self.reasoning_tokens += row.reasoning_tokens
        self.cost_usd += row.cost_usd
        self.unpriced_requests += row.unpriced_requests
        self.unpriced_tokens += row.unpriced_tokens
        self.cache_hits += row.cache_hits
        self.refusals += row.refusals
        self.fallbacks += row.fallbacks
        self.errors += row.errors
        self.malformed += row.malformed
        self.schema_checked += row.schema_checked
        self.latency_ms_sum += row.latency_ms_sum
        if row.max_cost_usd is not None:
            self.max_cost_usd = max(self.max_cost_usd or 0.0, row.max_cost_usd)
        if row.latency_bucket >= 0:  # -1: the roll-up left latency out
            self.latency_buckets[row.latency_bucket] += row.requests

    def merge(self, other: Figures) -> None:
        for name in (
            "requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
            "reasoning_tokens", "cost_usd", "unpriced_requests", "unpriced_tokens", "cache_hits",
            "refusals", "fallbacks", "errors", "malformed", "schema_checked", "latency_ms_sum",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.max_cost_usd is not None:
            self.max_cost_usd = max(self.max_cost_usd or 0.0, other.max_cost_usd)
        self.latency_buckets.update(other.latency_buckets)

    # --- derived ------------------------------------------------------------------------------------------
    @property
    def priced_requests(self) -> int:
        return self.requests - self.unpriced_requests

    @property
    def cost_complete(self) -> bool:
        return self.unpriced_requests == 0

    @property
    def uncached_input_tokens(self) -> int:
        return max(0, self.input_tokens - self.cache_read_tokens - self.cache_write_tokens)

    @property
    def cost_per_request(self) -> float | None:
        return self.cost_usd / self.priced_requests if self.priced_requests else None

    @property
    def tokens_per_request(self) -> float | None:
        return (self.input_tokens + self.output_tokens) / self.requests if self.requests else None

    def rate(self, count: int, of: int | None = None) -> float | None:
        total = self.requests if of is None else of
        return count / total if total else None

    @property
    def cache_hit_rate(self) -> float | None:
        return self.rate(self.cache_hits)

    @property
    def refusal_rate(self) -> float | None:
        return self.rate(self.refusals)

    @property
    def fallback_rate(self) -> float | None:
        return self.rate(self.fallbacks)

    @property
    def error_rate(self) -> float | None:
        return self.rate(self.errors)

    @property
    def malformed_rate(self) -> float | None:
        return self.rate(self.malformed, self.schema_checked)

    def latency_ms(self, quantile: float) -> float | None:
        """The latency below which `quantile` of requests fall (bucket estimate, see the module doc)."""
        total = sum(self.latency_buckets.values())
        if not total:
            return None
        rank = max(1, math.ceil(quantile * total))
        seen = 0
        for bucket in sorted(self.latency_buckets):
            seen += self.latency_buckets[bucket]
            if seen >= rank:
                return round(float(LATENCY_BUCKET_RATIO ** (bucket + 0.5)), 3)
        return None  # unreachable: rank <= total

    @property
    def p50_latency_ms(self) -> float | None:
        return self.latency_ms(0.50)

    @property
    def p95_latency_ms(self) -> float | None:
        return self.latency_ms(0.95)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "tokens": {
                "input": self.input_tokens,
                "uncached_input": self.uncached_input_tokens,
                "cache_read": self.cache_read_tokens,
                "cache_write": self.cache_write_tokens,
                "output": self.output_tokens,
                "reasoning": self.reasoning_tokens,
            },
            "cost_usd": round(self.cost_usd, 6),
            "cost_complete": self.cost_complete,
            "unpriced_requests": self.unpriced_requests,
            "unpriced_tokens": self.unpriced_tokens,
            "cost_per_request_usd": _round(self.cost_per_request, 8),
            "latency_ms": {"p50": self.p50_latency_ms, "p95": self.p95_latency_ms},
            "rates": {
                "cache_hit": _round(self.cache_hit_rate),
                "refusal": _round(self.refusal_rate),
                "fallback": _round(self.fallback_rate),
                "error": _round(self.error_rate),
                "malformed": _round(self.malformed_rate),
            },
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def group_rows(
    rows: Iterable[RollupRow], *, classes: Iterable[str] = TRAFFIC_CLASSES
) -> dict[tuple[str, ...], dict[str, Figures]]:
    """Roll-up rows -> {group keys: {traffic class: Figures}} (only the classes asked for)."""
    wanted = set(classes)
    out: dict[tuple[str, ...], dict[str, Figures]] = {}
    for row in rows:
        if row.traffic not in wanted:
            continue
        out.setdefault(row.keys, {}).setdefault(row.traffic, Figures()).add(row)
    return out


def combined(by_class: Mapping[str, Figures], classes: Iterable[str]) -> Figures:
    """One Figures over several traffic classes (e.g. BILLED)."""
    total = Figures()
    for name in classes:
        if name in by_class:
            total.merge(by_class[name])
    return total


def money(value: float | None, unpriced: int = 0) -> str:
    """`$12.34`, or `$12.34 + 5 unpriced` when some requests have no price (never a bare $0)."""
    text = "-" if value is None else (f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.6f}")
    return f"{text} + {unpriced} unpriced" if unpriced else text
