"""PostgreSQL engine over psycopg 3 (imported here only): autocommit connection, explicit transactions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from platform_cli.store.engine import Cursor, Engine, Params
from platform_cli.store.errors import StoreConflict, StoreError
from platform_cli.store.statements import Statement, qmark_to_pyformat
from platform_cli.store.urls import StoreURL

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_SECONDS = 10
INSTALL_HINT = "PostgreSQL state stores need psycopg: pip install 'platform-cli[postgres]'"


class PostgresEngine(Engine):
    dialect = "postgresql"

    def __init__(self, url: StoreURL) -> None:
        super().__init__(url)
        try:
            import psycopg
        except ImportError:
            raise StoreError(f"state store {url}: {INSTALL_HINT}") from None
        self._psycopg = psycopg
        try:
            given = psycopg.conninfo.conninfo_to_dict(url.target)
            extra: dict[str, Any] = {}
            if "connect_timeout" not in given:
                extra["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
            if "application_name" not in given:
                extra["application_name"] = "platform-cli"
            # autocommit: reads never leave a transaction open; transaction() opens one explicitly.
            self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                url.target, autocommit=True, **extra
            )
            return
        except psycopg.Error as error:
            failure = self.error(
                f"cannot connect ({_first_line(error)}); check the URL and that the server is up"
            )
        raise failure

    # Every driver error is raised again as a StoreError from OUTSIDE the except block, so the driver's
    # exception is neither __cause__ nor __context__: its text may quote the URL or a parameter (a password).
    def _failure(self, error: Exception) -> StoreError:
        kind = StoreConflict if isinstance(error, self._psycopg.errors.IntegrityError) else StoreError
        return self.error(_first_line(error), kind)

    def execute(self, statement: Statement, params: Params = ()) -> Cursor:
        text = statement if isinstance(statement, str) else self.text(statement)
        try:
            # Always pass a sequence, so psycopg always reads %% the way qmark_to_pyformat wrote it.
            return self._conn.execute(qmark_to_pyformat(text), tuple(params))
        except self._psycopg.Error as error:
            failure = self._failure(error)
        raise failure

    def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        text = statement if isinstance(statement, str) else self.text(statement)
        try:
            with self._conn.cursor() as cursor:
                cursor.executemany(qmark_to_pyformat(text), [tuple(row) for row in rows])
            return
        except self._psycopg.Error as error:
            failure = self._failure(error)
        raise failure

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            # psycopg's transaction(): BEGIN, or a SAVEPOINT when nested; rolls back on any exception.
            with self._conn.transaction():
                yield
            return
        except self._psycopg.Error as error:
            failure = self._failure(error)
        raise failure

    def close(self) -> None:
        self._conn.close()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
