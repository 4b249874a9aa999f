"""Records of the feature runtime (cached responses, conversation turns, usage events) and their row readers.

Loaded by the first query that returns one: creating ~35 dataclasses was most of importing the store, and
a command reads the records of one or two parts at most."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import TypeVar

from platform_cli.store import sql
from platform_cli.store.engine import Row

T = TypeVar("T")


@dataclass(frozen=True)
class CachedResponse:
    """A cached answer: `response` is JSON text (text, finish reason, usage, ...); valid until expires_at."""

    cache_key: str
    feature: str
    prompt: str
    prompt_version: int
    prompt_hash: str
    provider: str
    model: str
    response: str
    created_at: str
    expires_at: str


@dataclass(frozen=True)
class TurnRecord:
    """One conversation turn, tagged with the prompt version, provider and model of its exchange."""

    conversation_id: str
    exchange_id: str
    role: str  # user | assistant
    content: str
    feature: str
    prompt: str
    prompt_version: int
    prompt_hash: str
    variant: str | None
    provider: str
    model: str
    user_hash: str | None
    created_at: str
    id: int = 0  # assigned by the store
    quarantined_at: str | None = None
    quarantine_reason: str | None = None

    def values(self) -> tuple[object, ...]:
        """The INSERT_TURN parameters (everything but the store-assigned fields)."""
        return tuple(getattr(self, name) for name in sql.TURN_COLUMNS)


@dataclass(frozen=True)
class UsageEvent:
    """One runtime call: what served it, every token bucket, latency, outcome, cost (None: unpriced)."""

    at: str
    feature: str
    operation: str  # complete | chat
    prompt: str
    prompt_version: int | None
    prompt_hash: str | None
    label: str | None
    variant: str | None
    segment: str | None
    user_hash: str | None
    conversation_id: str | None
    provider: str | None
    model: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    latency_ms: float
    finish_reason: str | None
    refusal: bool
    cache_hit: bool
    fallback_used: bool
    attempts: int
    error: str | None
    cost_usd: float | None = None
    provider_kind: str | None = None  # the kind that answered: 'fake' when served offline
    price_version: str | None = None  # the price table that priced cost_usd (cost/prices.py)
    malformed: bool | None = None  # the answer failed the prompt's output_schema (None: not checked)
    traffic: str | None = None  # 'eval' for eval-harness calls; None: user traffic (column: cost migration)
    eval_run_id: str | None = None
    id: int = 0  # assigned by the store

    def values(self) -> tuple[object, ...]:
        """The INSERT_USAGE_EVENT parameters; booleans as INTEGER 0/1 on both engines."""
        # one attrgetter, then only the boolean columns converted (the writer does this for every call)
        row = list(_USAGE_VALUES(self))  # not astuple(): it deep-copies
        for index in _USAGE_BOOLEANS_AT:
            value = row[index]
            if value is not None:
                row[index] = int(value)
        return tuple(row)


# Rows are read back by column name (SELECT id, <columns>), never by position in the dataclass.
TURN_READ = ("id", *sql.TURN_COLUMNS, *sql.TURN_STATE_COLUMNS)
USAGE_READ = ("id", *sql.USAGE_COLUMNS)
# stored as INTEGER 0/1 (NULL for an optional one): read back as bool
BOOLEAN_FIELDS = tuple(f.name for f in fields(UsageEvent) if f.type in ("bool", "bool | None"))
_USAGE_VALUES = operator.attrgetter(*sql.USAGE_COLUMNS)
_USAGE_BOOLEANS_AT = tuple(sql.USAGE_COLUMNS.index(name) for name in BOOLEAN_FIELDS)


def _reader(shape: Callable[..., T], read: Sequence[str], fields_: Sequence[str]) -> Callable[[Row], T]:
    """Build `shape` from a row whose columns are named `read`: positionally through a precomputed itemgetter
    when every field is read (the runtime reads turns and cache entries on every call), else by name."""
    if len(fields_) > 1 and set(fields_) <= set(read):
        order = operator.itemgetter(*[read.index(name) for name in fields_])
        return lambda row: shape(*order(row))
    return lambda row: shape(**dict(zip(read, row, strict=True)))


read_turn = _reader(TurnRecord, TURN_READ, [f.name for f in fields(TurnRecord)])
read_cached = _reader(CachedResponse, sql.CACHE_COLUMNS, [f.name for f in fields(CachedResponse)])


def read_usage(row: Row) -> UsageEvent:
    values = dict(zip(USAGE_READ, row, strict=True))
    for name in BOOLEAN_FIELDS:
        if values[name] is not None:
            values[name] = bool(values[name])
    return UsageEvent(**values)
