"""SQLite engine: WAL, busy timeout, foreign keys, BEGIN IMMEDIATE transactions, savepoints for nesting."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from platform_cli.store import sql
from platform_cli.store.engine import Cursor, Engine, Params
from platform_cli.store.errors import StoreConflict
from platform_cli.store.statements import Statement
from platform_cli.store.urls import StoreURL

BUSY_TIMEOUT_SECONDS = 15.0


class SQLiteEngine(Engine):
    dialect = "sqlite"

    def __init__(self, url: StoreURL) -> None:
        super().__init__(url)
        self.path = url.target
        self._depth = 0
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise self.error(f"cannot create the directory for the database: {error.strerror}") from None
        try:
            # isolation_level=None: the driver never opens transactions behind our back; transaction() does.
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as error:
            raise self.error(
                f"cannot open the database file ({error}); check the path and permissions"
            ) from None
        try:
            self._conn.execute(sql.SQLITE_BUSY_TIMEOUT.format(milliseconds=int(BUSY_TIMEOUT_SECONDS * 1000)))
            for pragma in sql.SQLITE_SETUP:
                self._conn.execute(pragma)
            if self.path != ":memory:":
                self._enable_wal()
        except sqlite3.Error as error:
            self._conn.close()
            raise self.error(f"cannot use the database file ({error}); is it a SQLite database?") from None

    def _enable_wal(self) -> None:
        # Switching a fresh file to WAL needs an exclusive lock and does not wait on the busy handler,
        # so two processes opening a new store together retry here instead of failing.
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                self._conn.execute(sql.SQLITE_JOURNAL_WAL)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def execute(self, statement: Statement, params: Params = ()) -> Cursor:
        text = statement if isinstance(statement, str) else self.text(statement)
        try:
            return self._conn.execute(text, params)
        except sqlite3.IntegrityError as error:
            raise self.error(str(error), StoreConflict) from error
        except sqlite3.Error as error:
            raise self.error(str(error)) from error

    def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        text = statement if isinstance(statement, str) else self.text(statement)
        try:
            self._conn.executemany(text, rows)
        except sqlite3.IntegrityError as error:
            raise self.error(str(error), StoreConflict) from error
        except sqlite3.Error as error:
            raise self.error(str(error)) from error

    @contextmanager
    def transaction(self) -> Iterator[None]:
        depth = self._depth
        if depth == 0:
            self.execute(sql.SQLITE_BEGIN)
        else:
            self.execute(sql.SQLITE_SAVEPOINT.format(depth=depth))
        self._depth = depth + 1
        try:
            yield
        except BaseException:
            self._depth = depth
            self._undo(depth)
            raise
        self._depth = depth
        if depth > 0:
            self.execute(sql.SQLITE_RELEASE.format(depth=depth))
            return
        try:
            self.execute(sql.SQLITE_COMMIT)
        except BaseException:
            self._undo(0)
            raise

    def _undo(self, depth: int) -> None:
        # Some errors (disk full, I/O) already ended the transaction; rolling back again would fail.
        if not self._conn.in_transaction:
            return
        if depth == 0:
            self._conn.execute(sql.SQLITE_ROLLBACK)
        else:
            self._conn.execute(sql.SQLITE_ROLLBACK_TO.format(depth=depth))
            self._conn.execute(sql.SQLITE_RELEASE.format(depth=depth))

    def close(self) -> None:
        self._conn.close()
