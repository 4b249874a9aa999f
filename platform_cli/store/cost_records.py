"""Records of the cost ledger (roll-up rows, events to reprice, costly requests, stored price tables).

Loaded by the first query that returns one: creating ~35 dataclasses was most of importing the store, and
a command reads the records of one or two parts at most."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class RollupRow(NamedTuple):
    """One group of usage events: its dimension values, traffic class and latency bucket, and sums.
    (A named tuple: a dashboard builds tens of thousands of them, and a tuple is the cheapest to make.)"""

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
    provider_kind: str | None  # 'fake': the offline provider answered


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
