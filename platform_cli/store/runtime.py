"""Store queries of the feature runtime: response cache, conversation turns, usage events."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import TypeVar

from platform_cli.store import sql
from platform_cli.store.engine import Engine, Row
from platform_cli.store.sql.rollback import WITHDRAWN_ANSWER

MAX_USAGE_ROWS = 100_000
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
_TURN_READ = ("id", *sql.TURN_COLUMNS, *sql.TURN_STATE_COLUMNS)
_USAGE_READ = ("id", *sql.USAGE_COLUMNS)
# stored as INTEGER 0/1 (NULL for an optional one): read back as bool
_BOOLEAN_FIELDS = tuple(f.name for f in fields(UsageEvent) if f.type in ("bool", "bool | None"))
_USAGE_VALUES = operator.attrgetter(*sql.USAGE_COLUMNS)
_USAGE_BOOLEANS_AT = tuple(sql.USAGE_COLUMNS.index(name) for name in _BOOLEAN_FIELDS)


def _reader(shape: Callable[..., T], read: Sequence[str], fields_: Sequence[str]) -> Callable[[Row], T]:
    """Build `shape` from a row whose columns are named `read`: positionally through a precomputed itemgetter
    when every field is read (the runtime reads turns and cache entries on every call), else by name."""
    if len(fields_) > 1 and set(fields_) <= set(read):
        order = operator.itemgetter(*[read.index(name) for name in fields_])
        return lambda row: shape(*order(row))
    return lambda row: shape(**dict(zip(read, row, strict=True)))


_turn = _reader(TurnRecord, _TURN_READ, [f.name for f in fields(TurnRecord)])
_cached = _reader(CachedResponse, sql.CACHE_COLUMNS, [f.name for f in fields(CachedResponse)])


def _usage(row: Row) -> UsageEvent:
    values = dict(zip(_USAGE_READ, row, strict=True))
    for name in _BOOLEAN_FIELDS:
        if values[name] is not None:
            values[name] = bool(values[name])
    return UsageEvent(**values)


class RuntimeQueries:
    """Mixed into `Store`."""

    _db: Engine

    # --- response cache -----------------------------------------------------------------------------------
    def cached_response(self, cache_key: str, now: str) -> CachedResponse | None:
        """The entry for `cache_key` unless it expired at or before `now` (a store timestamp)."""
        row = self._db.fetchone(sql.SELECT_CACHED_RESPONSE, (cache_key, now))
        if row is None:
            return None
        return _cached(row)

    def put_cached_responses(self, entries: Sequence[CachedResponse]) -> None:
        """Insert or replace several entries (one statement per entry, in the caller's transaction)."""
        if entries:
            rows = [
                [*(getattr(entry, name) for name in sql.CACHE_COLUMNS), entry.prompt, entry.prompt_version]
                for entry in entries
            ]
            self._db.executemany(sql.UPSERT_CACHED_RESPONSE, rows)

    def purge_cached_responses(self, prompt: str, version: int) -> int:
        """Delete every cached answer produced with `prompt` v`version` (a rollback's cache purge)."""
        return self._db.execute(sql.DELETE_CACHED_RESPONSES_OF_VERSION, (prompt, version)).rowcount

    def count_cached_responses(self, prompt: str, version: int) -> int:
        row = self._db.fetchone(sql.COUNT_CACHED_RESPONSES_OF_VERSION, (prompt, version))
        return 0 if row is None else int(row[0])

    def purge_expired_responses(self, now: str, limit: int = 1000) -> int:
        """Delete up to `limit` entries that expired at or before `now`; return how many were deleted."""
        return self._db.execute(sql.DELETE_EXPIRED_RESPONSES, (now, limit)).rowcount

    def count_expired_responses(self, now: str) -> int:
        row = self._db.fetchone(sql.COUNT_EXPIRED_RESPONSES, (now,))
        return 0 if row is None else int(row[0])

    # --- conversation turns -------------------------------------------------------------------------------
    def add_turns(self, turns: Sequence[TurnRecord]) -> None:
        """Append turns (one exchange) atomically, in order."""
        with self._db.transaction():
            for turn in turns:
                self._db.execute(sql.INSERT_TURN, turn.values())

    def live_messages(self, conversation_id: str, limit: int) -> list[tuple[str, str]]:
        """(role, content) of the last `limit` turns a rollback did not quarantine, oldest first, an answer it
        summarized replaced by WITHDRAWN_ANSWER. Use runtime.conversation_history()."""
        params = (WITHDRAWN_ANSWER, conversation_id, limit)
        return [
            (str(role), str(content)) for role, content in self._db.fetchall(sql.SELECT_LIVE_MESSAGES, params)
        ]

    def all_turns(self, conversation_id: str) -> list[TurnRecord]:
        """Every turn, quarantined ones included (for audits and rollback plans)."""
        return [_turn(row) for row in self._db.fetchall(sql.SELECT_ALL_TURNS, (conversation_id,))]

    def quarantine_turns(self, prompt: str, version: int, reason: str, at: str) -> int:
        """Mark every live turn produced with `prompt` v`version` quarantined; return how many."""
        return self._db.execute(sql.QUARANTINE_TURNS_OF_VERSION, (at, reason, prompt, version)).rowcount

    # --- usage events -------------------------------------------------------------------------------------
    def add_usage_events(self, events: Sequence[UsageEvent]) -> None:
        """Insert a batch of usage events in one transaction."""
        if not events:
            return
        with self._db.transaction():
            self._db.executemany(sql.INSERT_USAGE_EVENT, [event.values() for event in events])

    def usage_events(self, feature: str, *, since: str = "", limit: int = MAX_USAGE_ROWS) -> list[UsageEvent]:
        """A feature's usage events at or after `since` (a store timestamp), oldest first."""
        return [_usage(row) for row in self._db.fetchall(sql.SELECT_USAGE_EVENTS, (feature, since, limit))]
