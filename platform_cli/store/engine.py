"""The engine contract (execute, transaction, close) that the SQLite and PostgreSQL engines implement."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from platform_cli import clock
from platform_cli.store.errors import StoreError
from platform_cli.store.statements import Statement, statement_for
from platform_cli.store.urls import Dialect, StoreURL

Params = Sequence[Any]
Row = tuple[Any, ...]


class Cursor(Protocol):
    """What `Engine.execute` returns (a sqlite3 or psycopg cursor); rows are plain tuples."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Engine(ABC):
    """One open connection. Not thread-safe: open one Store per thread."""

    dialect: Dialect

    def __init__(self, url: StoreURL) -> None:
        self.url = url

    def text(self, statement: Statement) -> str:
        """The SQL of `statement` for this engine; a ByDialect with no text for it is a programming error."""
        text = statement_for(statement, self.dialect)
        if text is None:
            raise ValueError(f"statement has no {self.dialect} variant: {statement!r}")
        return text

    @abstractmethod
    def execute(self, statement: Statement, params: Params = ()) -> Cursor:
        """Run one statement with `?` placeholders; driver errors become StoreError / StoreConflict."""

    @abstractmethod
    def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Commit on success, roll back on any exception; nests with savepoints. Takes the write lock."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection; closing twice is fine."""

    def fetchone(self, statement: Statement, params: Params = ()) -> Row | None:
        row: Row | None = self.execute(statement, params).fetchone()
        return row

    def fetchall(self, statement: Statement, params: Params = ()) -> list[Row]:
        return list(self.execute(statement, params).fetchall())

    def error(self, detail: str, kind: type[StoreError] = StoreError) -> StoreError:
        """A StoreError naming this store, with any secret from the URL scrubbed from `detail`."""
        return kind(f"state store {self.url}: {self.url.scrub(detail)}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


def utc_timestamp(moment: dt.datetime | None = None) -> str:
    """The store's timestamp text: ISO-8601 UTC with microseconds and a Z, sortable as text."""
    # isoformat, not strftime("%Y-%m-%dT%H:%M:%S.%fZ"): the same text at under half the cost, and the runtime
    # stamps every call several times (cache lookup, cache entry, usage event)
    utc = moment or clock.now()  # $PLATFORM_NOW when a test injects time
    if utc.tzinfo is not dt.timezone.utc:  # the clock's moments already are (the runtime's hot path)
        utc = utc.astimezone(dt.timezone.utc)
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"
