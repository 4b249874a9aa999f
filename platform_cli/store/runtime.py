"""Store queries of the feature runtime: response cache, conversation turns, usage events."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from platform_cli.store import sql
from platform_cli.store.engine import Engine
from platform_cli.store.sql.rollback import WITHDRAWN_ANSWER

if TYPE_CHECKING:
    from platform_cli.store.runtime_records import CachedResponse, TurnRecord, UsageEvent

# The record classes are re-exported: importing them from here loads them on first use (see __getattr__).
__all__ = ["MAX_USAGE_ROWS", "CachedResponse", "RuntimeQueries", "TurnRecord", "UsageEvent"]

MAX_USAGE_ROWS = 100_000


# the UPSERT_CACHED_RESPONSE parameters of an entry, in one call (the writer does this for every cache miss)
_CACHE_ROW = operator.attrgetter(*sql.CACHE_COLUMNS, "prompt", "prompt_version")


class RuntimeQueries:
    """Mixed into `Store`."""

    _db: Engine

    # --- response cache -----------------------------------------------------------------------------------
    def cached_response(self, cache_key: str, now: str) -> CachedResponse | None:
        """The entry for `cache_key` unless it expired at or before `now` (a store timestamp)."""
        from platform_cli.store import runtime_records as records

        row = self._db.fetchone(sql.SELECT_CACHED_RESPONSE, (cache_key, now))
        if row is None:
            return None
        return records.read_cached(row)

    def put_cached_responses(self, entries: Sequence[CachedResponse]) -> None:
        """Insert or replace several entries (one statement per entry, in the caller's transaction)."""
        if entries:
            self._db.executemany(sql.UPSERT_CACHED_RESPONSE, [_CACHE_ROW(entry) for entry in entries])

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
        from platform_cli.store import runtime_records as records

        return [records.read_turn(row) for row in self._db.fetchall(sql.SELECT_ALL_TURNS, (conversation_id,))]

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
        from platform_cli.store import runtime_records as records

        return [
            records.read_usage(row)
            for row in self._db.fetchall(sql.SELECT_USAGE_EVENTS, (feature, since, limit))
        ]


def __getattr__(name: str) -> Any:
    """A record class named in __all__ loads with its first use (see runtime_records); nothing else does
    (the import system asks modules for attributes such as __path__)."""
    if name in __all__:
        from platform_cli.store import runtime_records

        return getattr(runtime_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
